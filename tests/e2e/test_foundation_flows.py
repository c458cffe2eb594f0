"""The foundation's pages as their users meet them, on a phone and a desktop, in Chinese."""

import re

import pytest

from dangjian.accounts.models import RoleAssignment, User
from dangjian.orgs.models import HostEntity, PartyOrganisation

VIEWPORTS = ["phone", "desktop"]

# What each demo role should find in the navigation (nav link labels, in Chinese).
ROLE_NAV = {
    "orgadmin": {
        "党组织",
        "党员",
        "扫码",
        "关系转接",
        "发展党员",
        "党费",
        "组织生活",
        "组织生活合规",
        "单位",
        "覆盖情况",
        "设置",
        "需求清单",
        "随手拍",
        "服务站点",
        "小哥议事会",
        "志愿活动",
    },
    "secretary": {
        "党组织",
        "党员",
        "扫码",
        "关系转接",
        "发展党员",
        "党费",
        "组织生活",
        "组织生活合规",
        "单位",
        "覆盖情况",
        "需求清单",
        "随手拍",
        "服务站点",
        "小哥议事会",
        "志愿活动",
    },
    "member": {"党组织"},
    "station": {"党组织", "扫码", "单位", "需求清单", "随手拍", "服务站点", "志愿活动"},
    "sysadmin": {"党组织", "用户", "设置"},
    "secadmin": {"党组织", "用户", "角色", "设置"},
    "auditor": {"审计日志"},
}


