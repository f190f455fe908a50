"""The meeting pages as an office uses them: calendars, the weekly work schedule, the booking
form (typed values kept, conflicts and the next free slot, bulk participants), a meeting's page
and the search."""
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from scheduler.core.timeutil import LOCAL_TZ, official_date_line, today_local
from scheduler.extensions import db
from scheduler.meetings import services
from scheduler.meetings.models import Meeting
from scheduler.core.errors import ValidationError
from tests import booking_helpers
from tests.booking_helpers import booking_form, on, quiet_week, request_for


@pytest.fixture
def week(tree):
    return quiet_week()


@pytest.fixture
def room(tree, create_room):
    room = create_room(tree.phuc_xa, "Phòng họp tầng 2")
    db.session.commit()
    return room


@pytest.fixture
def book(tree):
    """`book(title, day, start, end)`: an in-person meeting of Phúc Xá from `start` to `end`
    o'clock, booked through the booking service."""
    def _book(title, day, start=9, end=10, user=None, unit=None, **extra):
        extra = {"chair": "Chủ tịch UBND phường", "agenda": "Nội dung họp", "rrule": None,
                 "skip_dates": [], "on_conflict": "fail", "holiday_override_reason": None, **extra}
        return booking_helpers.book(user or tree.users.ward_staff, request_for(
            unit or tree.phuc_xa, on(day, start), (end - start) * 60, title=title, **extra))
    return _book


def _form(day, **values):
    return booking_form(day, **values)


def _cell(page: str, day: date, hour: int) -> str:
    match = re.search(rf'<td data-day="{day.isoformat()}" data-hour="{hour}">(.*?)</td>', page, re.S)
    assert match, f"no cell for {day} {hour}h"
    return match.group(1)


def _meetings():
    return list(db.session.scalars(sa.select(Meeting).order_by(Meeting.id)))


# -- calendars ---------------------------------------------------------------------------------

def test_week_grid_places_meeting_on_its_day_and_hour(tree, client, auth, book, room, week):
    tuesday = week + timedelta(days=1)
    book("Họp triển khai thu ngân sách", tuesday, 9, 10, rooms=[room.id])
    auth.login("vp_phucxa")
    page = client.get(f"/meetings/week?date={tuesday.isoformat()}").get_data(as_text=True)
    assert "Thứ Hai" in page and "Chủ Nhật" in page
    assert f"{week:%d/%m/%Y}" in page and f"{week + timedelta(days=6):%d/%m/%Y}" in page
    cell = _cell(page, tuesday, 9)
    assert "Họp triển khai thu ngân sách" in cell and "09:00–10:00" in cell
    assert "Phòng họp tầng 2" in cell and "Trực tiếp" in cell
    assert "Họp triển khai" not in _cell(page, week, 9)
    # the room's own week shows it as well; the next week does not
    by_room = client.get(f"/meetings/week?room={room.id}&date={week.isoformat()}").get_data(as_text=True)
    assert "Họp triển khai thu ngân sách" in _cell(by_room, tuesday, 9)
    later = client.get(f"/meetings/week?date={(week + timedelta(days=7)).isoformat()}").get_data(as_text=True)
    assert "Họp triển khai thu ngân sách" not in later


def test_month_and_rooms_day_show_the_meeting(tree, client, auth, book, room, week):
    wednesday = week + timedelta(days=2)
    book("Họp bàn giải phóng mặt bằng", wednesday, 14, 16, rooms=[room.id])
    auth.login("vp_phucxa")
    month = client.get(f"/meetings/month?date={wednesday.isoformat()}").get_data(as_text=True)
    cell = re.search(rf'data-day="{wednesday.isoformat()}"[^>]*>(.*?)</td>', month, re.S).group(1)
    assert "14:00 Họp bàn giải phóng mặt bằng" in " ".join(cell.split())
    rooms = client.get(f"/meetings/rooms?date={wednesday:%d/%m/%Y}").get_data(as_text=True)
    busy = re.search(r'<td colspan="(\d+)" class="table-warning small" data-testid="room-busy">(.*?)</td>',
                     rooms, re.S)
    assert busy and busy.group(1) == "4"  # two hours of half-hour slots
    assert "Họp bàn giải phóng mặt bằng" in busy.group(2) and "Phòng họp tầng 2" in rooms


