"""Signing in through the real login form in Chromium, and switching the language."""
import pytest

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app):
    """The Hà Nội demo data, as ./run.sh loads it."""
    from scheduler.demo.seed import DEMO_PASSWORD, seed_demo
    from scheduler.extensions import db

    seed_demo()
    db.session.commit()
    return DEMO_PASSWORD


def test_staff_signs_in_and_switches_language(demo, live_server, page):
    """The demo staff user of Phúc Xá signs in and sees the Vietnamese home page."""
    from playwright.sync_api import expect

    page.goto(live_server + "/")
    expect(page).to_have_url(live_server + "/login?next=/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()

    page.get_by_label("Tên đăng nhập").fill("vanphong.phucxa")
    page.get_by_label("Mật khẩu", exact=True).fill(demo)
    page.get_by_role("button", name="Đăng nhập").click()

    expect(page).to_have_url(live_server + "/")
    expect(page.get_by_test_id("home-unit")).to_contain_text("Phường Hồng Hà")
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "vi"

    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_test_id("home-unit")).to_contain_text("Phường Hồng Hà")
    assert page.locator("html").get_attribute("lang") == "en"

    page.get_by_test_id("lang-switch").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()

    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_text("Bạn đã đăng xuất.")).to_be_visible()
    page.goto(live_server + "/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()


def test_wrong_password_is_refused_in_the_browser(tree, live_server, page):
    from playwright.sync_api import expect

    page.goto(live_server + "/login")
    page.get_by_label("Tên đăng nhập").fill("vp_phucxa")
    page.get_by_label("Mật khẩu", exact=True).fill("saimatkhau")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    expect(page.get_by_role("button", name="Đăng xuất")).to_have_count(0)
