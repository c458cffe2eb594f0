"""Elder mode and language: remembered per user, cookies for visitors."""

from django.test import Client

from conftest import make_user


def test_elder_mode_is_remembered_per_user(tree, login_as):
    user = make_user("member", tree.branch_a)
    client = login_as(user)
    response = client.post("/preferences", {"elder_mode": "1", "next": "/orgs/"})
    assert response.status_code == 302 and response["Location"] == "/orgs/"
    user.refresh_from_db()
    assert user.elder_mode is True
    page = login_as(user).get("/orgs/")
    assert '<body class="elder"' in page.content.decode()


def test_elder_mode_cookie_for_visitors(db):
    client = Client()
    client.post("/preferences", {"elder_mode": "1", "next": "/accounts/login/"})
    assert client.cookies["dj_elder"].value == "1"
    assert '<body class="elder"' in client.get("/accounts/login/").content.decode()


def test_language_switch_is_stored(tree, login_as):
    user = make_user("member", tree.branch_a)
    client = login_as(user)
    client.post("/preferences", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    assert '<html lang="en">' in login_as(user).get("/orgs/").content.decode()


def test_default_language_is_chinese(db):
    assert '<html lang="zh-Hans">' in Client().get("/accounts/login/").content.decode()


def test_preferences_refuse_external_redirect(db):
    response = Client().post("/preferences", {"elder_mode": "0", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_unknown_language_ignored(tree, login_as):
    user = make_user("member", tree.branch_a)
    login_as(user).post("/preferences", {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == ""
