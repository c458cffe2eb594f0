"""Browser end-to-end tests: Playwright drives Debian's Chromium against the live test server.

Screenshots go to artifacts/screenshots/. Without Chromium the tests skip with a clear message,
except in CI (CI=true), where a missing browser is a failure.

Every page a test opens (``Session.goto``) and every state it photographs (``Session.shot``) is
checked with axe-core (npm devDependency, served to the page through a Playwright route on the
page's own origin, so the site's Content-Security-Policy stays on): a serious or critical WCAG 2.1 A/AA
violation fails the test. In elder mode each checked page must also have body text of at least 18 px
and touch targets (buttons, form fields, navigation and pagination links) at least 44 px high.
Findings are written to artifacts/a11y/.
"""

from __future__ import annotations

import json
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
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
A11Y_REPORTS = ROOT / "artifacts" / "a11y"
AXE_SCRIPT = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_ROUTE = "/__e2e__/axe.min.js"  # answered by Playwright, never by the server
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
ELDER_MIN_TEXT_PX, ELDER_MIN_TARGET_PX = 18, 44
_AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
}"""
# Elder mode: body text size, and every visible control a finger must hit. Inline links inside
# running text are exempt (WCAG 2.5.5's "inline" exception).
_ELDER_CHECK = """([minText, minTarget]) => {
  const problems = [];
  if (!document.body.classList.contains('elder')) problems.push('body is not in elder mode');
  const text = parseFloat(getComputedStyle(document.body).fontSize);
  if (text < minText) problems.push(`body text ${text}px < ${minText}px`);
  const controls = document.querySelectorAll(
    'button, input:not([type=hidden]), select, textarea, .btn, .nav-link, .page-link, .list-group-item-action');
  for (const el of controls) {
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!box.width || !box.height || style.visibility === 'hidden') continue;
    if (el.type === 'checkbox' || el.type === 'radio') {
      const label = el.closest('label') || (el.id && document.querySelector(`label[for="${el.id}"]`));
      const hit = label ? label.getBoundingClientRect().height : box.height;
      if (hit < minTarget && box.height < minTarget)
        problems.push(`${el.type} ${el.name || el.id}: ${Math.round(hit)}px`);
      continue;
    }
    if (box.height < minTarget) {
      const name = (el.innerText || el.value || el.name || el.id || el.tagName).trim().slice(0, 30);
      problems.push(`${el.tagName.toLowerCase()} "${name}": ${Math.round(box.height)}px high`);
    }
  }
  return problems;
}"""
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
        # Reduced motion: Bootstrap then draws buttons without colour transitions, so axe never
        # measures the contrast of a button caught half-way between two states (a flaky failure).
        self.context = browser.new_context(
            viewport=VIEWPORTS[viewport],
            locale="zh-CN",
            is_mobile=viewport == "phone",
            has_touch=viewport == "phone",
            reduced_motion="reduce",
        )
        self.page = self.context.new_page()
        self.base_url = base_url
        self.viewport = viewport
        self.name = name
        self.console_errors: list[str] = []
        self.a11y_problems: list[str] = []
        self._checked: set[tuple[str, str]] = set()
        if not AXE_SCRIPT.exists():
            pytest.fail(f"axe-core is missing ({AXE_SCRIPT}): run `npm ci` (make test does)")
        self.context.route(
            f"**{AXE_ROUTE}",
            lambda route: route.fulfill(path=str(AXE_SCRIPT), content_type="application/javascript"),
        )
        self.page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        self.page.on("pageerror", lambda exc: self.console_errors.append(str(exc)))

    def goto(self, path: str):
        response = self.page.goto(self.base_url + path)
        assert response is not None and response.status < 400, f"{path}: {response and response.status}"
        self.check_page(path)
        return response

    def check_page(self, label: str) -> None:
        """axe-core on the page as it is now (once per URL and state), plus elder-mode sizes."""
        self.page.wait_for_load_state()
        key = (self.page.url, self.page.evaluate("document.documentElement.outerHTML.length + ''"))
        if key in self._checked:
            return
        self._checked.add(key)
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(url=self.base_url + AXE_ROUTE)
        violations = self.page.evaluate(_AXE_RUN, AXE_TAGS)
        where = f"{self.name}/{self.viewport} {label} ({self.page.url})"
        blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
        self.a11y_problems += [f"{where}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}" for v in blocking]
        elder = self.page.evaluate("document.body.classList.contains('elder')")
        if elder:
            self.a11y_problems += [
                f"{where}: elder mode: {p}"
                for p in self.page.evaluate(_ELDER_CHECK, [ELDER_MIN_TEXT_PX, ELDER_MIN_TARGET_PX])
            ]
        A11Y_REPORTS.mkdir(parents=True, exist_ok=True)
        with open(A11Y_REPORTS / f"{self.name}-{self.viewport}.jsonl", "a", encoding="utf-8") as report:
            report.write(json.dumps({"page": where, "elder": elder, "violations": violations}, ensure_ascii=False))
            report.write("\n")

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
        self.check_page(label)
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
    problems: list[str] = []
    for session in opened:
        problems += [f"browser console error: {e}" for e in session.console_errors]
        problems += session.a11y_problems
        session.close()
    assert problems == [], "\n".join(problems)


def totp_now(username: str) -> str:
    from dangjian.accounts.models import User

    return pyotp.TOTP(totp_secret_of(User.objects.get(username=username))).now()
