import datetime as dt

import pytest
from django.utils import timezone

from dangjian.core.errors import ConflictError, DomainError
from dangjian.core.models import AuditEntry
from dangjian.meetings import attendance, checkin, codes, feeds, services
from dangjian.meetings.models import Attendee, CalendarFeed, MakeUpTask
from dangjian.meetings.quorum import Quorum, quorum_of
from dangjian.notifications.models import Notification

from .conftest import plan


def _status(meeting):
    return dict(Attendee.objects.filter(meeting=meeting).values_list("member__name", "status"))


def test_publish_notifies_every_attendee_with_a_login(life):
    meeting = plan(life, starts=24)
    notes = Notification.objects.filter(kind="meeting.published")
    # 7 attendees; 周四 has no login account (reached by SMS only when a channel is configured).
    assert sorted(n.recipient.member.name for n in notes) == sorted(
        ["王书记", "李委员", "赵一", "钱二", "孙三", "吴五"]
    )
    assert notes.first().url == f"/meetings/{meeting.pk}/"
    services.meeting_cancel(actor=life.sec, meeting=meeting, reason="改期")
    assert Notification.objects.filter(kind="meeting.cancelled").count() == 6


def test_leave_flow_and_makeup_study(life):
    meeting = plan(life, starts=24)
    leave = attendance.leave_request(actor=life.qian_user, meeting=meeting, reason="出车送件")
    with pytest.raises(ConflictError):
        attendance.leave_request(actor=life.qian_user, meeting=meeting, reason="again")
    with pytest.raises(DomainError) as exc:
        attendance.leave_request(actor=life.zheng_user, meeting=meeting, reason="不是本支部")
    assert exc.value.code == "not_attendee"
    with pytest.raises(DomainError):  # another branch's secretary cannot decide
        attendance.leave_decide(actor=life.sec_b, leave=leave, approve=True)
    with pytest.raises(DomainError) as exc:
        attendance.leave_decide(actor=life.sec, leave=leave, approve=False)
    assert "note" in exc.value.fields
    attendance.leave_decide(actor=life.sec, leave=leave, approve=True)
    leave.refresh_from_db()
    assert (leave.status, leave.decided_by_id) == ("approved", life.sec.pk)
    assert _status(meeting)["钱二"] == "leave"
    assert Notification.objects.filter(kind="meeting.leave_decided", recipient=life.qian_user).count() == 1
    with pytest.raises(ConflictError):
        attendance.leave_decide(actor=life.sec, leave=leave, approve=False, note="改主意")
    # The meeting takes place: 赵 checks in, the rest do not; closing marks absentees.
    meeting.starts_at = timezone.now() - dt.timedelta(minutes=5)
    meeting.save(update_fields=["starts_at"])
    checkin.checkin_by_code(actor=life.zhao_user, token=codes.code_for(meeting))
    tasks = services.meeting_close(actor=life.sec, meeting=meeting)
    assert {t.member.name: t.reason for t in tasks} == {
        "孙三": "absent",
        "吴五": "absent",
        "周四": "absent",
        "李委员": "absent",
        "王书记": "absent",
        "钱二": "leave",
    }
    assert _status(meeting)["赵一"] == "present" and _status(meeting)["孙三"] == "absent"
    assert services.meeting_close(actor=life.sec, meeting=meeting) == []  # idempotent
    assert MakeUpTask.objects.count() == 6
    # A late tick after closing is refused: the member is recorded absent and has make-up study.
    with pytest.raises(DomainError) as exc:
        checkin.checkin_manual(actor=life.sec, meeting=meeting, member=life.sun)
    assert exc.value.code == "attendance_closed"
    task = MakeUpTask.objects.get(member=life.qian)
    with pytest.raises(DomainError):
        attendance.makeup_complete(actor=life.qian_user, task=task, content="太短")
    with pytest.raises(DomainError) as exc:
        attendance.makeup_complete(actor=life.zhao_user, task=task, content="学习了会议精神和相关文件内容")
    assert exc.value.status == 404
    attendance.makeup_complete(actor=life.qian_user, task=task, content="学习了会议精神和相关文件内容")
    task.refresh_from_db()
    assert task.completed_at is not None and task.content == "学习了会议精神和相关文件内容"
    with pytest.raises(ConflictError):
        attendance.makeup_complete(actor=life.qian_user, task=task, content="再次提交的学习内容很多字")
    actions = list(AuditEntry.objects.filter(action__startswith="meeting.").values_list("action", flat=True))
    assert actions.count("meeting.leave_request") == 1 and actions.count("meeting.makeup_complete") == 1


def test_leave_only_before_the_meeting(life):
    meeting = plan(life, starts=-0.1)
    with pytest.raises(ConflictError) as exc:
        attendance.leave_request(actor=life.qian_user, meeting=meeting, reason="迟到")
    assert exc.value.code == "meeting_started"


