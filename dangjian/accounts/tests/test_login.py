"""Login by user name or mobile, lockout, second factor, idle timeout, safe redirects."""

from datetime import timedelta

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD, make_user
from dangjian.accounts import services
from dangjian.accounts.models import LoginFailure, User
from dangjian.core.models import AuditEntry


def post_login(client, identifier, password=PASSWORD, **extra):
    return client.post("/accounts/login/", {"identifier": identifier, "password": password}, **extra)


@pytest.fixture
def member(tree):
    return make_user("member", tree.branch_a, username="rider01", mobile="13912345678")


def test_login_by_username_case_insensitive(member):
    client = Client()
    response = post_login(client, "RIDER01")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").wsgi_request.user == member


def test_login_by_mobile_number_with_spaces(member):
    client = Client()
    response = post_login(client, "139 1234 5678")
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == member


def test_wrong_password_is_refused_and_audited(member):
    client = Client()
    response = post_login(client, "rider01", "wrong-password")
    assert response.status_code == 200
    assert client.get("/").status_code == 302  # still anonymous
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.object_repr == "rider01" and entry.object_id == str(member.pk)
    assert LoginFailure.objects.filter(identifier="rider01").count() == 1


def test_success_is_audited_and_clears_failures(member):
    client = Client()
    post_login(client, "rider01", "nope")
    post_login(client, "rider01")
    assert AuditEntry.objects.filter(action="auth.login", actor_id=member.pk).count() == 1
    assert LoginFailure.objects.filter(identifier="rider01").count() == 0


def test_account_locks_after_five_failures(member):
    for i in range(5):
        post_login(Client(REMOTE_ADDR=f"10.0.0.{i + 1}"), "rider01", "bad")
    # Right password from a fresh address: still locked for the account.
    response = post_login(Client(REMOTE_ADDR="10.0.0.99"), "rider01")
    assert response.status_code == 200
    assert "15" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated


def test_address_locks_after_five_failures(tree):
    make_user("member", tree.branch_a, username="victim")
    for i in range(5):
        post_login(Client(REMOTE_ADDR="10.9.9.9"), f"guess{i}", "bad")
    response = post_login(Client(REMOTE_ADDR="10.9.9.9"), "victim")
    assert response.status_code == 200
    # Another address may still log in.
    assert post_login(Client(REMOTE_ADDR="10.9.9.10"), "victim").status_code == 302


def test_lock_expires_after_window(member):
    for _ in range(5):
        post_login(Client(), "rider01", "bad")
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES + 1))
    assert post_login(Client(), "rider01").status_code == 302
    assert services.login_failures_prune() == 0  # success already cleared this account's rows


def test_four_failures_do_not_lock(member):
    for _ in range(4):
        post_login(Client(), "rider01", "bad")
    assert post_login(Client(), "rider01").status_code == 302


def test_inactive_user_cannot_log_in(member):
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert post_login(Client(), "rider01").status_code == 200