def test_calendar_rejects_bad_input_without_error_page(tree, client, auth):
    auth.login("vp_phucxa")
    assert client.get("/meetings/week?date=31/02/2026").status_code == 422
    assert client.get("/meetings/month?date=9999-12-31").status_code == 422
    assert client.get("/meetings/schedule?date=0001-01-01").status_code == 422
    assert client.get("/meetings/week?unit=99999").status_code == 404
    assert client.get("/meetings/week?unit=00037").status_code == 403  # another ward
    assert client.get("/meetings/week?room=abc").status_code == 404


def test_weekly_schedule_groups_days_into_morning_and_afternoon(tree, client, auth, book, room, week):
    thursday = week + timedelta(days=3)
    book("Tiếp công dân định kỳ", thursday, 14, 16)
    book("Giao ban đầu tuần", thursday, 8, 9, rooms=[room.id], participants=["00004"])
    auth.login("vp_phucxa")
    page = client.get(f"/meetings/schedule?date={thursday.isoformat()}").get_data(as_text=True)
    sunday = week + timedelta(days=6)
    assert f"Từ ngày {week:%d/%m/%Y} đến ngày {sunday:%d/%m/%Y}" in page
    assert official_date_line("Hà Nội", today_local()) in page
    assert "Thời gian" in page and "Nội dung" in page and "Địa điểm" in page
    assert "Chủ trì / Thành phần" in page and "In lịch" in page
    day = re.search(rf'<tbody data-day="{thursday.isoformat()}">(.*?)</tbody>', page, re.S).group(1)
    assert f"Thứ Năm, {thursday:%d/%m}" in day
    positions = [day.index(text) for text in
                 ("Sáng", "Giao ban đầu tuần", "Chiều", "Tiếp công dân định kỳ")]
    assert positions == sorted(positions)
    assert "Phòng họp tầng 2" in day and "Phường Trúc Bạch" in day
    assert "Không có lịch họp" in re.search(
        rf'<tbody data-day="{week.isoformat()}">(.*?)</tbody>', page, re.S).group(1)


# -- the booking form --------------------------------------------------------------------------

def test_booking_through_the_form(tree, client, auth, room, week):
    auth.login("vp_phucxa")
    assert client.get("/meetings/new").status_code == 200
    response = client.post("/meetings/new", data=_form(week, rooms=[str(room.id)],
                                                        participants=["00004"], mode="in_person"))
    assert response.status_code == 302
    meeting = _meetings()[0]
    assert response.headers["Location"].endswith(f"/meetings/{meeting.id}")
    assert meeting.title == "Họp giao ban tuần" and meeting.host_unit == tree.phuc_xa
    assert meeting.start_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") == f"{week:%d/%m/%Y} 09:00"
    assert [r.id for r in meeting.rooms] == [room.id]
    assert [u.code for u in meeting.participants] == ["00004"]


