"""Browser end-to-end tests: Playwright drives Debian's Chromium against the live test server.

Screenshots go to artifacts/screenshots/. Without Chromium the tests skip with a clear message,
except in CI (CI=true), where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pyotp
import pytest

from dangjian.accounts.services import totp_secret_of

# Playwright's sync API runs an event loop in this thread; the ORM calls made by fixtures here are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("DANGJIAN_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1366, "height": 900}}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser():
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        message = f"Chromium not found at {CHROMIUM}: install Debian's chromium package (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-quic",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def demo(transactional_db, settings):
    """The demo district, loaded through the real seed command."""
    from django.core.management import call_command

    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    call_command("seed_demo", verbosity=0)


class Session:
    """One browser context (a person on a device) with helpers to log in and take screenshots."""

    def __init__(self, browser, base_url: str, viewport: str, name: str):
        self.context = browser.new_context(
            viewport=VIEWPORTS[viewport], locale="zh-CN", is_mobile=viewport == "phone", has_touch=viewport == "phone"
        )
        self.page = self.context.new_page()
        self.base_url = base_url
        self.viewport = viewport
        self.name = name
        self.console_errors: list[str] = []
        self.page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        return response

    def login(self, username: str, password: str = "Dangjian@2026"):
        from dangjian.accounts.models import User

        self.goto("/accounts/login/")
        self.page.fill("#id_identifier", username)
        self.page.fill("#id_password", password)
        self.page.click("button[type=submit].w-100")
        self.page.wait_for_load_state()
        if "/second-factor" in self.page.url:
            user = User.objects.get(username=username)
            self.page.fill("#id_code", pyotp.TOTP(totp_secret_of(user)).now())
            self.page.click("button[type=submit].w-100")
            self.page.wait_for_load_state()
        assert "/accounts/login" not in self.page.url, f"login of {username} failed"

    def shot(self, label: str):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}-{label}-{self.viewport}.png"), full_page=True)

    def close(self):
        self.context.close()


@pytest.fixture
def session_for(browser, live_server):
    opened: list[Session] = []

    def open_session(viewport: str = "desktop", name: str = "flow") -> Session:
        session = Session(browser, live_server.url, viewport, name)
        opened.append(session)
        return session

    yield open_session
    for session in opened:
        errors = session.console_errors
        session.close()
        assert errors == [], f"browser console errors: {errors}"


def totp_now(username: str) -> str:
    from dangjian.accounts.models import User

    return pyotp.TOTP(totp_secret_of(User.objects.get(username=username))).now()
