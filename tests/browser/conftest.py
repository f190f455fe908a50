"""Browser tests: Debian's Chromium driven through Playwright against the app served on a free
loopback port. Never `playwright install`: the browser is the system's /usr/bin/chromium.

Missing Playwright or Chromium skips these tests, unless REQUIRE_BROWSER=1 (as in .ci/run),
which makes it a failure.
"""
import os

import pytest

from scheduler import create_app
from tests.conftest import make_config, serving

CHROMIUM = "/usr/bin/chromium"
# Headless Chromium on a machine without internet: no background traffic, no GPU, and no
# sandbox (CI runs as root).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]


def _unavailable(reason: str):
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright():
    """One Playwright driver per module: its sync API runs an event loop of its own, which
    must not outlive the module's tests."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    """A fresh browser profile (no cookies) for each test. Whatever the page does must be
    allowed by the Content-Security-Policy: a refused script, style or image fails the test."""
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    context.set_default_timeout(10_000)
    page = context.new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert not refused, f"the Content-Security-Policy refused: {refused}"


@pytest.fixture
def sign_in(live_server):
    """`sign_in(page, username, password)`: the sign-in form filled and sent, as a user does.
    (tests/browser/test_signin.py tests the form itself.)"""
    def _sign_in(page, username, password):
        page.goto(live_server + "/login")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu", exact=True).fill(password)
        page.get_by_role("button", name="Đăng nhập").click()
    return _sign_in


@pytest.fixture
def live_server_config():
    """Override in a test module for settings of the served application."""
    return {}


@pytest.fixture
def live_server(app, database_url, live_server_config):
    """The application served over HTTP on 127.0.0.1 and a free port, sharing the test
    database with the `app` fixture (whose data the test creates). Yields the base URL.

    CSRF protection is on, as in production: the browser submits the real forms."""
    served = create_app(make_config(database_url, SERVER_NAME=None, WTF_CSRF_ENABLED=True,
                                    **live_server_config))
    with serving(served, "live-server") as base:
        yield base