def test_open_redirect_after_login_is_refused(member):
    response = Client().post(
        "/accounts/login/?next=https://evil.example/",
        {"identifier": "rider01", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302 and response["Location"] == "/"


def test_local_next_is_followed(member):
    response = Client().post("/accounts/login/", {"identifier": "rider01", "password": PASSWORD, "next": "/orgs/"})
    assert response["Location"] == "/orgs/"


def test_logout_needs_post(member):
    client = Client()
    post_login(client, "rider01")
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_session_idle_timeout_is_thirty_minutes():
    from dangjian import settings as production

    assert (production.SESSION_COOKIE_AGE, production.SESSION_REFRESH_SECONDS) == (1800, 60)


def test_idle_timeout_slides_with_at_most_one_session_write_a_minute(member, monkeypatch, settings):
    settings.SESSION_REFRESH_SECONDS = 60
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from dangjian.accounts import middleware

    clock = [1_900_000_000.0]
    monkeypatch.setattr(middleware.time, "time", lambda: clock[0])
    client = Client()
    post_login(client, "rider01")
    key = client.cookies[settings.SESSION_COOKIE_NAME].value

    def get():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        return sum(1 for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT"))

    assert get() == 1  # the first request after login marks the session as seen
    expiry = Session.objects.get(session_key=key).expire_date
    clock[0] += 59
    assert (get(), get()) == (0, 0)
    assert Session.objects.get(session_key=key).expire_date == expiry
    clock[0] += 1
    assert get() == 1
    assert Session.objects.get(session_key=key).expire_date > expiry
    anonymous = Client()
    with CaptureQueriesContext(connection) as queries:
        anonymous.get("/accounts/login/")
    assert not any("django_session" in q["sql"] for q in queries) and not anonymous.cookies.get("dj_session")


def test_session_cookie_flags(member, settings):
    settings.SESSION_COOKIE_SECURE = True
    client = Client()
    post_login(client, "rider01")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True and cookie["samesite"] == "Lax" and cookie["secure"] is True


# --- Second factor ----------------------------------------------------------------------------------


@pytest.fixture
def admin(tree):
    return make_user("org_admin", tree.root, username="boss")


def test_admin_without_totp_must_enrol(admin):
    client = Client()
    response = post_login(client, "boss")
    assert response["Location"] == "/accounts/login/second-factor"
    assert not client.get("/orgs/").wsgi_request.user.is_authenticated
    page = client.get("/accounts/login/second-factor")
    assert page.status_code == 200 and "data:image/svg+xml" in page.content.decode()
    admin.refresh_from_db()
    code = pyotp.TOTP(services.totp_secret_of(admin)).now()
    response = client.post("/accounts/login/second-factor", {"code": code})
    assert response.status_code == 302
    admin.refresh_from_db()
    assert admin.has_totp
    assert client.get("/orgs/").status_code == 200


def test_admin_with_totp_must_give_code(admin):
    services.totp_begin(user=admin)
    admin.refresh_from_db()
    totp = pyotp.TOTP(services.totp_secret_of(admin))
    services.totp_confirm(user=admin, code=totp.at(timezone.now() - timedelta(seconds=30)))
    client = Client()
    post_login(client, "boss")
    bad = client.post("/accounts/login/second-factor", {"code": "000000"})
    assert bad.status_code == 200 and not bad.wsgi_request.user.is_authenticated
    good = client.post("/accounts/login/second-factor", {"code": totp.now()})
    assert good.status_code == 302
    assert client.get("/orgs/").status_code == 200


def test_totp_code_cannot_be_replayed(admin):
    services.totp_begin(user=admin)
    admin.refresh_from_db()
    code = pyotp.TOTP(services.totp_secret_of(admin)).now()
    services.totp_confirm(user=admin, code=code)
    with pytest.raises(services.DomainError):
        services.totp_verify(user=admin, code=code)


def test_second_factor_page_without_password_step_goes_back_to_login(db):
    response = Client().get("/accounts/login/second-factor")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"


def test_gaining_admin_role_mid_session_forces_new_login(tree):
    user = make_user("member", tree.branch_a, username="climber")
    client = Client()
    post_login(client, "climber")
    assert client.get("/orgs/").status_code == 200
    services.role_assign(actor=None, user=user, role="org_admin", org=tree.street_a)
    response = client.get("/orgs/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_password_policy_on_create(tree):
    for weak in ("short1A!", "alllowercaseletters", "ALLUPPER123456"):
        with pytest.raises(services.DomainError) as info:
            services.user_create(actor=None, username=f"u{len(weak)}", password=weak, home_org=tree.root)
        assert info.value.fields.keys() == {"password"}
    assert not User.objects.filter(username__startswith="u").exists()
    user = services.user_create(actor=None, username="ok", password="Good-Enough-1", home_org=tree.root)
    assert user.password.startswith("md5$")  # the test hasher; production uses argon2


def test_production_hasher_is_argon2():
    from dangjian import settings as project_settings

    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_forwarded_address_is_used_only_when_trusted(member, settings):
    post_login(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"), "rider01", "bad")
    assert LoginFailure.objects.get().client_ip == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 2
    post_login(Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7, 10.0.0.1"), "rider01", "bad")
    assert sorted(LoginFailure.objects.values_list("client_ip", flat=True)) == ["10.0.0.1", "203.0.113.7"]
