"""Shared test fixtures: a small organisation tree and users holding each role, built by services."""

from __future__ import annotations

import base64
import itertools
from types import SimpleNamespace

import pytest
from django.test import Client

from dangjian.accounts import services as account_services
from dangjian.accounts.middleware import SESSION_2FA
from dangjian.core import crypto
from dangjian.orgs import services as org_services

PASSWORD = "Correct-Horse-42"
_counter = itertools.count(1)


TEST_KEYRING = crypto.Keyring.from_json(
    {
        "encryption": {"current": "e1", "keys": {"e1": base64.b64encode(b"k" * 32).decode()}},
        "blind_index": {"current": "b1", "keys": {"b1": base64.b64encode(b"b" * 32).decode()}},
    },
    "tests",
)


@pytest.fixture(autouse=True)
def _test_keys():
    """A fixed keyring pinned for every test (no key file is read or written)."""
    crypto.use_keyring(crypto.Keyring.from_json(TEST_KEYRING.to_json(), "tests"))
    yield
    crypto.use_keyring(None)


@pytest.fixture(autouse=True)
def _fast_and_plain(settings):
    # Background tasks run at once, in the test's process and transaction.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.CACHES = {**settings.CACHES, "progress": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Query budgets count the worst case: the session written again on every request (in use it is
    # at most once a minute; accounts/tests/test_login.py tests that with the real setting).
    settings.SESSION_REFRESH_SECONDS = 0
    # Each test's data is rolled back: no regional setting may outlive it in the process cache.
    settings.POLICY_CACHE_SECONDS = 0
    settings.COVERAGE_SUMMARY_CACHE_SECONDS = 0
    settings.STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.SECURE_COOKIES = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the (local-memory) cache: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


def make_org(parent, name, kind="branch", category="new_employment", **extra):
    code = extra.pop("code", f"T-{next(_counter):04d}")
    return org_services.org_create(
        actor=None, parent=parent, name=name, code=code, kind=kind, category=category, **extra
    )


@pytest.fixture
def tree(db):
    """root ─┬─ street_a ── branch_a ── group_a
    └─ street_b ── branch_b"""
    root = make_org(None, "区两新工委", kind="committee", category="comprehensive", code="ROOT")
    street_a = make_org(root, "东街道党工委", kind="committee", category="comprehensive", code="SA")
    street_b = make_org(root, "西街道党工委", kind="committee", category="comprehensive", code="SB")
    branch_a = make_org(street_a, "骑手党支部", code="BA", member_count=10, full_member_count=8)
    branch_b = make_org(street_b, "快递党支部", code="BB", member_count=6, full_member_count=5)
    group_a = make_org(branch_a, "骑手党小组", kind="group", code="GA")
    return SimpleNamespace(
        root=root, street_a=street_a, street_b=street_b, branch_a=branch_a, branch_b=branch_b, group_a=group_a
    )


def make_user(role: str | None = None, org=None, *, username: str | None = None, home_org=None, **extra):
    username = username or f"user{next(_counter)}"
    user = account_services.user_create(
        actor=None, username=username, password=PASSWORD, home_org=home_org or org, **extra
    )
    if role:
        account_services.role_assign(actor=None, user=user, role=role, org=org)
    return user


@pytest.fixture
def user_factory(db):
    return make_user


def login(user) -> Client:
    """A client logged in as ``user``, with the second factor already satisfied."""
    client = Client()
    client.force_login(user, backend="dangjian.accounts.backends.UsernameOrMobileBackend")
    session = client.session
    session[SESSION_2FA] = True
    session.save()
    return client


@pytest.fixture
def login_as():
    return login