def test_form_keeps_typed_values_on_invalid_input(tree, client, auth, week):
    auth.login("vp_phucxa")
    response = client.post("/meetings/new", data=_form(week, start="10:00", end="09:00",
                                                        title="Họp đánh giá chuyển đổi số"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # the booking service's own words, next to the end time (the API says the same)
    assert _field_error(page, "end") == "Thời gian kết thúc phải sau thời gian bắt đầu."
    assert 'value="Họp đánh giá chuyển đổi số"' in page and "Điểm 1: tình hình tuần" in page
    # a refusal of the service (a ward without video conference in an online meeting) lands
    # next to the participants, with the typed choices still ticked
    response = client.post("/meetings/new", data=_form(week, mode="online", participants=["00037"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Phường Hàng Bạc" in page and "chưa triển khai hội nghị truyền hình" in page
    assert re.search(r'value="00037"\s+id="participant-00037" checked', page)
    assert _meetings() == []


def test_form_shows_every_problem_of_a_booking_together(tree, client, auth, create_room, week):
    """A ward without video conference and a room closed at that hour: both are shown at once,
    so the clerk fixes them in one go."""
    from datetime import time

    room = create_room(tree.phuc_xa, "Phòng giờ hành chính", open_from=time(7, 30),
                       open_until=time(17, 0))
    db.session.commit()
    auth.login("vp_phucxa")
    response = client.post("/meetings/new", data=_form(week, mode="online", participants=["00037"],
                                                        rooms=[str(room.id)], start="16:30",
                                                        end="17:30"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "chưa triển khai hội nghị truyền hình" in page and "Phường Hàng Bạc" in page
    assert "07:30 đến 17:00" in page
    assert _meetings() == []


def _field_error(page: str, name: str) -> str | None:
    """The error shown under the form field `name`, or None."""
    found = re.search(r'id="%s"[^>]*>(?:[^<]*</textarea>)?\s*<div class="invalid-feedback">([^<]*)</div>'
                      % name, page)
    return found.group(1) if found else None


def test_the_form_and_the_api_refuse_with_the_same_words_on_the_same_fields(tree, client, auth, week):
    """One set of checks (meetings/inputs.py) for the form and the API: each refusal lands on
    the form field of the service's name, so no table translates between them."""
    from scheduler.meetings.forms import MeetingForm
    from scheduler.meetings.inputs import FIELDS

    with client.application.test_request_context():
        form_fields = set(MeetingForm(meta={"csrf": False})._fields)
    assert set(FIELDS) - {"on_conflict", "skip_dates"} <= form_fields
    auth.login("vp_phucxa")
    typed = {"title": "Họp " + "x" * 300, "chair": "Ông " + "y" * 200, "agenda": "z" * 20001}
    response = client.post("/meetings/new", data=_form(week, **typed))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    # what the API's POST /api/v1/meetings hands the same service
    with pytest.raises(ValidationError) as refused:
        services.book_meeting(tree.users.ward_staff, {
            "title": typed["title"], "chair": typed["chair"], "agenda": typed["agenda"],
            "category": "giao_ban", "host_unit": "00001", "mode": "in_person",
            "start": f"{week.isoformat()}T09:00:00+07:00", "end": f"{week.isoformat()}T10:00:00+07:00"})
    db.session.rollback()
    fields = refused.value.details["fields"]
    for name in ("title", "chair", "agenda"):
        assert fields[name].startswith("Tối đa")
        assert _field_error(page, name) == fields[name]
    assert _field_error(page, "title") == fields["title"]
    assert _meetings() == []


def test_conflict_lists_the_clash_and_offers_the_next_free_slot(tree, client, auth, book, room, week):
    book("Họp Đảng ủy phường", week, 9, 10, rooms=[room.id])
    auth.login("vp_phucxa")
    response = client.post("/meetings/new", data=_form(week, rooms=[str(room.id)], title="Họp tổ dân phố"))
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    conflicts = re.search(r'data-testid="conflicts".*?</div>', page, re.S).group(0)
    assert "Họp Đảng ủy phường" in conflicts and "Phường Phúc Xá" in conflicts
    assert f"{week:%d/%m/%Y} 09:00–10:00" in conflicts
    assert f"Khung giờ trống gần nhất: {week:%d/%m/%Y}, 10:00–11:00" in conflicts
    assert 'value="Họp tổ dân phố"' in page  # what was typed stays
    # the button books the proposed slot
    slot = re.search(r'name="use_slot" data-testid="use-next-free"\s+value="([^"]+)"', page).group(1)
    response = client.post("/meetings/new", data=_form(week, rooms=[str(room.id)], title="Họp tổ dân phố",
                                                        use_slot=slot))
    assert response.status_code == 302
    second = _meetings()[1]
    assert second.start_at.astimezone(LOCAL_TZ).strftime("%H:%M") == "10:00"


def test_series_conflict_can_skip_the_clashing_dates(tree, client, auth, book, room, week):
    book("Họp chi bộ", week + timedelta(days=7), 9, 10, rooms=[room.id])
    auth.login("vp_phucxa")
    form = _form(week, rooms=[str(room.id)], title="Giao ban thứ Hai", rrule="weekly",
                 weekdays=["MO"], count="3")
    response = client.post("/meetings/new", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert f"trùng lịch vào các ngày: {week + timedelta(days=7):%d/%m/%Y}" in page
    assert 'name="on_conflict" value="skip"' in page
    response = client.post("/meetings/new", data=dict(form, on_conflict="skip"))
    assert response.status_code == 302
    series = _meetings()[1]
    assert series.rrule == "FREQ=WEEKLY;INTERVAL=1;BYDAY=MO;COUNT=3"
    days = [o.start_at.astimezone(LOCAL_TZ).date() for o in series.occurrences]
    assert days == [week, week + timedelta(days=14)]


def test_bulk_participant_selection(tree, client, auth, week):
    auth.login("vp_phucxa")
    page = client.get("/meetings/new").get_data(as_text=True)
    assert "Tất cả phường, xã của Quận Ba Đình" in page
    assert "Tất cả quận, huyện, thị xã" in page and "Tất cả sở, ban, ngành" in page
    # without script, a group button sends the form back with the group ticked, nothing booked
    response = client.post("/meetings/new", data=_form(week, add_group="wards:001",
                                                        title="Tập huấn phần mềm"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _meetings() == []
    ticked = set(re.findall(r'value="([^"]+)"\s+id="participant-[^"]+" checked', page))
    assert ticked == {"00001", "00004"}
    assert 'value="Tập huấn phần mềm"' in page
    response = client.post("/meetings/new", data=_form(week, add_group="districts",
                                                        participants=sorted(ticked)))
    ticked = set(re.findall(r'value="([^"]+)"\s+id="participant-[^"]+" checked',
                            response.get_data(as_text=True)))
    assert ticked == {"00001", "00004", "001", "002"}
    # then edited one by one and booked
    ticked.discard("002")
    assert client.post("/meetings/new", data=_form(week, participants=sorted(ticked))).status_code == 302
    # the host itself is not its own participant
    assert {u.code for u in _meetings()[0].participants} == {"00004", "001"}


def test_staff_cannot_book_for_another_unit(tree, client, auth, week):
    auth.login("vp_phucxa")
    response = client.post("/meetings/new", data=_form(week, host_unit="00037"))
    assert response.status_code == 403
    assert _meetings() == []
    auth.logout()
    auth.login("xem_badinh")  # a viewer books nothing
    assert client.get("/meetings/new").status_code == 403


def test_edit_form_is_prefilled_and_saves(tree, client, auth, book, week):
    meeting = book("Họp sơ kết quý", week, 8, 9)
    auth.login("vp_phucxa")
    page = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="Họp sơ kết quý"' in page and f'value="{week:%d/%m/%Y}"' in page
    response = client.post(f"/meetings/{meeting.id}/edit",
                           data=_form(week, title="Họp sơ kết quý III", start="14:00", end="15:30"))
    assert response.status_code == 302
    db.session.refresh(meeting)
    assert meeting.title == "Họp sơ kết quý III"
    assert meeting.start_at.astimezone(LOCAL_TZ).strftime("%H:%M") == "14:00"


# -- a meeting's page --------------------------------------------------------------------------

def test_detail_shows_facts_history_and_cancels(tree, client, auth, book, week):
    meeting = book("Hội nghị tổng kết năm", week, 8, 11, category="tong_ket")
    auth.login("vp_phucxa")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Hội nghị tổng kết" in page and "Đã lên lịch" in page and "Nội dung họp" in page
    assert "Chủ tịch UBND phường" in page
    response = client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "Lãnh đạo đi công tác"})
    assert response.status_code == 302
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Đã hủy" in page and "Lãnh đạo đi công tác" in page
    history = re.search(r'data-testid="history">(.*?)</ol>', page, re.S).group(1)
    assert len(re.findall(r"<li", history)) >= 2
    # a cancellation without a reason is refused, nothing changes
    other = book("Họp chuyên đề", week, 14, 15)
    client.post(f"/meetings/{other.id}/cancel", data={"reason": ""})
    db.session.refresh(other)
    assert other.status == "scheduled"


def test_series_occurrences_are_cancelled_and_moved_one_by_one(tree, client, auth, book, week):
    series = book("Giao ban thứ Hai", week, 8, 9, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3")
    first, second, third = series.occurrences
    auth.login("vp_phucxa")
    page = client.get(f"/meetings/{series.id}").get_data(as_text=True)
    assert page.count("Hủy buổi này") == 3
    client.post(f"/meetings/{series.id}/occurrences/{second.id}/cancel", data={"reason": "Trùng lịch HĐND"})
    new_day = week + timedelta(days=15)
    response = client.post(f"/meetings/{series.id}/occurrences/{third.id}/move",
                           data={"day": f"{new_day:%d/%m/%Y}", "start": "14:00", "end": "15:00"})
    assert response.status_code == 302
    db.session.expire_all()
    assert [o.status for o in series.occurrences] == ["scheduled", "cancelled", "scheduled"]
    moved = db.session.get(type(third), third.id)
    assert moved.start_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") == f"{new_day:%d/%m/%Y} 14:00"
    page = client.get(f"/meetings/{series.id}").get_data(as_text=True)
    assert "Đã dời" in page and page.count("Hủy buổi này") == 2
    # a move typed wrongly is refused with a message, nothing changes
    client.post(f"/meetings/{series.id}/occurrences/{first.id}/move",
                data={"day": "32/13/2026", "start": "14:00", "end": "15:00"})
    assert "Chưa thực hiện được" in client.get(f"/meetings/{series.id}").get_data(as_text=True)


def test_held_mode_is_corrected_after_the_meeting(tree, client, auth, book):
    past = today_local() - timedelta(days=10)
    meeting = book("Họp đã diễn ra", past, 8, 9, holiday_override_reason="Họp bù")
    occurrence = meeting.occurrences[0]
    assert occurrence.status == "held"
    auth.login("vp_phucxa")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Hình thức đã họp thực tế" in page
    client.post(f"/meetings/{meeting.id}/occurrences/{occurrence.id}/held-mode", data={"mode": "hybrid"})
    db.session.expire_all()
    assert db.session.get(type(occurrence), occurrence.id).held_mode == "hybrid"
    assert "Trực tiếp kết hợp trực tuyến" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)


def test_another_unit_sees_only_public_facts(tree, client, auth, book, week):
    meeting = book("Họp kín về nhân sự", week, 8, 9, agenda="Danh sách quy hoạch cán bộ")
    auth.login("vp_hangbac")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert "Họp kín về nhân sự" in page and "thông tin công khai" in page
    assert "Danh sách quy hoạch cán bộ" not in page and "Chủ tịch UBND phường" not in page
    assert "Hủy cuộc họp" not in page
    assert client.post(f"/meetings/{meeting.id}/cancel", data={"reason": "x"}).status_code == 403


def test_pending_booking_waits_on_home_page_and_is_approved(tree, client, auth, book, create_room, week):
    hall = create_room(tree.phuc_xa, "Hội trường lớn", requires_approval=True)
    db.session.commit()
    meeting = book("Hội nghị tập huấn chuyển đổi số", week, 8, 11, rooms=[hall.id])
    assert meeting.status == "pending"
    auth.login("qt_phucxa")
    home = client.get("/").get_data(as_text=True)
    approvals = re.search(r'data-testid="home-approvals">(.*?)</ul>', home, re.S).group(1)
    assert "Hội nghị tập huấn chuyển đổi số" in approvals
    assert "Duyệt" in client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert client.post(f"/meetings/{meeting.id}/approve", data={"reason": "Đồng ý"}).status_code == 302
    db.session.refresh(meeting)
    assert meeting.status == "scheduled"
    assert 'data-testid="home-approvals"' not in client.get("/").get_data(as_text=True)


def test_home_lists_the_units_coming_meetings(tree, client, auth, book):
    soon = today_local() + timedelta(days=2)
    far = today_local() + timedelta(days=20)
    book("Họp giao ban sắp tới", soon, 15, 16, holiday_override_reason="Việc gấp")
    book("Họp còn xa", far, 15, 16, holiday_override_reason="Việc gấp")
    auth.login("vp_phucxa")
    coming = re.search(r'data-testid="home-coming">(.*?)</ul>', client.get("/").get_data(as_text=True),
                       re.S).group(1)
    assert "Họp giao ban sắp tới" in coming and "Họp còn xa" not in coming


# -- search ------------------------------------------------------------------------------------

def test_search_by_title_category_unit_and_date(tree, client, auth, book, week):
    book("Hội nghị sơ kết 6 tháng", week, 8, 9, category="so_ket")
    book("Họp giao ban phường", week + timedelta(days=14), 8, 9)
    book("Tập huấn cán bộ quận", week, 14, 15, unit=tree.ba_dinh, user=tree.users.district_staff,
         category="tap_huan", participants=["00004"])
    auth.login("qt_badinh")  # the district's admin sees its whole subtree

    def found(query):
        page = client.get("/meetings/search?" + query).get_data(as_text=True)
        table = re.search(r'data-testid="search-results">(.*?)</table>', page, re.S)
        return set(re.findall(r'/meetings/\d+">([^<]+)</a>', table.group(1))) if table else set()

    assert found("q=sơ+kết") == {"Hội nghị sơ kết 6 tháng"}
    # case is folded for Vietnamese letters too, on SQLite as on PostgreSQL
    assert found("q=SƠ+KẾT") == {"Hội nghị sơ kết 6 tháng"}
    assert found("q=HỌP+GIAO") == {"Họp giao ban phường"}
    assert found("category=tap_huan") == {"Tập huấn cán bộ quận"}
    assert found("unit=00004") == {"Tập huấn cán bộ quận"}  # taking part counts
    assert found("unit=00001") == {"Hội nghị sơ kết 6 tháng", "Họp giao ban phường"}
    day = week.strftime("%d/%m/%Y")
    assert found(f"from={day}&to={day}") == {"Hội nghị sơ kết 6 tháng", "Tập huấn cán bộ quận"}
    assert client.get("/meetings/search?from=99/99/2026").status_code == 422
    auth.logout()
    auth.login("vp_hangbac")  # another ward finds none of them
    assert found("q=h") == set()


def test_a_skipped_date_is_listed_on_the_meeting_page_and_restored_from_there(tree, client, auth):
    from tests.booking_helpers import request_for, weekly_start

    start = weekly_start(7, 3, hh=8)
    second = start + timedelta(weeks=1)
    meeting = services.book_meeting(tree.users.ward_staff, request_for(
        tree.phuc_xa, start, rrule="FREQ=WEEKLY;COUNT=3", skip_dates=[second.date().isoformat()]))
    db.session.commit()
    auth.login("vp_phucxa")
    html = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    listed = re.search(r'data-testid="skipped-dates">(.*?)</ul>', html, re.S)[1]
    assert second.strftime("%d/%m/%Y") in listed
    original = re.search(r'name="original_start" value="([^"]+)"', listed)[1]
    response = client.post(f"/meetings/{meeting.id}/restore", data={"original_start": original})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã khôi phục buổi họp." in page and 'data-testid="skipped-dates"' not in page
    meeting = db.session.get(Meeting, meeting.id)
    assert meeting.exdates == [] and len(meeting.occurrences) == 3
    from scheduler.audit.models import AuditEntry

    assert db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_id == str(meeting.id)).order_by(AuditEntry.id)).all() == [
        "meeting.create", "meeting.occurrence_restore"]
