import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from conftest import make_user
from dangjian.core.errors import ConflictError, DomainError, NotFoundError, ScopeDenied
from dangjian.core.models import AuditEntry
from dangjian.meetings.choices import MeetingStatus
from dangjian.minutes import services
from dangjian.minutes.models import Minutes, MinutesCorrection

from .factories import at, meeting

pytestmark = pytest.mark.django_db


def test_start_fills_template_and_attendance(held):
    minutes = services.minutes_start(actor=held.recorder_user, meeting=held.meeting)
    assert minutes.sections == [
        {"key": "topic", "text": "三月主题党日"},
        {"key": "activities", "text": ""},
        {"key": "dues", "text": ""},
        {"key": "discussion", "text": ""},
    ]
    assert minutes.attendance == {
        "expected": 10,
        "present": 7,
        "leave": 2,
        "absent": 1,
        "present_names": ["王芳", "李强", "张伟", "刘洋", "陈静", "杨磊", "赵敏"],
        "absentees": [
            {"name": "黄勇", "kind": "leave", "reason": "外地送餐"},
            {"name": "周杰", "kind": "leave", "reason": "家中有事"},
            {"name": "吴昊", "kind": "absent", "reason": "联系不上"},
        ],
    }
    entry = AuditEntry.objects.get(action="minutes.start")
    assert (entry.actor_id, entry.changes) == (held.recorder_user.pk, {"meeting": held.meeting.pk, "expected": 10})


def test_templates_per_kind(held):
    lecture = meeting(held.tree.branch_a, "lecture", at(2026, 3, 20), title="党课：初心使命", lecturer=held.people[0])
    general = meeting(held.tree.branch_a, "branch_general", at(2026, 3, 21), agenda="讨论发展对象")
    a = services.minutes_start(actor=None, meeting=lecture)
    b = services.minutes_start(actor=None, meeting=general)
    assert a.sections == [
        {"key": "lecturer", "text": "王芳"},
        {"key": "topic", "text": "党课：初心使命"},
        {"key": "content", "text": ""},
        {"key": "discussion", "text": ""},
    ]
    assert [s["key"] for s in b.sections] == ["agenda", "discussion", "votes"]
    assert b.sections[0]["text"] == "讨论发展对象"


@pytest.mark.parametrize(
    ("status", "start", "message"),
    [
        (MeetingStatus.DRAFT, at(2026, 3, 1), "只有已发布且未取消的会议"),
        (MeetingStatus.CANCELLED, at(2026, 3, 1), "只有已发布且未取消的会议"),
        (MeetingStatus.PUBLISHED, at(2099, 3, 1), "会议尚未开始"),
    ],
)
def test_start_refused_for_meetings_not_held(tree, status, start, message):
    m = meeting(tree.branch_a, "themed_day", start, status=status)
    with pytest.raises(DomainError, match=message):
        services.minutes_start(actor=None, meeting=m)
    assert Minutes.objects.count() == 0


def test_start_twice_is_a_conflict(held):
    services.minutes_start(actor=None, meeting=held.meeting)
    with pytest.raises(ConflictError):
        services.minutes_start(actor=None, meeting=held.meeting)
    assert Minutes.objects.count() == 1


def test_who_may_write(held):
    outsider = make_user("secretary", held.tree.branch_b)
    ordinary = make_user("member", held.tree.branch_a)
    with pytest.raises(NotFoundError):
        services.minutes_start(actor=outsider, meeting=held.meeting)
    with pytest.raises(NotFoundError):
        services.minutes_start(actor=ordinary, meeting=held.meeting)
    higher = make_user("org_admin", held.tree.root)  # reads, does not write
    with pytest.raises(ScopeDenied):
        services.minutes_start(actor=higher, meeting=held.meeting)
    assert Minutes.objects.count() == 0


def _written(held):
    minutes = services.minutes_start(actor=held.recorder_user, meeting=held.meeting)
    return services.minutes_update(
        actor=held.recorder_user,
        minutes=minutes,
        sections_text={"activities": "学习党章，开展社区志愿服务。"},
        resolutions="下月组织交通安全培训。",
    )


def test_sign_off_locks_and_refuses_edits(held):
    minutes = _written(held)
    with pytest.raises(ScopeDenied, match="只有会议主持人本人"):
        services.minutes_sign(actor=held.recorder_user, minutes=minutes, role="host")
    minutes = services.minutes_sign(actor=held.recorder_user, minutes=minutes, role="recorder")
    assert minutes.recorder_signed_by_id == held.recorder_user.pk and not minutes.locked
    with pytest.raises(ConflictError, match="已经签署"):
        services.minutes_sign(actor=held.recorder_user, minutes=minutes, role="recorder")
    minutes = services.minutes_sign(actor=held.host_user, minutes=minutes, role="host")
    assert minutes.locked and minutes.locked_at == minutes.host_signed_at
    with pytest.raises(ConflictError, match="已由主持人和记录人签署并锁定"):
        services.minutes_update(actor=held.recorder_user, minutes=minutes, resolutions="改写")
    with pytest.raises(ConflictError):
        services.minutes_refresh_attendance(actor=held.recorder_user, minutes=minutes)
    photo = SimpleUploadedFile("a.png", _png(), "image/png")
    with pytest.raises(ConflictError):
        services.minutes_photo_add(actor=held.recorder_user, minutes=minutes, photo=photo)
    minutes.refresh_from_db()
    assert minutes.resolutions == "下月组织交通安全培训。"
    assert list(AuditEntry.objects.filter(action="minutes.sign").order_by("id").values_list("changes", flat=True)) == [
        {"role": "recorder", "locked": False},
        {"role": "host", "locked": True},
    ]


