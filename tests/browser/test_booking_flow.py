"""Booking through the real form in Chromium: participants picked in bulk with the page's
script, a second booking of the same room and time refused with the clash and the next free
slot, and the first meeting on the week grid."""
import re

import pytest

from scheduler.extensions import db
from tests.booking_helpers import quiet_week

pytestmark = pytest.mark.browser


def _fill_booking(page, title, day):
    page.get_by_label("Tên cuộc họp").fill(title)
    page.get_by_label("Ngày họp (dd/mm/yyyy)").fill(day.strftime("%d/%m/%Y"))
    page.get_by_label("Bắt đầu (HH:MM)").fill("09:00")
    page.get_by_label("Kết thúc (HH:MM)").fill("10:00")
    page.get_by_label("Phòng họp", exact=True).select_option(label="Phòng họp tầng 2 — Phường Phúc Xá")


def test_book_meet_a_conflict_and_see_the_week(tree, create_room, live_server, page, sign_in):
    from playwright.sync_api import expect

    create_room(tree.phuc_xa, "Phòng họp tầng 2")
    db.session.commit()
    day = quiet_week()  # a Monday with no public holiday in its week
    sign_in(page, "vp_phucxa", tree.password)
    expect(page.get_by_test_id("home-unit")).to_be_visible()

    page.goto(live_server + "/meetings/new")
    _fill_booking(page, "Họp triển khai kế hoạch chuyển đổi số", day)
    # the bulk button adds the wards of the district; the meeting's day is not today, so the
    # form goes back for that day's unit tree (meetings.js) and the page is drawn again: wait
    # for it, or the filter below is typed before the new page's script listens
    page.get_by_label("Chọn theo nhóm").select_option(label="Tất cả phường, xã của Quận Ba Đình")
    with page.expect_navigation():
        page.get_by_role("button", name="Thêm cả nhóm").click()
    expect(page.get_by_label("Phường Trúc Bạch (00004)")).to_be_checked()
    expect(page.get_by_label("Phường Hàng Bạc (00037)")).not_to_be_checked()
    page.get_by_label("Lọc theo tên hoặc mã đơn vị").fill("quận hoàn")
    expect(page.get_by_label("Phường Trúc Bạch (00004)")).to_be_hidden()
    page.get_by_label("Quận Hoàn Kiếm (002)").check()
    page.get_by_test_id("submit").click()

    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.get_by_test_id("meeting-title")).to_have_text("Họp triển khai kế hoạch chuyển đổi số")
    expect(page.get_by_test_id("meeting-facts")).to_contain_text("Phường Trúc Bạch")
    expect(page.get_by_test_id("meeting-facts")).to_contain_text("Quận Hoàn Kiếm")

    # the same room at the same time again: refused, the clash and the next free slot shown
    page.goto(live_server + "/meetings/new")
    _fill_booking(page, "Họp tổ công tác", day)
    page.get_by_test_id("submit").click()
    conflicts = page.get_by_test_id("conflicts")
    expect(conflicts).to_contain_text("Họp triển khai kế hoạch chuyển đổi số")
    expect(conflicts).to_contain_text(f"{day:%d/%m/%Y} 09:00–10:00")
    expect(page.get_by_test_id("next-free")).to_contain_text("10:00–11:00")
    expect(page.get_by_label("Tên cuộc họp")).to_have_value("Họp tổ công tác")

    # the week grid shows the first meeting on its day
    page.goto(f"{live_server}/meetings/week?date={day.isoformat()}")
    cell = page.locator(f'td[data-day="{day.isoformat()}"][data-hour="9"]')
    expect(cell.get_by_test_id("meeting-chip")).to_contain_text("Họp triển khai kế hoạch chuyển đổi số")
    expect(cell).not_to_contain_text("Họp tổ công tác")

    # taking the proposed slot books the second meeting at 10:00
    page.goto(live_server + "/meetings/new")
    _fill_booking(page, "Họp tổ công tác", day)
    page.get_by_test_id("submit").click()
    page.get_by_test_id("use-next-free").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.get_by_test_id("meeting-facts")).to_contain_text("10:00–11:00")



def _tab_to(page, label: str, backwards: bool = False, limit: int = 30):
    """Press Tab (or Shift+Tab) until the field labelled `label` has the focus."""
    target = page.get_by_label(label, exact=True)
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    raise AssertionError(f"Tab never reached {label!r}")


def test_booking_with_the_keyboard_only(tree, create_room, live_server, page, sign_in):
    """Title focused on arrival, Tab from field to field, arrow keys in the room list, Enter
    books (not one of the group buttons); a refused booking puts the focus on the list of
    conflicts, so a screen reader reads it at once."""
    from playwright.sync_api import expect

    create_room(tree.phuc_xa, "Phòng họp tầng 2")
    db.session.commit()
    day = quiet_week()
    sign_in(page, "vp_phucxa", tree.password)
    expect(page.get_by_test_id("home-unit")).to_be_visible()

    for attempt in ("Họp bằng bàn phím", "Họp trùng giờ"):
        page.goto(live_server + "/meetings/new")
        expect(page.get_by_label("Tên cuộc họp")).to_be_focused()
        page.keyboard.type(attempt)
        _tab_to(page, "Ngày họp (dd/mm/yyyy)")
        page.keyboard.press("Control+A")
        page.keyboard.type(day.strftime("%d/%m/%Y"))
        page.keyboard.press("Tab")
        page.keyboard.type("14:00")
        page.keyboard.press("Tab")
        page.keyboard.type("15:00")
        _tab_to(page, "Phòng họp")
        page.keyboard.press("ArrowDown")  # the first (only) room of the list
        expect(page.get_by_label("Phòng họp", exact=True)).to_have_values([re.compile(r"\d+")])
        _tab_to(page, "Kết thúc (HH:MM)", backwards=True)
        page.keyboard.press("Enter")
        if attempt == "Họp bằng bàn phím":
            expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
            expect(page.get_by_test_id("meeting-facts")).to_contain_text("Phòng họp tầng 2")
    expect(page.get_by_test_id("conflicts")).to_be_focused()
    expect(page.get_by_test_id("conflicts")).to_contain_text("Họp bằng bàn phím")
    expect(page.get_by_label("Tên cuộc họp")).to_have_value("Họp trùng giờ")
