"""Minutes and compliance: the recorder writes the minutes, host and recorder sign, the PDF
downloads; the district committee looks at the compliance table and drills down to a record book."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from dangjian.accounts.models import User
from dangjian.members import services as member_services
from dangjian.members.models import Member
from dangjian.minutes.tests.factories import attend, meeting
from dangjian.orgs.models import PartyOrganisation

VIEWPORTS = ["phone", "desktop"]


def _held_meeting():
    """A branch general meeting that ended an hour ago: the secretary hosts, the demo member records."""
    org = PartyOrganisation.objects.get(code="YX-KDWL-FX")
    recorder = Member.objects.get(user__username="member")
    host = Member.objects.filter(org=org, user__isnull=True, status="normal").exclude(pk=recorder.pk).order_by("pk")[0]
    member_services.member_link_account(actor=None, member=host, user=User.objects.get(username="secretary"))
    start = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    held = meeting(
        org,
        "branch_general",
        start,
        title="支部党员大会：讨论发展对象",
        host=host,
        recorder=recorder,
        agenda="一、讨论接收预备党员\n二、通报党费收缴情况",
    )
    people = list(Member.objects.filter(org=org, status="normal").order_by("pk")[:8])
    attend(held, people, present=people[:6], leave={people[6]: "外地送餐"})
    return held


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_recorder_writes_both_sign_and_the_pdf_downloads(demo, session_for, viewport):
    held = _held_meeting()
    recorder = session_for(viewport, "minutes-recorder")
    recorder.login("member")
    recorder.goto(f"/minutes/meetings/{held.pk}/")
    recorder.shot("empty")
    recorder.page.click("form[action$='/start'] button[type=submit]")
    recorder.page.wait_for_load_state()
    recorder.page.fill("#id_s_discussion", "党员一致认为发展对象条件成熟。")
    recorder.page.fill("#id_s_votes", "应到8人，实到6人，6票赞成。")
    recorder.page.fill("#id_resolutions", "同意接收张某为预备党员，报上级党委审批。")
    recorder.page.click("form[action$='/edit'] button[type=submit]")
    recorder.page.wait_for_load_state()
    recorder.page.click("form[action$='/sign'] button[type=submit]")
    recorder.page.wait_for_load_state()
    assert "已签署" in recorder.page.content()
    recorder.shot("recorder-signed")

    host = session_for(viewport, "minutes-host")
    host.login("secretary")
    host.goto(f"/minutes/meetings/{held.pk}/")
    host.page.click("form[action$='/sign'] button[type=submit]")
    host.page.wait_for_load_state()
    assert "会议记录已锁定" in host.page.content()
    host.shot("locked")
    with host.page.expect_download() as info:
        host.page.click("a[href$='record.pdf']")
    with open(info.value.path(), "rb") as handle:
        data = handle.read()
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).replace("\n", "")
    assert "支部党员大会：讨论发展对象" in text and "同意接收张某为预备党员" in text
    assert "应到8人，实到6人，请假1人，缺席1人" in text


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_district_committee_drills_down_to_a_record_book(demo, session_for, viewport):
    branch = PartyOrganisation.objects.get(code="YX-KDWL-FX")
    district = PartyOrganisation.objects.get(code="YX-LXGW")
    child = PartyOrganisation.objects.get(path=branch.path[: len(district.path) + PartyOrganisation.steplen])
    s = session_for(viewport, "compliance-district")
    s.login("orgadmin")
    s.goto("/compliance/")
    assert "组织生活合规情况" in s.page.content() and child.name in s.page.content()
    s.shot("table")
    s.page.click(f"a[href^='?under={child.pk}&']")
    s.page.wait_for_load_state()
    assert branch.name in s.page.content()
    s.shot("drilled")
    s.page.click(f"a[href^='/compliance/orgs/{branch.pk}/']")
    s.page.wait_for_load_state()
    assert "组织生活台账" in s.page.content() and "主题党日" in s.page.content()
    s.shot("record-book")
    s.goto("/compliance/alerts")
    s.shot("alerts")