def test_an_edit_after_one_signature_clears_it(held):
    minutes = _written(held)
    minutes = services.minutes_sign(actor=held.host_user, minutes=minutes, role="host")
    minutes = services.minutes_update(actor=held.recorder_user, minutes=minutes, resolutions="补充：下月培训。")
    assert (minutes.host_signed_at, minutes.host_signed_by_id) == (None, None)
    entry = AuditEntry.objects.filter(action="minutes.update").latest("id")
    assert entry.changes == {"sections": ["resolutions"], "signatures_cleared": ["host"]}


def test_empty_minutes_cannot_be_signed(held):
    minutes = services.minutes_start(actor=held.recorder_user, meeting=held.meeting)
    minutes = services.minutes_update(actor=held.recorder_user, minutes=minutes, sections_text={"topic": ""})
    with pytest.raises(DomainError, match="会议记录为空"):
        services.minutes_sign(actor=held.recorder_user, minutes=minutes, role="recorder")


def test_update_validates(held):
    minutes = services.minutes_start(actor=held.recorder_user, meeting=held.meeting)
    with pytest.raises(DomainError) as exc:
        services.minutes_update(actor=held.recorder_user, minutes=minutes, sections_text={"votes": "x"})
    assert exc.value.fields == {"sections": ["未知的部分：votes。"]}
    with pytest.raises(DomainError):
        services.minutes_update(actor=held.recorder_user, minutes=minutes, resolutions="字" * 8001)
    minutes.refresh_from_db()
    assert minutes.resolutions == ""


def test_corrections_are_appended_and_audited(held):
    minutes = _written(held)
    with pytest.raises(ConflictError, match="尚未锁定"):
        services.minutes_correct(
            actor=held.recorder_user, minutes=minutes, section="resolutions", text="x", reason="笔误"
        )
    services.minutes_sign(actor=held.recorder_user, minutes=minutes, role="recorder")
    minutes = services.minutes_sign(actor=held.host_user, minutes=minutes, role="host")
    with pytest.raises(DomainError) as exc:
        services.minutes_correct(actor=held.host_user, minutes=minutes, section="resolutions", text="x", reason=" ")
    assert exc.value.fields == {"reason": ["请填写更正原因。"]}
    with pytest.raises(DomainError):
        services.minutes_correct(actor=held.host_user, minutes=minutes, section="votes", text="x", reason="笔误")
    outsider = make_user("member", held.tree.branch_a)
    with pytest.raises(NotFoundError):
        services.minutes_correct(actor=outsider, minutes=minutes, section="resolutions", text="x", reason="笔误")
    correction = services.minutes_correct(
        actor=held.host_user,
        minutes=minutes,
        section="resolutions",
        text="下月组织交通安全和急救培训。",
        reason="漏记急救培训",
    )
    assert (correction.section_label, correction.author_name) == ("会议决议", "王芳")
    minutes.refresh_from_db()
    assert minutes.resolutions == "下月组织交通安全培训。"  # the signed text is untouched
    assert MinutesCorrection.objects.count() == 1
    assert AuditEntry.objects.get(action="minutes.correct").changes == {
        "correction": correction.pk,
        "section": "resolutions",
        "reason": "漏记急救培训",
    }


def test_refresh_attendance_after_a_late_check_in(held):
    from dangjian.meetings.models import CheckIn

    minutes = services.minutes_start(actor=held.recorder_user, meeting=held.meeting)
    CheckIn.objects.create(meeting=held.meeting, member=held.people[9], method="manual", at=at(2026, 3, 15, 10))
    minutes = services.minutes_refresh_attendance(actor=held.recorder_user, minutes=minutes)
    assert (minutes.attendance["present"], minutes.attendance["absent"]) == (8, 0)
    assert minutes.attendance["present_names"][-1] == "吴昊"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def _docx_bytes() -> bytes:
    from docx import Document

    out = io.BytesIO()
    Document().save(out)
    return out.getvalue()


def test_photos_and_attachments(held):
    minutes = services.minutes_start(actor=held.recorder_user, meeting=held.meeting)
    photo = services.minutes_photo_add(
        actor=held.recorder_user, minutes=minutes, photo=SimpleUploadedFile("p.png", _png(), "image/png")
    )
    assert (photo.width, photo.height) == (40, 30) and photo.image.name.endswith(".jpg")
    item = services.minutes_attachment_add(
        actor=held.recorder_user, minutes=minutes, upload=SimpleUploadedFile("签到表.docx", _docx_bytes())
    )
    assert (item.name, item.content_type) == (
        "签到表.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    pdf = services.minutes_attachment_add(
        actor=held.recorder_user, minutes=minutes, upload=SimpleUploadedFile("决议.pdf", b"%PDF-1.4\n%%EOF")
    )
    assert pdf.content_type == "application/pdf"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.exe", b"MZ\x90\x00", "请上传PDF"),
        ("a.pdf", b"MZ\x90\x00", "请上传PDF"),
        ("a.docx", b"PK\x03\x04not a zip", "请上传PDF"),
        ("a.xlsx", None, "请上传PDF"),  # a Word file named .xlsx
        ("a.pdf", b"", "文件为空"),
        ("a.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "不能超过10 MB"),
    ],
)
def test_bad_attachments_are_refused(held, name, content, message):
    minutes = services.minutes_start(actor=held.recorder_user, meeting=held.meeting)
    upload = SimpleUploadedFile(name, _docx_bytes() if content is None else content)
    with pytest.raises(DomainError, match=message):
        services.minutes_attachment_add(actor=held.recorder_user, minutes=minutes, upload=upload)
    assert minutes.attachments.count() == 0
