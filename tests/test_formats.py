"""One format everywhere: dd/mm/yyyy text inputs marked for the page's own date picker (never
the browser's type=date), 24-hour times typed "14:30" or "14h30", decimals with a comma in
Vietnamese and a point in English, local times and readable durations on the jobs page."""
import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from scheduler.core.form_fields import parse_clock
from scheduler.core.timeutil import LOCAL_TZ, today_local
from scheduler.extensions import db
from scheduler.notifications.models import NoticeDelivery
from scheduler.meetings.models import Meeting
from scheduler.rooms.models import Room
from tests.booking_helpers import booking_form
from tests.management_forms import room_form


@pytest.mark.parametrize("typed, read", [
    ("14:30", time(14, 30)), ("14h30", time(14, 30)), ("14H30", time(14, 30)),
    ("9h", time(9, 0)), ("14g30", time(14, 30)), ("1430", time(14, 30)), (" 7:05 ", time(7, 5)),
    ("24:00", None), ("14h75", None), ("2:30 PM", None), ("mười giờ", None)])
def test_times_are_read_on_the_24_hour_clock(typed, read):
    assert parse_clock(typed) == read


def _form(day, **values):
    return booking_form(day, **{"chair": "", "start": "14h30", "end": "16h", "agenda": "",
                                **values})


def test_the_booking_form_takes_14h30(tree, client, auth):
    auth.login("vp_phucxa")
    day = today_local() + timedelta(days=10)
    assert client.post("/meetings/new", data=_form(day)).status_code == 302
    meeting = db.session.scalars(sa.select(Meeting)).one()
    assert meeting.start_at.astimezone(LOCAL_TZ).time() == time(14, 30)
    assert meeting.end_at.astimezone(LOCAL_TZ).time() == time(16, 0)
    page = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    assert 'value="14:30"' in page and 'value="16:00"' in page


def test_dates_are_text_inputs_with_the_pages_own_picker(tree, client, auth):
    auth.login("qt_badinh")
    for url in ("/meetings/new", "/reports", "/reports/coverage", "/units", "/meetings/search",
                "/endpoints/new"):
        page = client.get(url).get_data(as_text=True)
        assert 'type="date"' not in page, url
        assert "data-datepicker" in page and "/static/datepicker.js" in page, url
    coverage = client.get("/reports/coverage?date=" + today_local().strftime("%d/%m/%Y"))
    assert coverage.status_code == 200


def test_room_hours_are_typed_and_shown_on_the_24_hour_clock(tree, client, auth):
    auth.login("qt_badinh")
    form = client.get("/rooms/new").get_data(as_text=True)
    assert 'type="time"' not in form
    response = client.post("/rooms/new", data=room_form(tree.ba_dinh, open_from="7h30",
                                                        open_until="17h30"))
    assert response.status_code == 302
    room = db.session.scalars(sa.select(Room)).one()
    assert (room.open_from, room.open_until) == (time(7, 30), time(17, 30))
    assert "07:30–17:30" in client.get("/rooms").get_data(as_text=True)


def test_decimals_follow_the_language(tree, client, auth):
    auth.login("admin")
    page = client.get("/reports/settings").get_data(as_text=True)
    assert "80,0 %" in page and "80.0 %" not in page
    client.post("/language/en")
    page = client.get("/reports/settings").get_data(as_text=True)
    assert "80.0 %" in page and "80,0 %" not in page


def test_the_jobs_page_shows_local_times_and_readable_offsets(tree, client, auth):
    from datetime import datetime, timezone

    start = datetime(2026, 12, 10, 8, 0, tzinfo=timezone.utc)  # 15:00 in Hà Nội
    db.session.add(NoticeDelivery(key="reminder:m1:1440:x", kind="reminder", offset_minutes=1440,
                                  start_at=start, delivered_at=start - timedelta(days=1),
                                  recipients=3, summary="Họp giao ban tuần"))
    db.session.commit()
    auth.login("admin")
    page = client.get("/admin/jobs").get_data(as_text=True)
    deliveries = re.search(r'data-testid="deliveries">(.*?)</table>', page, re.S).group(1)
    assert "trước 1 ngày" in deliveries and "1440" not in deliveries
    assert "15:00 10/12/2026" in deliveries and "T08:00" not in deliveries
