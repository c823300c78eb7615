"""Playwright driving Debian's Chromium (/usr/bin/chromium) against pytest-django's live server.

Never a downloaded browser: `make test` installs Debian's chromium package. A missing
Chromium is a failure, not a skip.
"""

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's `expect` waits 5 s by default, whatever page.set_default_timeout says; on a
# machine busy with the rest of the suite a service worker's round trip can take longer.
expect.set_options(timeout=15_000)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _reference_data(reference_data):
    """Browser tests are transactional: make sure the seeded reference rows are there."""


class InFlight:
    """The live server's application, counting the requests it is still answering.

    A page's scripts (the outbox's sync, the service worker) may have a request in the
    server when the test ends; the database is emptied right after, and a TRUNCATE that
    meets that request's transaction deadlocks, leaving the next test a dirty database."""

    def __init__(self, app):
        self.app = app
        self.count = 0
        self.idle = threading.Condition()

    def __call__(self, environ, start_response):
        with self.idle:
            self.count += 1
        try:
            result = self.app(environ, start_response)
            try:
                return list(result)
            finally:
                if hasattr(result, "close"):
                    result.close()  # request_finished: the connection is given back here
        finally:
            with self.idle:
                self.count -= 1
                self.idle.notify_all()

    def wait_idle(self, seconds: float = 30) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.count == 0, timeout=seconds)


@pytest.fixture(autouse=True)
def _quiet_server_before_flush(live_server):
    """Set up before the browser fixtures, so torn down after their contexts are closed
    and before the database is flushed: wait for the requests still in the server."""
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if not isinstance(app, InFlight):
        app = InFlight(app)
        httpd.set_app(app)
    yield
    assert app.wait_idle(), "the live server was still answering requests 30 s after the test"


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def phone_page(browser, live_server):
    context = browser.new_context(
        viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a screenshot under artifacts/ for people to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def log_in(page, live_server, username: str, password: str) -> None:
    """Log in through the form; a login that needs a second factor sets up its
    authenticator as a person would: the key from the page, the app's code typed back."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/accounts/two-factor/setup/" in page.url:
        key = page.locator("[data-secret]").inner_text().replace(" ", "")
        for attempt in range(3):
            # As a person does when the app's code turned over while it was typed: the
            # page refuses it and they type the new one (the third refusal fails the test).
            page.fill("input[name=token]", authenticator_code(key))
            with page.expect_navigation(timeout=30_000):
                page.click("main button[type=submit]")
            if "/accounts/two-factor/codes/" in page.url or attempt == 2:
                break
        page.wait_for_url("**/accounts/two-factor/codes/**")
        page.click("a.btn-party")
        page.wait_for_load_state()


def authenticator_code(base32_key: str) -> str:
    """What an authenticator app shows now for this key (RFC 6238, 30 s, 6 digits)."""
    import base64
    import time

    from django_otp.oath import TOTP

    totp = TOTP(base64.b32decode(base32_key), step=30, digits=6)
    totp.time = time.time()
    return f"{totp.token():06d}"
