"""The participant picker in Chromium: a district's wards added as one group appear as chips,
the ward without video conference is marked and, in an online meeting, removed in one click;
in a hybrid meeting it stays and attends in person. The unit list is one Tab stop, and the
date picker follows the page's language."""
import re
from datetime import timedelta

import pytest

from scheduler.core.timeutil import today_local

pytestmark = pytest.mark.browser


def _day():
    day = today_local() + timedelta(days=10)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def test_a_ward_without_video_conference_in_online_and_hybrid_meetings(tree, live_server, page, sign_in):
    from playwright.sync_api import expect

    sign_in(page, "admin", tree.password)
    page.goto(live_server + "/meetings/new")
    page.get_by_label("Tên cuộc họp").fill("Họp trực tuyến với Hoàn Kiếm")
    page.get_by_label("Ngày họp (dd/mm/yyyy)").fill(_day().strftime("%d/%m/%Y"))
    page.get_by_label("Bắt đầu (HH:MM)").fill("14h30")
    page.get_by_label("Kết thúc (HH:MM)").fill("15h30")
    page.get_by_label("Hình thức").select_option("online")

    # the list is one stop for Tab: only one of its checkboxes can take the focus by Tab
    assert page.locator("#participants input[tabindex='0']").count() == 1

    page.get_by_label("Lọc theo tên hoặc mã đơn vị").fill("phuc xa")  # without marks
    expect(page.get_by_label("Phường Trúc Bạch (00004)")).to_be_hidden()
    page.get_by_label("Phường Phúc Xá (00001)").check()
    page.get_by_label("Lọc theo tên hoặc mã đơn vị").fill("")
    page.get_by_label("Chọn theo nhóm").select_option(label="Tất cả phường, xã của Quận Hoàn Kiếm")
    page.get_by_role("button", name="Thêm cả nhóm").click()
    chips = page.get_by_test_id("chips")
    expect(chips).to_contain_text("Phường Hàng Bạc")
    expect(chips).to_contain_text("Phường Phúc Xá")

    warning = page.locator("[data-vc-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Phường Hàng Bạc")
    page.get_by_label("Hình thức").select_option("hybrid")
    expect(warning).to_contain_text("dự trực tiếp")
    expect(page.get_by_test_id("drop-no-vc")).to_be_hidden()
    page.get_by_label("Hình thức").select_option("online")
    page.get_by_test_id("drop-no-vc").click()
    expect(chips).not_to_contain_text("Phường Hàng Bạc")
    expect(page.get_by_label(re.compile(r"Phường Hàng Bạc \(00037\)"))).not_to_be_checked()

    # back in hybrid mode, the ward attends in person and the meeting is booked
    page.get_by_label("Chọn theo nhóm").select_option(label="Tất cả phường, xã của Quận Hoàn Kiếm")
    page.get_by_role("button", name="Thêm cả nhóm").click()
    page.get_by_label("Hình thức").select_option("hybrid")
    chips.get_by_role("button", name="Bỏ Phường Phúc Xá").click()
    expect(chips).not_to_contain_text("Phường Phúc Xá")
    page.get_by_test_id("submit").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    facts = page.get_by_test_id("meeting-facts")
    expect(facts).to_contain_text("Phường Hàng Bạc")
    expect(facts).to_contain_text("14:30")


def test_the_date_picker_speaks_the_page_language(tree, live_server, page, sign_in):
    from playwright.sync_api import expect

    sign_in(page, "vp_phucxa", tree.password)
    page.goto(live_server + "/meetings/new")
    field = page.get_by_label("Ngày họp (dd/mm/yyyy)")
    field.fill("15/03/2027")
    field.press("Alt+ArrowDown")
    dialog = page.get_by_role("dialog", name="Chọn ngày")
    expect(dialog).to_contain_text("tháng 3")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(field).to_have_value("16/03/2027")
    expect(dialog).to_be_hidden()
