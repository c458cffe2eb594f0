"""Web security checks across the apps: stored XSS, SQL metacharacters in search and filters, CSRF
on every page URL, open redirects, and the login rate limit.

The CSRF and XSS checks walk the URL configuration and the rendered pages, so a page added later is
covered without editing this file."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import PASSWORD, login, make_user
from dangjian.members.tests.factories import member
from dangjian.orgs import services as org_services

PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;"
SQL_PROBES = ["' OR '1'='1", "'; DROP TABLE members_member; --", '" OR ""="', "%' --", "\\", "％", "1) OR (1=1"]


def _page_paths() -> list[str]:
    """Every page URL (not the API), with each path argument replaced by 1."""
    paths: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for pattern in patterns:
            route = str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route.startswith("api/"):
                    continue
                walk(pattern.url_patterns, prefix + route)
            elif isinstance(pattern, URLPattern):
                paths.append("/" + re.sub(r"<(?:\w+:)?\w+>", "1", prefix + route))

    walk(get_resolver().url_patterns, "")
    return sorted(set(paths))


# --- CSRF ----------------------------------------------------------------------------------------------


def test_every_page_url_refuses_a_post_without_csrf_token(tree):
    """The CSRF middleware answers before any view: no page is exempt, whatever it does with POST."""
    admin = make_user("org_admin", tree.root)
    client = login(admin)
    client.handler.enforce_csrf_checks = True
    paths = _page_paths()
    assert "/orgs/new" in paths and "/members/1/status" in paths and "/accounts/login/" in paths
    answers = {path: client.post(path, {"name": "x"}).status_code for path in paths}
    assert {path: code for path, code in answers.items() if code != 403} == {}


def test_api_with_a_session_needs_the_csrf_token(tree):
    admin = make_user("org_admin", tree.root)
    client = login(admin)
    client.handler.enforce_csrf_checks = True
    body = {"parent_id": tree.street_a.pk, "name": "新支部", "code": "CSRF-1", "kind": "branch"}
    response = client.post("/api/v1/orgs", body, content_type="application/json")
    assert response.status_code in (401, 403)
    from dangjian.orgs.models import PartyOrganisation

    assert not PartyOrganisation.objects.filter(code="CSRF-1").exists()


def test_login_form_without_token_is_refused(db):
    client = Client(enforce_csrf_checks=True)
    assert client.post("/accounts/login/", {"identifier": "x", "password": "y"}).status_code == 403


# --- Stored XSS ----------------------------------------------------------------------------------------


@pytest.fixture
def hostile(tree):
    """Free text typed by users, everywhere it can be typed, holding markup."""
    org_services.org_update(actor=None, org=tree.branch_a, name="骑手党支部" + PAYLOAD, secretary_name=PAYLOAD[:30])
    entity = org_services.entity_create(
        actor=None,
        owner_org=tree.street_a,
        name="蜂行科技" + PAYLOAD,
        kind="worker_group",
        address=PAYLOAD,
    )
    person = member(tree.branch_a, name="张" + PAYLOAD[:20], occupation=PAYLOAD[:50], work_area=PAYLOAD[:50])
    return entity, person


def test_user_text_is_escaped_on_every_page_that_shows_it(tree, hostile):
    entity, person = hostile
    admin = make_user("org_admin", tree.root)
    auditor = make_user("audit_admin", tree.root)
    pages = [
        (admin, "/orgs/"),
        (admin, f"/orgs/{tree.branch_a.pk}/"),
        (admin, f"/orgs/{tree.street_a.pk}/children"),
        (admin, "/orgs/pick?q=骑手"),
        (admin, "/orgs/entities/"),
        (admin, f"/orgs/entities/{entity.pk}/"),
        (admin, "/orgs/coverage/"),
        (admin, "/members/"),
        (admin, f"/members/{person.pk}/"),
        (admin, f"/members/{person.pk}/edit"),
        (auditor, "/audit/"),
    ]
    for user, url in pages:
        response = login(user).get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body, url
        # The tree opens at the top levels (the branch comes with /children); coverage shows rates.
        if url not in ("/orgs/", "/orgs/coverage/"):
            assert "&lt;script&gt;" in body or "&lt;img" in body, f"{url} does not show the text at all"


def test_api_returns_text_as_data_not_markup(tree, hostile):
    _, person = hostile
    response = login(make_user("org_admin", tree.root)).get(f"/api/v1/members/{person.pk}")
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["occupation"] == PAYLOAD[:50]


# --- SQL metacharacters ---------------------------------------------------------------------------------


@pytest.mark.parametrize("probe", SQL_PROBES)
def test_search_and_filters_treat_metacharacters_as_text(tree, probe):
    member(tree.branch_a, name="张伟")
    admin = make_user("org_admin", tree.root)
    auditor = make_user("audit_admin", tree.root)
    client = login(admin)
    for url in ("/members/", "/orgs/entities/", "/orgs/pick", "/orgs/"):
        assert client.get(url, {"q": probe}).status_code == 200, url
    assert client.get("/members/", {"q": probe, "status": probe, "employment_form": probe}).status_code == 200
    api = client.get("/api/v1/members", {"q": probe})
    assert (api.status_code, api.json()["count"]) == (200, 0)
    assert client.get("/api/v1/members", {"status": probe}).status_code == 422
    assert client.get("/api/v1/orgs", {"q": probe}).status_code == 200
    audit = login(auditor)
    assert audit.get("/audit/", {"actor": probe, "action": probe, "object_id": probe}).status_code == 200
    assert audit.get("/api/v1/audit/entries", {"actor": probe, "action": probe}).json()["count"] == 0
    from dangjian.members.models import Member

    assert Member.objects.filter(name="张伟").count() == 1  # the table is still there


# --- Open redirects -------------------------------------------------------------------------------------

FOREIGN = ["https://evil.example/", "//evil.example/", "/\\evil.example", "https:evil.example", "javascript:alert(1)"]


@pytest.mark.parametrize("target", FOREIGN)
def test_login_never_redirects_off_site(tree, target):
    user = make_user("committee_member", tree.street_a, username="redirect_me")
    client = Client()
    response = client.post(
        f"/accounts/login/?next={target}", {"identifier": user.username, "password": PASSWORD, "next": target}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/") and not response["Location"].startswith(("//", "/\\"))
    assert "evil.example" not in response["Location"] and "javascript" not in response["Location"]


@pytest.mark.parametrize("target", FOREIGN)
def test_preferences_never_redirect_off_site(db, target):
    response = Client().post("/preferences", {"elder_mode": "1", "next": target})
    assert (response.status_code, response["Location"]) == (302, "/")


def test_login_follows_a_local_next(tree):
    user = make_user("committee_member", tree.street_a, username="local_next")
    response = Client().post("/accounts/login/", {"identifier": user.username, "password": PASSWORD, "next": "/orgs/"})
    assert (response.status_code, response["Location"]) == (302, "/orgs/")


# --- Rate limit on login ---------------------------------------------------------------------------------


def test_login_is_locked_after_repeated_failures_even_with_the_right_password(tree, settings):
    user = make_user("committee_member", tree.street_a, username="guessed")
    client = Client()
    for _ in range(settings.LOGIN_LOCKOUT_FAILURES):
        response = client.post("/accounts/login/", {"identifier": "guessed", "password": "wrong-password-1"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"identifier": "guessed", "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert (
        "_auth_user_id"
        not in Client()
        .post("/accounts/login/", {"identifier": user.username, "password": PASSWORD})
        .wsgi_request.session
    )
