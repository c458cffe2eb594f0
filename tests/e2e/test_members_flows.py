"""The member registry as a branch secretary and as a member meet it, on a phone and a desktop."""

import pytest

from dangjian.core.models import AuditEntry
from dangjian.members.models import Consent, Member

VIEWPORTS = ["phone", "desktop"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_secretary_registers_searches_and_reveals(demo, session_for, viewport):
    s = session_for(viewport, "secretary-members")
    s.login("secretary")
    s.goto("/members/")
    assert s.page.locator("h1").inner_text() == "党员"
    s.shot("list")
    s.goto("/members/new")
    s.page.fill("#id_name", "测试骑手")
    s.page.fill("#id_id_number", "110105194912310021")  # wrong check digit
    s.page.fill("#id_mobile", "1391234")
    s.page.select_option("#id_employment_form", "rider")
    s.page.select_option("#id_political_status", "probationary")
    s.page.fill("#id_join_date", "2025-03-01")
    s.page.fill(".org-picker input[type=search]", "蜂行外卖云溪")
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert "校验位有误" in s.page.locator("#id_id_number_errors").inner_text()
    assert "11位" in s.page.locator("#id_mobile_errors").inner_text()
    s.shot("register-errors")
    number = "11010519491231002X"
    s.page.fill("#id_id_number", number)
    s.page.fill("#id_mobile", "13987654321")
    s.page.fill(".org-picker input[type=search]", "蜂行外卖云溪")
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    created = Member.objects.get(name="测试骑手")
    assert s.page.url.endswith(f"/members/{created.pk}/")
    assert number not in s.page.content() and "110105********002X" in s.page.content()
    s.shot("detail-masked")
    s.page.fill("#reveal-mobile", "电话通知参加主题党日")
    s.page.click("form:has(#reveal-mobile) button[type=submit]")
    s.page.wait_for_load_state()
    assert "13987654321" in s.page.content()
    assert AuditEntry.objects.filter(action="member.reveal", object_id=str(created.pk)).count() == 1
    s.shot("detail-revealed")
    s.goto(f"/members/?q={number}")
    assert s.page.locator("table tbody tr").count() == 1
    s.goto("/members/?q=13987654321")
    assert "测试骑手" in s.page.content()
    s.shot("search-by-mobile")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_member_sees_own_record_and_manages_consent(demo, session_for, viewport):
    s = session_for(viewport, "member-consent")
    s.login("member")
    s.goto("/members/me/")
    assert "马小军" in s.page.content() and "13900000005" not in s.page.content()
    s.page.select_option("#id_purpose", "flowing_location")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert Consent.objects.filter(member__name="马小军", purpose="flowing_location", withdrawn_at=None).exists()
    s.shot("consents")
    s.page.once("dialog", lambda dialog: dialog.accept())
    s.page.click("form[action*='/withdraw'] button >> nth=0")
    s.page.wait_for_load_state()
    assert Consent.objects.filter(member__name="马小军", withdrawn_at__isnull=False).count() == 1
    s.shot("consent-withdrawn")
