"""The targets report in Chromium: an admin signs in, picks a month in the period form, reads
the gauges and the per-unit table, re-sorts it, and drills down from a figure to the meetings
it counts, then on to one of them."""
import re

import pytest

from scheduler.extensions import db
from tests.factories import local

pytestmark = pytest.mark.browser


@pytest.fixture
def april(april_2024, create_meeting):
    """April 2024 (tests/factories.py) plus a cancelled meeting and one in May, neither
    counted."""
    create_meeting(april_2024.phuc_xa, local(2024, 4, 4), mode="in_person", status="cancelled",
                   title="Họp đã hủy", category="trien_khai")
    create_meeting(april_2024.phuc_xa, local(2024, 5, 6), mode="in_person", title="Họp tháng Năm",
                   category="trien_khai", status="held")
    db.session.commit()
    return april_2024


def test_admin_reads_the_report_and_drills_down(april, live_server, page, sign_in):
    from playwright.sync_api import expect

    sign_in(page, "admin", april.password)
    # the management pages sit in the "Quản trị" menu, which opens on click (Bootstrap's script
    # is served by the app itself)
    audit_link = page.get_by_role("link", name="Nhật ký", exact=True)
    expect(audit_link).to_be_hidden()
    page.get_by_test_id("menu-admin").click()
    expect(audit_link).to_be_visible()
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Báo cáo", exact=True).click()
    heading = page.get_by_role("heading", name="Báo cáo thực hiện chỉ tiêu họp trực tuyến")
    expect(heading).to_be_visible()

    form = page.get_by_test_id("period-form")
    form.get_by_label("Kỳ báo cáo").select_option("month")
    form.get_by_label("Năm", exact=True).fill("2024")
    form.get_by_label("Tháng", exact=True).fill("4")
    form.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("period-label")).to_contain_text(
        "Tháng 4/2024: 01/04/2024 – 30/04/2024")

    # a gauge per target, with the paperless share; online_80 at 2 of 3 = 66,7 % (decimal comma),
    # below its 80 % threshold
    expect(page.locator("svg.gauge")).to_have_count(5)
    card = page.locator('section[data-target="online_80"]')
    expect(card.locator("svg.gauge")).to_have_attribute("aria-label", re.compile(r"66,7 %"))
    expect(card.get_by_test_id("share")).to_have_text("66,7 %")
    expect(card.get_by_test_id("met")).to_have_text("Không đạt")
    expect(card.locator("svg.trend")).to_be_visible()

    table = page.get_by_test_id("children-online_80")
    ba_dinh, hoan_kiem = table.locator('tr[data-unit="001"]'), table.locator('tr[data-unit="002"]')
    expect(ba_dinh).to_contain_text("50,0 %")
    expect(ba_dinh).to_have_class(re.compile(r"\bbelow-target\b"))
    expect(hoan_kiem).to_contain_text("100,0 %")
    expect(hoan_kiem).not_to_have_class(re.compile(r"\bbelow-target\b"))
    units = table.locator("tbody tr")
    expect(units.first).to_have_attribute("data-unit", "002")  # highest share first

    table.get_by_role("link", name=re.compile("^Tỷ lệ")).click()  # lowest share first
    table = page.get_by_test_id("children-online_80")
    expect(table.locator("tbody tr").first).to_have_attribute("data-unit", "001")

    # Ba Đình's denominator: the two meetings it counts, not the cancelled one nor May's
    table.locator('tr[data-unit="001"]').get_by_test_id("drill-held").click()
    expect(page.get_by_test_id("drill-total")).to_have_text("2")
    rows = page.locator("tr[data-occurrence]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Họp triển khai quý II")
    expect(rows.nth(1)).to_contain_text("Tập huấn phần mềm một cửa")
    expect(page.locator("table")).not_to_contain_text("Họp đã hủy")
    expect(page.locator("table")).not_to_contain_text("Họp tháng Năm")

    # the drill-down leads back to the report of the unit drilled into: Ba Đình's wards
    page.get_by_role("link", name=re.compile("Quay lại báo cáo")).click()
    expect(page.get_by_test_id("period-label")).to_contain_text("Quận Ba Đình · Tháng 4/2024")
    expect(page.get_by_test_id("children-online_80").locator("tbody tr")).to_have_count(2)

    # the browser's back button returns to the city; its numerator lists the online ones only
    page.go_back()
    page.go_back()
    expect(page.get_by_test_id("period-label")).to_contain_text("Thành phố Hà Nội · Tháng 4/2024")
    page.locator('section[data-target="online_80"]').get_by_test_id("drill-online").first.click()
    expect(page.get_by_test_id("drill-total")).to_have_text("2")
    expect(page.locator("tr[data-occurrence]")).to_have_count(2)
    expect(page.locator("table")).to_contain_text("Sơ kết quý I Hoàn Kiếm")
    expect(page.locator("table")).not_to_contain_text("Tập huấn phần mềm một cửa")

    # a counted meeting opens its own page
    page.get_by_role("link", name="Họp triển khai quý II").click()
    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.get_by_test_id("meeting-title")).to_have_text("Họp triển khai quý II")