def test_quorum_maths_is_exact():
    q = Quorum(required=True, body=6, present=3, expected=7, attended=3, on_leave=0, late=0)
    assert (q.met, q.needed) == (False, 4)  # exactly half is not more than half
    q = Quorum(required=True, body=6, present=4, expected=7, attended=4, on_leave=0, late=0)
    assert q.met is True
    q = Quorum(required=True, body=5, present=3, expected=5, attended=3, on_leave=0, late=0)
    assert (q.met, q.needed) == (True, 3)
    assert Quorum(required=True, body=0, present=0, expected=0, attended=0, on_leave=0, late=0).met is False
    assert Quorum(
        required=False, body=7, present=6, expected=7, attended=6, on_leave=0, late=0, _kind="themed_day"
    ).rate == (__import__("decimal").Decimal("85.7"))


def test_quorum_counts_voting_members_and_flags_decisions(life):
    meeting = plan(life, kind="branch_general")
    # Voting members: 王 李 赵 钱 周 (5); 孙 (probationary) and 吴 (flowing in) have no vote.
    for user in (life.sun_user, life.wu_user, life.zhao_user):
        checkin.checkin_by_code(actor=user, token=codes.code_for(meeting))
    q = quorum_of(meeting)
    assert (q.required, q.body, q.present, q.attended, q.expected, q.met) == (True, 5, 1, 3, 7, False)
    flagged = services.decision_record(actor=life.sec, meeting=meeting, text="同意接收预备党员", votes_for=1)
    assert (flagged.quorum_met, flagged.present, flagged.body_size) == (False, 1, 5)
    with pytest.raises(DomainError) as exc:
        services.decision_record(actor=life.sec, meeting=meeting, text="x", votes_for=2)
    assert exc.value.code == "too_many_votes"
    checkin.checkin_manual(actor=life.sec, meeting=meeting, member=life.qian)
    checkin.checkin_manual(actor=life.sec, meeting=meeting, member=life.wang)
    q = quorum_of(meeting)
    assert (q.present, q.met, q.needed) == (3, True, 3)
    ok = services.decision_record(actor=life.sec, meeting=meeting, text="通过年度计划", votes_for=3, votes_against=0)
    assert ok.quorum_met is True


def test_committee_quorum_and_themed_day_target(life):
    committee = plan(life, kind="committee")
    checkin.checkin_manual(actor=life.sec, meeting=committee, member=life.li)
    q = quorum_of(committee)
    assert (q.body, q.present, q.met) == (2, 1, False)  # 1 of 2 is not more than half
    day = plan(life, kind="themed_day")
    for member in (life.wang, life.li, life.zhao, life.qian, life.sun, life.zhou):
        checkin.checkin_manual(actor=life.sec, meeting=day, member=member)
    q = quorum_of(day)
    assert (q.required, q.rate, q.target, q.below_target) == (False, __import__("decimal").Decimal("85.7"), 85, False)


def test_ical_feed_of_member_and_org(life):
    meeting = plan(life, starts=24, place="党群服务中心", agenda="学习二十届三中全会精神")
    draft = plan(life, starts=48, publish=False)
    _feed, token = feeds.feed_issue(actor=life.zhao_user)
    assert CalendarFeed.objects.get().token_hash != token
    body = feeds.render(feeds.feed_for_token(token), base_url="https://dj.example.cn").decode()
    assert "BEGIN:VCALENDAR" in body and body.count("BEGIN:VEVENT") == 1
    assert f"UID:meeting-{meeting.pk}@dangjian" in body
    assert "LOCATION:党群服务中心" in body and "STATUS:CONFIRMED" in body
    assert f"meeting-{draft.pk}@" not in body
    assert f"URL:https://dj.example.cn/meetings/{meeting.pk}/" in body
    # A new token revokes the old one; revoking leaves none.
    _, token2 = feeds.feed_issue(actor=life.zhao_user)
    with pytest.raises(DomainError):
        feeds.feed_for_token(token)
    assert feeds.feed_revoke(actor=life.zhao_user) == 1
    with pytest.raises(DomainError):
        feeds.feed_for_token(token2)
    # The organisation's feed: its secretary may issue it, another branch's may not.
    services.meeting_cancel(actor=life.sec, meeting=meeting, reason="改期")
    _, org_token = feeds.feed_issue(actor=life.sec, org=life.org)
    body = feeds.render(feeds.feed_for_token(org_token), base_url="https://dj.example.cn").decode()
    assert "STATUS:CANCELLED" in body
    with pytest.raises(DomainError):
        feeds.feed_issue(actor=life.sec_b, org=life.org)
