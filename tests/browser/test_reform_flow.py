"""Booking today, in the two-level Hà Nội of the shipped lists, with the bulk group of every
commune and ward: the page's script ticks the 126 units of today's tree and the meeting invites
all of them."""
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler.core.timeutil import today_local
from scheduler.extensions import db
from scheduler.meetings.models import Meeting
from scheduler.units.models import Unit

pytestmark = pytest.mark.browser
DATA = Path(__file__).resolve().parents[2] / "scheduler" / "units" / "data"


def test_book_today_with_every_commune_and_ward(runner, create_user, live_server, page):
    from playwright.sync_api import expect

    for name in ("hanoi_2024.csv", "hanoi_2025.csv", "hanoi_2025_predecessors.csv"):
        assert runner.invoke(args=["import-units", str(DATA / name)]).exit_code == 0
    create_user("vanphong.ubnd", "staff", Unit.by_code("01"))
    db.session.commit()

    page.goto(live_server + "/login")
    page.get_by_label("Tên đăng nhập").fill("vanphong.ubnd")
    page.get_by_label("Mật khẩu", exact=True).fill("matkhau123")
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(live_server + "/meetings/new")
    today = today_local()
    expect(page.get_by_test_id("tree-day")).to_contain_text(today.strftime("%d/%m/%Y"))
    page.get_by_label("Tên cuộc họp").fill("Hội nghị trực tuyến toàn thành phố")
    page.get_by_label("Ngày họp (dd/mm/yyyy)").fill(today.strftime("%d/%m/%Y"))
    page.get_by_label("Bắt đầu (HH:MM)").fill("14:00")
    page.get_by_label("Kết thúc (HH:MM)").fill("15:00")
    page.get_by_label("Hình thức").select_option("in_person")
    # today's tree has no districts: one group for the 126 communes and wards
    groups = page.get_by_label("Chọn theo nhóm")
    expect(groups.locator("option", has_text="Tất cả phường, xã của")).to_have_count(0)
    groups.select_option(label="Tất cả xã, phường")
    page.get_by_role("button", name="Thêm cả nhóm").click()
    expect(page.get_by_label("Phường Hồng Hà (00097)")).to_be_checked()
    expect(page.get_by_label("Sở Y tế (01-SYT)")).not_to_be_checked()
    expect(page.locator("[data-selected-count]")).to_have_text("126")
    page.get_by_test_id("submit").click()
    # after 15:00 the meeting is in the past: the form asks before recording it as held
    page.wait_for_selector("[data-testid=past-confirm], [data-testid=meeting-title]")
    if page.get_by_test_id("past-confirm").count():
        page.get_by_test_id("confirm-past").click()

    expect(page).to_have_url(re.compile(r"/meetings/\d+$"))
    expect(page.get_by_test_id("meeting-title")).to_have_text("Hội nghị trực tuyến toàn thành phố")
    db.session.expire_all()
    meeting = db.session.scalars(sa.select(Meeting)).one()
    assert len(meeting.participants) == 126
    assert all(u.kind == "ward" and u.exists_on(today) for u in meeting.participants)
