"""The clerk's day in Chromium: the approver decides from the approvals page and the booker's
bell counts the decision; a past date asks before recording a held meeting; a weekly series
lists its public holidays and skips them."""
import re
from datetime import timedelta

import pytest

from scheduler.core.timeutil import today_local
from scheduler.extensions import db
from scheduler.meetings import services
from scheduler.meetings.rules import holiday_name
from tests.booking_helpers import at, holiday_ahead, request_for

pytestmark = pytest.mark.browser


def test_the_approver_decides_and_the_booker_hears(tree, create_room, live_server, browser, sign_in):
    from playwright.sync_api import expect

    room = create_room(tree.ba_dinh, "Phòng họp lớn", requires_approval=True)
    db.session.commit()
    for hour, title in ((8, "Hội nghị sơ kết quý"), (14, "Họp tổ công tác")):
        services.book_meeting(tree.users.district_staff, request_for(
            tree.ba_dinh, at(9, hour), rooms=[room.id], title=title))
        db.session.commit()
    approver = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh").new_page()
    sign_in(approver, "qt_badinh", tree.password)
    expect(approver.get_by_test_id("approvals-count")).to_contain_text("2")
    approver.get_by_role("link", name=re.compile("Duyệt lịch")).click()
    rows = approver.get_by_test_id("approvals")
    first = rows.locator("[data-meeting]").filter(has_text="Hội nghị sơ kết quý")
    first.get_by_role("button", name="Duyệt").click()
    expect(approver.get_by_role("alert").first).to_contain_text("Đã duyệt")
    second = rows.locator("[data-meeting]").filter(has_text="Họp tổ công tác")
    second.get_by_label(re.compile("Ghi chú, lý do")).fill("Phòng đang sửa chữa")
    second.get_by_role("button", name="Từ chối").click()
    expect(approver.get_by_test_id("no-approvals")).to_be_visible()
    expect(approver.get_by_test_id("approvals-count")).to_have_count(0)
    approver.context.close()

    booker = browser.new_context(locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh").new_page()
    sign_in(booker, "vp_badinh", tree.password)
    expect(booker.get_by_test_id("unread-badge")).to_have_text("2")
    booker.get_by_test_id("notification-bell").click()
    expect(booker.get_by_test_id("notifications")).to_contain_text("Không duyệt: Họp tổ công tác")
    expect(booker.get_by_test_id("notifications")).to_contain_text("Đã duyệt: Hội nghị sơ kết quý")
    booker.context.close()


def _fill(page, title, day, start="09:00", end="10:00"):
    page.get_by_label("Tên cuộc họp").fill(title)
    page.get_by_label("Ngày họp (dd/mm/yyyy)").fill(day.strftime("%d/%m/%Y"))
    page.get_by_label("Bắt đầu (HH:MM)").fill(start)
    page.get_by_label("Kết thúc (HH:MM)").fill(end)


def test_a_past_date_asks_first(tree, live_server, page, sign_in):
    from playwright.sync_api import expect

    sign_in(page, "vp_phucxa", tree.password)
    page.goto(live_server + "/meetings/new")
    typo = today_local() - timedelta(days=30)
    _fill(page, "Họp tổ dân phố", typo)
    page.get_by_test_id("submit").click()
    question = page.get_by_test_id("past-confirm")
    expect(question).to_contain_text("Ghi nhận cuộc họp đã diễn ra?")
    # the clerk corrects the date instead: booked as a coming meeting, no question
    page.get_by_label("Ngày họp (dd/mm/yyyy)").fill((today_local() + timedelta(days=3)).strftime("%d/%m/%Y"))
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.get_by_test_id("meeting-title")).to_have_text("Họp tổ dân phố")

    page.goto(live_server + "/meetings/new")
    _fill(page, "Họp đã diễn ra", typo)
    page.get_by_test_id("submit").click()
    page.get_by_test_id("confirm-past").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.get_by_test_id("withdraw-meeting")).to_be_visible()


def test_a_weekly_series_skips_the_holidays_it_lists(tree, live_server, page, sign_in):
    from playwright.sync_api import expect

    holiday = holiday_ahead()
    first = holiday - timedelta(days=7)
    sign_in(page, "vp_phucxa", tree.password)
    page.goto(live_server + "/meetings/new")
    _fill(page, "Giao ban tuần", first, "08:00", "09:00")
    page.get_by_label("Kiểu lặp lại").select_option("weekly")
    weekday = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu"][first.weekday()]
    page.get_by_label(weekday, exact=True).check()
    page.get_by_label("Hoặc số lần họp").fill("3")
    page.get_by_label("Bỏ qua các ngày nghỉ lễ").check()
    page.get_by_test_id("submit").click()
    listed = page.get_by_test_id("series-holidays")
    expect(listed).to_contain_text(f"{holiday:%d/%m/%Y} — {holiday_name(holiday)}")
    page.get_by_test_id("skip-holidays").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.locator("body")).to_contain_text(holiday.strftime("%d/%m/%Y"))  # the skipped date
