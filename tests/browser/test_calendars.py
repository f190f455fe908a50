"""The week grid in Chromium: a two-hour meeting is drawn over both hours, an empty slot books
by a click (or a drag for longer), colours come with a legend, and a phone gets the agenda."""
import re

import pytest

from tests.booking_helpers import book, on, quiet_week, request_for

pytestmark = pytest.mark.browser


def _book_two_hours(tree, day):
    book(tree.users.ward_staff, request_for(tree.phuc_xa, on(day, 9), 120, title="Hội nghị sơ kết",
                                            category="so_ket", chair="", mode="online", agenda=""))


def test_meetings_span_their_hours_and_an_empty_slot_books(tree, live_server, page, sign_in):
    from playwright.sync_api import expect

    day = quiet_week()
    _book_two_hours(tree, day)
    sign_in(page, "vp_phucxa", tree.password)
    page.goto(f"{live_server}/meetings/week?date={day.isoformat()}")
    expect(page.get_by_test_id("calendar-legend")).to_contain_text("Trực tuyến")
    nine = page.locator(f'td[data-day="{day.isoformat()}"][data-hour="9"]')
    chip = nine.get_by_test_id("meeting-chip")
    expect(chip).to_contain_text("Hội nghị sơ kết")
    row = nine.bounding_box()["height"]
    assert chip.bounding_box()["height"] > 1.8 * row  # 09:00–11:00 covers two hour rows

    # a click on the empty 14:00 cell of the next day opens the form for that slot
    next_day = day.replace(day=day.day + 1) if day.day < 28 else day
    cell = page.locator(f'td[data-day="{next_day.isoformat()}"][data-hour="14"]')
    cell.scroll_into_view_if_needed()
    box = cell.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 5)
    expect(page).to_have_url(re.compile(r"/meetings/new\?"))
    expect(page.get_by_label("Ngày họp (dd/mm/yyyy)")).to_have_value(next_day.strftime("%d/%m/%Y"))
    expect(page.get_by_label("Bắt đầu (HH:MM)")).to_have_value("14:00")
    expect(page.get_by_label("Kết thúc (HH:MM)")).to_have_value("15:00")

    # dragging from 15:00 down to the 16:30 half books 15:00–17:00
    page.go_back()
    page.locator(f'td[data-day="{next_day.isoformat()}"][data-hour="17"]').scroll_into_view_if_needed()
    start = page.locator(f'td[data-day="{next_day.isoformat()}"][data-hour="15"]').bounding_box()
    stop = page.locator(f'td[data-day="{next_day.isoformat()}"][data-hour="16"]').bounding_box()
    page.mouse.move(start["x"] + 10, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(stop["x"] + 10, stop["y"] + stop["height"] - 5, steps=5)
    page.mouse.up()
    expect(page.get_by_label("Bắt đầu (HH:MM)")).to_have_value("15:00")
    expect(page.get_by_label("Kết thúc (HH:MM)")).to_have_value("17:00")


def test_a_phone_gets_the_agenda_instead_of_the_grid(tree, live_server, browser, sign_in):
    from playwright.sync_api import expect

    day = quiet_week()
    _book_two_hours(tree, day)
    context = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh",
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        sign_in(page, "vp_phucxa", tree.password)
        for view in ("week", "month"):
            page.goto(f"{live_server}/meetings/{view}?date={day.isoformat()}")
            expect(page.get_by_test_id("agenda")).to_contain_text("Hội nghị sơ kết")
            expect(page.get_by_test_id(f"{view}-grid")).to_be_hidden()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 400, (view, width)
    finally:
        context.close()
