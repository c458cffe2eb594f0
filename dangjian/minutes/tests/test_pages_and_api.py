import io

import pytest
from docx import Document
from pypdf import PdfReader

from conftest import login, make_user
from dangjian.minutes import services
from dangjian.minutes.models import Minutes

pytestmark = pytest.mark.django_db


def _signed(held):
    minutes = services.minutes_start(actor=held.recorder_user, meeting=held.meeting)
    minutes = services.minutes_update(
        actor=held.recorder_user,
        minutes=minutes,
        sections_text={"activities": "学习党章，开展社区志愿服务。"},
        resolutions="下月组织交通安全培训。",
    )
    services.minutes_sign(actor=held.recorder_user, minutes=minutes, role="recorder")
    minutes = services.minutes_sign(actor=held.host_user, minutes=minutes, role="host")
    services.minutes_correct(
        actor=held.host_user, minutes=minutes, section="resolutions", text="另加急救培训。", reason="漏记"
    )
    return minutes


def test_pdf_contains_the_chinese_record(held):
    minutes = _signed(held)
    response = login(held.recorder_user).get(f"/minutes/{minutes.pk}/record.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="minutes-{held.meeting.pk}-20260315.pdf"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    flat = text.replace("\n", "")
    for expected in [
        "骑手党支部会议记录",
        "三月主题党日（主题党日）",
        "应到10人，实到7人，请假2人，缺席1人",
        "王芳、李强、张伟、刘洋、陈静、杨磊、赵敏",
        "黄勇（请假：外地送餐）；周杰（请假：家中有事）；吴昊（联系不上）",
        "学习党章，开展社区志愿服务。",
        "下月组织交通安全培训。",
        "主持人（签名）：王芳",
        "记录人（签名）：李强",
        "签署后的更正",
        "王芳更正“会议决议”：另加急救培训。（原因：漏记）",
    ]:
        assert expected in flat, expected


def test_docx_contains_the_chinese_record(held):
    minutes = _signed(held)
    response = login(held.host_user).get(f"/minutes/{minutes.pk}/record.docx")
    assert response.status_code == 200
    doc = Document(io.BytesIO(response.content))
    facts = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows}
    assert facts["会议名称"] == "三月主题党日（主题党日）"
    assert facts["时间"] == "2026年03月15日 09:00–11:00"
    assert facts["地点"] == "党群服务中心（线下）"
    assert (facts["主持人"], facts["记录人"]) == ("王芳", "李强")
    assert facts["出席情况"] == "应到10人，实到7人，请假2人，缺席1人"
    assert facts["缺席人员及原因"] == "黄勇（请假：外地送餐）；周杰（请假：家中有事）；吴昊（联系不上）"
    assert facts["会议议程"] == "一、学习党章\n二、志愿服务"
    paragraphs = [p.text for p in doc.paragraphs]
    assert paragraphs[0] == "骑手党支部会议记录"
    assert "活动内容" in paragraphs and "学习党章，开展社区志愿服务。" in paragraphs
    assert paragraphs[paragraphs.index("会议决议") + 1] == "下月组织交通安全培训。"
    assert paragraphs[-2] == "签署后的更正"
    assert paragraphs[-1].endswith("王芳更正“会议决议”：另加急救培训。（原因：漏记）")


def test_minutes_page_flow(held):
    recorder = login(held.recorder_user)
    page = recorder.get(f"/minutes/meetings/{held.meeting.pk}/")
    assert page.status_code == 200 and "开始填写会议记录" in page.content.decode()
    assert recorder.post(f"/minutes/meetings/{held.meeting.pk}/start").status_code == 302
    minutes = Minutes.objects.get()
    response = recorder.post(
        f"/minutes/{minutes.pk}/edit",
        {"s_topic": "三月主题党日", "s_activities": "学习党章", "s_dues": "", "s_discussion": "", "resolutions": "无"},
    )
    assert response.status_code == 302
    recorder.post(f"/minutes/{minutes.pk}/sign", {"role": "recorder"})
    # the recorder may not sign for the host: refused with a message, nothing changes
    response = recorder.post(f"/minutes/{minutes.pk}/sign", {"role": "host"}, follow=True)
    assert "只有会议主持人本人才能以主持人身份签署" in response.content.decode()
    host = login(held.host_user)
    assert "以主持人身份签署" in host.get(f"/minutes/meetings/{held.meeting.pk}/").content.decode()
    host.post(f"/minutes/{minutes.pk}/sign", {"role": "host"})
    minutes.refresh_from_db()
    assert minutes.locked
    page = host.get(f"/minutes/meetings/{held.meeting.pk}/").content.decode()
    assert "会议记录已锁定" in page and "添加更正" in page and "保存会议记录" not in page
    response = recorder.post(f"/minutes/{minutes.pk}/edit", {"resolutions": "改写"}, follow=True)
    assert "已由主持人和记录人签署并锁定" in response.content.decode()
    minutes.refresh_from_db()
    assert minutes.resolutions == "无"


def test_ordinary_member_cannot_open_minutes(held):
    services.minutes_start(actor=None, meeting=held.meeting)
    other = make_user("member", held.tree.branch_a)
    assert login(other).get(f"/minutes/meetings/{held.meeting.pk}/").status_code == 404


def test_api_flow(held):
    recorder = login(held.recorder_user)
    response = recorder.post(f"/api/v1/minutes/meetings/{held.meeting.pk}")
    assert response.status_code == 201
    body = response.json()
    assert [s["label"] for s in body["sections"]] == ["活动主题", "活动内容", "党费收缴情况", "党员发言"]
    assert body["attendance"]["absentees"][2] == {"name": "吴昊", "kind": "absent", "reason": "联系不上"}
    minutes_id = body["id"]
    response = recorder.patch(
        f"/api/v1/minutes/{minutes_id}",
        {"sections": {"activities": "志愿服务"}, "resolutions": "通过"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["resolutions"] == "通过"
    response = recorder.patch(
        f"/api/v1/minutes/{minutes_id}", {"sections": {"nope": "x"}}, content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["fields"] == {"sections": ["未知的部分：nope。"]}
    assert (
        recorder.post(
            f"/api/v1/minutes/{minutes_id}/sign", {"role": "host"}, content_type="application/json"
        ).status_code
        == 403
    )
    recorder.post(f"/api/v1/minutes/{minutes_id}/sign", {"role": "recorder"}, content_type="application/json")
    response = login(held.host_user).post(
        f"/api/v1/minutes/{minutes_id}/sign", {"role": "host"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["locked"] is True
    response = recorder.patch(f"/api/v1/minutes/{minutes_id}", {"resolutions": "x"}, content_type="application/json")
    assert (response.status_code, response.json()["error"]["code"]) == (409, "minutes_locked")
    response = recorder.post(
        f"/api/v1/minutes/{minutes_id}/corrections",
        {"section": "resolutions", "text": "通过两项", "reason": "笔误"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert [(c["section_label"], c["text"], c["author"]) for c in response.json()["corrections"]] == [
        ("会议决议", "通过两项", "李强")
    ]
    pdf = recorder.get(f"/api/v1/minutes/{minutes_id}/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_minutes_page_query_budget(held, django_assert_max_num_queries):
    minutes = _signed(held)
    client = login(held.host_user)
    client.get(f"/minutes/meetings/{held.meeting.pk}/")
    with django_assert_max_num_queries(16):
        assert client.get(f"/minutes/meetings/{held.meeting.pk}/").status_code == 200
    assert minutes.pk