def nav_labels(page) -> set[str]:
    return {text.strip() for text in page.locator("#nav-main .navbar-nav .nav-link").all_inner_texts()}


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_each_role_logs_in_and_sees_its_navigation(demo, session_for, viewport):
    for username, expected in ROLE_NAV.items():
        s = session_for(viewport, f"login-{username}")
        s.login(username)
        if viewport == "phone":
            s.page.click(".navbar-toggler")
            s.page.wait_for_selector("#nav-main.show")
        assert nav_labels(s.page) == expected, username
        s.shot("home")
        s.close()


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_org_admin_browses_searches_and_edits_the_tree(demo, session_for, viewport):
    s = session_for(viewport, "orgadmin-tree")
    s.login("orgadmin")
    s.goto("/orgs/")
    assert s.page.locator("h1").inner_text() == "党组织"
    # Expand the root, then a street committee.
    root = PartyOrganisation.objects.get(code="YX-LXGW")
    s.page.click(f"button[aria-controls='children-{root.pk}']")
    street = PartyOrganisation.objects.get(code="YX-DH")
    s.page.wait_for_selector(f"#children-{root.pk} a[href='/orgs/{street.pk}/']")
    s.page.click(f"button[aria-controls='children-{street.pk}']")
    s.page.wait_for_selector(f"#children-{street.pk} li")
    s.shot("tree-expanded")
    # Search.
    s.page.fill("#q", "联合")
    s.page.click("form[role=search] button[type=submit]")
    s.page.wait_for_load_state()
    assert "东湖街道商务楼宇联合党支部" in s.page.content()
    s.shot("search")
    # An organisation with warnings: the platform branch has 62 members.
    platform = PartyOrganisation.objects.get(code="YX-KDWL-FX")
    s.goto(f"/orgs/{platform.pk}/")
    warnings = s.page.locator(".alert-warning").all_inner_texts()
    assert any("62" in w and "50" in w for w in warnings), warnings
    s.shot("org-detail-warnings")
    # Create a branch under the street committee.
    s.goto(f"/orgs/new?parent={street.pk}")
    s.page.fill("#id_name", "东湖街道网约车司机党支部")
    s.page.fill("#id_code", f"YX-DH-WYC-{viewport}")
    s.page.fill("#id_member_count", "5")
    s.page.fill("#id_full_member_count", "9")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert "正式党员人数不能多于党员总数" in s.page.content() or "is-invalid" in s.page.content()
    s.shot("org-create-error")
    s.page.fill("#id_full_member_count", "4")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    created = PartyOrganisation.objects.get(code=f"YX-DH-WYC-{viewport}".upper())
    assert s.page.url.endswith(f"/orgs/{created.pk}/")
    assert created.path.startswith(street.path)
    # Move it under another street with the picker.
    s.goto(f"/orgs/{created.pk}/move")
    s.page.fill(".org-picker input[type=search]", "西林街道")
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.shot("org-move-picker")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    created.refresh_from_db()
    assert created.path.startswith(PartyOrganisation.objects.get(code="YX-XL").path)
    # Moving a committee under its own branch is refused with a message.
    s.goto(f"/orgs/{street.pk}/move")
    s.page.fill(".org-picker input[type=search]", "东湖站点")
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert "不能" in s.page.locator(".invalid-feedback, .alert-danger").first.inner_text()
    s.shot("org-move-refused")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_entities_filters_and_bad_credit_code(demo, session_for, viewport):
    s = session_for(viewport, "orgadmin-entities")
    s.login("orgadmin")
    s.goto("/orgs/entities/?category=new_employment")
    rows = s.page.locator("table tbody tr").count()
    assert rows == HostEntity.objects.filter(category="new_employment").count() or rows == 25
    s.shot("entity-list")
    s.goto("/orgs/entities/?covered=none")
    assert "小桥茶饮连锁店" in s.page.content()
    s.goto("/orgs/entities/new")
    s.page.fill("#id_name", "云溪测试科技有限公司")
    s.page.select_option("#id_kind", "digital_firm")
    s.page.fill("#id_uscc", "91330199MA2ABCDE1X")
    s.page.fill(".org-picker input[type=search]", "东湖街道工作委员会")
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    error = s.page.locator("#id_uscc_errors").inner_text()
    assert "统一社会信用代码" in error, error
    assert not HostEntity.objects.filter(name="云溪测试科技有限公司").exists()
    s.shot("entity-bad-uscc")
    s.goto("/orgs/coverage/")
    assert re.search(r"\d+(\.\d)?%", s.page.locator(".stat").first.inner_text())
    s.shot("coverage")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_three_administrators_do_their_own_duties(demo, session_for, viewport):
    s = session_for(viewport, "secadmin")
    s.login("secadmin")
    s.goto("/accounts/roles/")
    s.page.fill("#id_username", "sysadmin")
    s.page.select_option("#id_role", "audit_admin")
    s.page.fill(".org-picker input[type=search]", "两新工委")
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert "该用户已是" in s.page.locator(".alert-danger, .invalid-feedback").first.inner_text()
    assert not RoleAssignment.objects.filter(user__username="sysadmin", role="audit_admin").exists()
    s.shot("separation-refused")
    s.close()

    s = session_for(viewport, "sysadmin")
    s.login("sysadmin")
    s.goto("/accounts/users/")
    s.page.fill("#id_username", f"rider_{viewport}")
    s.page.fill("#id_display_name", "新骑手")
    s.page.fill("#id_password", "short")
    s.page.fill(".org-picker input[type=search]", "蜂行外卖云溪")
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert not User.objects.filter(username=f"rider_{viewport}").exists()
    s.shot("user-weak-password")
    s.page.fill("#id_password", "Rider-Pass-2026")
    s.page.fill(".org-picker input[type=search]", "蜂行外卖云溪")
    s.page.wait_for_selector(".org-picker-results [data-pick-id]")
    s.page.click(".org-picker-results [data-pick-id] >> nth=0")
    s.page.click("form button[type=submit].btn-primary")
    s.page.wait_for_load_state()
    assert User.objects.filter(username=f"rider_{viewport}").exists()
    s.close()

    s = session_for(viewport, "auditor")
    s.login("auditor")
    s.goto("/audit/?action=user.create")
    assert f"rider_{viewport}" in s.page.content()
    s.shot("audit-trail")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_elder_mode_and_language_switch(demo, session_for, viewport):
    s = session_for(viewport, "member")
    s.login("member")
    if viewport == "phone":
        s.page.click(".navbar-toggler")
        s.page.wait_for_selector("#nav-main.show")
    s.page.click("button[aria-pressed=false]")
    s.page.wait_for_load_state()
    assert s.page.locator("body.elder").count() == 1
    size = s.page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 18
    heights = s.page.evaluate(
        "Array.from(document.querySelectorAll('main .btn, main .form-control'))"
        ".map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights
    s.shot("elder-home")
    s.goto("/orgs/")
    s.shot("elder-tree")
    assert User.objects.get(username="member").elder_mode is True
    if viewport == "phone":
        s.page.click(".navbar-toggler")
        s.page.wait_for_selector("#nav-main.show")
    s.page.click("button[name=language][value=en]")
    s.page.wait_for_load_state()
    assert s.page.locator("h1").inner_text() == "Party organisations"
    s.shot("english")
