"""One person one code, the Excel import and lost contact, on a phone and a desktop."""

import io

import pytest
from openpyxl import Workbook

from dangjian.members import excel
from dangjian.members.models import ImportJob, MemberCode

VIEWPORTS = ["phone", "desktop"]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_member_shows_code_and_secretary_scans_it(demo, session_for, viewport, settings):
    member = session_for(viewport, "member-code")
    member.login("member")
    member.goto("/members/me/code")
    member.page.click("form button[type=submit].btn-primary")
    member.page.wait_for_load_state()
    assert member.page.locator(".code-qr svg").count() == 1
    member.shot("my-code")
    code = MemberCode.objects.get(member__name="马小军", revoked_at=None)
    from dangjian.members import codes

    token = codes.token_for(code)
    secretary = session_for(viewport, "secretary-scan")
    secretary.login("secretary")
    secretary.goto(f"/members/scan/{token}")
    assert "马小军" in secretary.page.content() and "个人码有效" in secretary.page.content()
    secretary.shot("scan-valid")
    refused = secretary.page.goto(f"{secretary.base_url}/members/scan/{token[:-3]}AAA")
    assert refused.status == 400 and "这个码无效" in secretary.page.content()
    secretary.console_errors.clear()  # the refused scan answers 400 by design
    secretary.shot("scan-forged")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_secretary_imports_with_errors(demo, session_for, viewport, settings, tmp_path):
    from dangjian.orgs.models import PartyOrganisation

    branch = PartyOrganisation.objects.filter(name__contains="蜂行外卖云溪").first()
    book = Workbook()
    sheet = book.active
    sheet.title = excel.SHEET
    sheet.append([c.header for c in excel.COLUMNS])
    sheet.append(["新骑手", "123", "", "", "", "", "外卖骑手", "", "正式党员", "2015-07-01", "2016-07-01", branch.code])
    path = tmp_path / "members.xlsx"
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    s = session_for(viewport, "secretary-import")
    s.login("secretary")
    s.goto("/members/import/")
    s.shot("import-form")
    s.page.fill(".org-picker input[type=search]", branch.name[:6])
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.page.set_input_files("#id_file", str(path))
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert ImportJob.objects.get().state == "failed"
    assert "身份证号应为18位" in s.page.content()
    s.shot("import-errors")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_secretary_visits_lost_contact_flowing_and_registrations(demo, session_for, viewport):
    from django.test import Client

    from dangjian.members import codes
    from dangjian.members.models import Member

    member = Member.objects.filter(name="马小军").select_related("org").get()
    s = session_for(viewport, "secretary-members-more")
    s.login("secretary")
    for path, label in (
        ("/members/lost-contact/", "lost-list"),
        (f"/members/{member.pk}/lost-contact", "lost-case"),
        ("/members/flowing/", "flowing-list"),
        (f"/members/{member.pk}/flow", "flow-form"),
        ("/members/registrations/", "registrations"),
        (f"/members/{member.pk}/code", "member-code"),
    ):
        s.goto(path)
        s.shot(label)
        if label == "registrations":  # the demo seeds self-registrations, flows and lost contact
            assert "陈思远" in s.page.content() and "郭建伟" in s.page.content()
        if label == "flowing-list":
            assert "江苏省苏州市工业园区星湖街" in s.page.content()
    token = codes.org_token(member.org)
    assert Client().get(f"/members/join/{token}").status_code == 200
    public = session_for(viewport, "worker-join")
    public.goto(f"/members/join/{token}")
    assert member.org.name in public.page.content()
    public.shot("join-form")
    # The home organisation picked from the tree (names only), the rest typed.
    public.page.fill(".org-picker input[type=search]", "东湖站点")
    public.page.wait_for_selector(".org-picker-results [data-pick-id]")
    public.shot("join-org-picker")
    public.page.click(".org-picker-results [data-pick-id] >> nth=0")
    assert public.page.inner_text(".org-picker-selected") == "蜂行外卖东湖站点党支部"
    public.page.fill("#id_name", "赵新")
    public.page.fill("#id_id_number", "330102199205061233")
    public.page.fill("#id_mobile", "13700005555")
    public.page.check("#id_consent")
    public.page.click("form button[type=submit].btn-primary")
    public.page.wait_for_load_state()
    assert "将核实您的登记" in public.page.content()
    public.shot("join-done")
    from dangjian.members.models import RegistrationLead

    lead = RegistrationLead.objects.get(name="赵新")
    assert (lead.home_org.name, lead.home_org_text) == ("蜂行外卖东湖站点党支部", "蜂行外卖东湖站点党支部")
