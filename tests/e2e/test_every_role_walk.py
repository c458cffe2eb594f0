"""Every demo account walks every page its navigation offers: on a phone in elder mode, and on a
desktop in the normal mode. Each page is checked by axe-core (and, in elder mode, for text and
touch-target sizes) through ``Session.goto``; a page that errors, or is offered in the navigation
but refused, fails the walk."""

import pytest

from dangjian.demo import data

ACCOUNTS = [account[0] for account in data.ACCOUNTS]
MODES = ["phone-elder", "desktop"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("username", ACCOUNTS)
def test_role_walks_its_navigation(demo, session_for, username, mode):
    from dangjian.accounts.models import User

    viewport, elder = ("phone", True) if mode == "phone-elder" else ("desktop", False)
    User.objects.filter(username=username).update(elder_mode=elder)
    s = session_for(viewport, f"walk-{username}-{mode}")
    s.login(username)
    s.check_page("home")
    links = s.page.eval_on_selector_all(
        "#nav-main a.nav-link[href^='/']", "links => links.map(a => a.getAttribute('href'))"
    )
    assert links, f"{username} sees no navigation"
    for href in dict.fromkeys(links):
        s.goto(href)
        assert s.page.locator("h1").count() == 1, f"{href} has no single page heading"
    # The first detail page a list offers (organisation, member, entity, user), where there is one.
    for href in dict.fromkeys(links):
        s.goto(href)
        detail = s.page.locator("main table tbody a[href^='/'], main .tree a[href^='/orgs/']").first
        if detail.count():
            target = detail.get_attribute("href")
            s.goto(target)
    s.shot("last-page")
