"""Transfers and the development pipeline as a branch secretary meets them, on a phone and a desktop."""

import datetime as dt

import pytest
from django.utils import timezone

from dangjian.accounts.models import User
from dangjian.core import scope
from dangjian.core.validators import id_check_character
from dangjian.development.models import Applicant
from dangjian.members.models import Member
from dangjian.transfers.models import Transfer

VIEWPORTS = ["phone", "desktop"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_secretary_issues_an_outward_transfer_that_anyone_can_check(demo, session_for, viewport):
    secretary = User.objects.get(username="secretary")
    member = scope.restrict(secretary, "transfer.issue", model=Member).filter(user__isnull=True).order_by("pk").first()
    s = session_for(viewport, "secretary-transfer")
    s.login("secretary")
    s.goto(f"/transfers/?q={member.name}")
    s.shot("find-member")
    s.goto(f"/transfers/new/{member.pk}")
    s.page.fill("#id_target_name", "外省某市快递党支部")
    s.page.fill("#id_dues_paid_until", "2026-10")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert "本平台以外的组织需填写地址" in s.page.content()
    s.shot("issue-errors")
    s.page.fill("#id_target_address", "外省某市某路1号")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    transfer = Transfer.objects.get(member=member)
    assert s.page.url.endswith(f"/transfers/{transfer.pk}/") and transfer.kind == "outward"
    s.shot("detail")
    anonymous = session_for(viewport, "public-check")
    anonymous.goto(f"/transfers/verify?code={transfer.verify_code}")
    assert "此介绍信真实有效" in anonymous.page.content() and member.name not in anonymous.page.content()
    anonymous.shot("genuine")
    anonymous.goto("/transfers/verify?code=AAAA-BBBB-CCCC-DDDD")
    assert "可能是伪造的" in anonymous.page.content()
    anonymous.shot("forged")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_secretary_starts_the_pipeline_and_sees_the_overdue_talk(demo, session_for, viewport):
    secretary = User.objects.get(username="secretary")
    org = scope.restrict(secretary, "development.manage", model=Member).order_by("pk").first().org
    first17 = "11010520000101123"
    number = first17 + id_check_character(first17)
    s = session_for(viewport, "secretary-development")
    s.login("secretary")
    s.goto("/development/new")
    s.page.fill("#id_name", "测试申请人")
    s.page.fill("#id_id_number", number)
    s.page.fill(".org-picker input[type=search]", org.name[:6])
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    person = Applicant.objects.get(name="测试申请人")
    assert number not in s.page.content() and person.id_number_masked in s.page.content()
    applied = timezone.localdate() - dt.timedelta(days=40)
    s.page.select_option("#id_step", "application")
    s.page.fill("#id_on", applied.isoformat())
    s.page.click("form[action$='/record'] button[type=submit]")
    s.page.wait_for_load_state()
    assert "已记录" in s.page.content()
    s.shot("detail")
    s.goto("/development/todo")
    assert "测试申请人" in s.page.content() and "已逾期" in s.page.content()
    s.shot("todo")
    s.goto("/development/")
    s.shot("list")
