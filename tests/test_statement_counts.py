"""Every list, page and feed runs a fixed number of SQL statements whatever the number of rows
it shows (no N+1), and a GET never commits.

Each page is read once with a few meetings and once with four times as many (more
participants, rooms and sittings too); the statements are counted with SQLAlchemy's
`before_cursor_execute` event and must be the same number both times."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.auth.models import User
from scheduler.calendar.feeds import hash_token
from scheduler.extensions import db
from scheduler.rooms.models import Room
from scheduler.units.models import Unit
from scheduler.meetings import services
from scheduler.meetings.rules import holiday_name
from scheduler.reports.targets import ensure_default_targets
from tests.booking_helpers import at, on, request_for
from tests.query_helpers import counting, fresh_request

PAGES = [
    "/",
    "/meetings/week?unit=001&date={day}",
    "/meetings/week?room={room}&date={day}",
    "/meetings/month?unit=001&date={day}",
    "/meetings/rooms?unit=001&date={day}",
    "/meetings/schedule?unit=001&date={day}",
    "/meetings/search?q=H%E1%BB%8Dp",
    "/units",
    "/rooms",
    "/endpoints",
    "/users",
    "/audit",
    "/notifications",
    "/reports",
    "/reports/drilldown?target=online_30&period=year",
    "/reports/coverage",
    "/reports/settings",
    "/calendar",
    "/api/v1/meetings?start={day}",
    "/api/v1/meetings?start={day}&unit=00001",
    "/api/v1/meetings?start={day}&room={room}",
    "/api/v1/meetings/pending",
    "/api/v1/units",
    "/api/v1/rooms",
    "/api/v1/endpoints",
    "/api/v1/reports/targets",
    "/api/v1/reports/connectivity",
]


def book(tree, rooms, first: int, count: int) -> None:
    """`count` meetings on the test week's days hosted by Ba Đình with two wards taking part,
    in its rooms, half of them online; every fourth a weekly series of three sittings."""
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    host = Unit.by_code("001")
    room_id = db.session.scalar(sa.select(Room.id).where(Room.name == "Hội trường quận"))
    days = meeting_days()
    for n in range(first, first + count):
        day = days[n % 5]
        start = on(day, 7 + n // 5 % 10, 0 if n < 50 else 30)
        extra = {"rrule": "FREQ=WEEKLY;COUNT=3"} if n % 4 == 3 else {}
        services.book_meeting(admin, request_for(
            host, start, 30, title=f"Họp số {n}", participants=["00001", "00004"],
            rooms=[room_id] if n % 2 else [],
            mode="online" if n % 2 else "in_person", **extra))
        db.session.commit()  # each booking is its own transaction


def meeting_days() -> list:
    """The five working days of a week ahead whose three weeks hold no public holiday (the
    weekly series run three weeks; on 4 December the next weeks reach 1 January)."""
    monday = at(7).date()
    monday -= timedelta(days=monday.weekday())
    while any(holiday_name(monday + timedelta(days=i)) for i in range(21)):
        monday += timedelta(days=7)
    return [monday + timedelta(days=i) for i in range(5)]


def statements_of(client, url: str) -> tuple[int, int, int]:
    fresh_request()
    with counting() as seen:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(seen["statements"]), seen["commits"], len(response.data)


@pytest.fixture
def booked(tree, rooms, auth):
    ensure_default_targets()
    db.session.commit()
    auth.login("admin", tree.password)
    return tree, rooms


def urls(tree, rooms) -> list[str]:
    day = meeting_days()[0].isoformat()
    room_id = db.session.scalar(sa.select(Room.id).where(Room.name == "Hội trường quận"))
    return [page.format(day=day, room=room_id) for page in PAGES]


def test_pages_lists_and_feeds_run_the_same_statements_for_more_rows(booked, client):
    tree, rooms = booked
    book(tree, rooms, 0, 8)
    small = {url: statements_of(client, url) for url in urls(tree, rooms)}
    book(tree, rooms, 8, 24)
    large = {url: statements_of(client, url) for url in urls(tree, rooms)}
    grew = {url: (small[url], large[url]) for url in small
            if small[url][:2] != large[url][:2] or large[url][1]}
    assert not grew, "\n".join(f"{u}: {v}" for u, v in grew.items())
    for url in small:
        assert large[url][2] > 0
        assert large[url][0] == small[url][0], (url, small[url][0], large[url][0])
        assert small[url][1] == large[url][1] == 0, f"{url} committed"
    # the lists really grew: the same statements now carry four times the meetings
    assert large[urls(tree, rooms)[1]][2] > small[urls(tree, rooms)[1]][2]


def test_feeds_and_their_304_run_the_same_statements_for_more_rows(booked, client):
    tree, rooms = booked
    Unit.by_code("00001").feed_token = hash_token("phucxa-feed-secret")
    db.session.commit()
    feed = "/calendar/unit/phucxa-feed-secret.ics"
    book(tree, rooms, 0, 4)
    small, etag = statements_of(client, feed), client.get(feed).headers["ETag"]
    with counting() as small_304:
        assert client.get(feed, headers={"If-None-Match": etag}).status_code == 304
    book(tree, rooms, 4, 12)
    large, etag = statements_of(client, feed), client.get(feed).headers["ETag"]
    with counting() as large_304:
        assert client.get(feed, headers={"If-None-Match": etag}).status_code == 304
    assert large[0] == small[0] and large[2] > small[2]
    assert len(large_304["statements"]) == len(small_304["statements"]) <= 4
    assert small[1] == large[1] == large_304["commits"] == 0


def test_a_series_meeting_reads_its_sittings_in_one_statement(booked, client):
    tree, rooms = booked
    book(tree, rooms, 3, 1)  # a weekly series of three sittings
    meeting_id = db.session.scalar(sa.select(sa.func.max(sa.text("id"))).select_from(sa.text("meeting")))
    few = statements_of(client, f"/api/v1/meetings/{meeting_id}")
    detail_few = statements_of(client, f"/meetings/{meeting_id}")
    book(tree, rooms, 7, 1)
    meeting_id = db.session.scalar(sa.select(sa.func.max(sa.text("id"))).select_from(sa.text("meeting")))
    more = statements_of(client, f"/api/v1/meetings/{meeting_id}")
    assert few[0] == more[0] and few[1] == 0
    assert detail_few[1] == 0


@pytest.mark.parametrize("unit_code", ["00001", "001"])
def test_api_list_is_the_same_with_the_lower_bound(booked, client, unit_code):
    """The list's window keeps a sitting that began before the window and still runs into it."""
    tree, rooms = booked
    start = at(7, 20)
    services.book_meeting(tree.users.admin, request_for(tree.ba_dinh, start, 60 * 30,
                                                        participants=["00001"]))
    db.session.commit()
    next_day = (start + timedelta(days=1)).date().isoformat()
    body = client.get(f"/api/v1/meetings?start={next_day}&unit={unit_code}").get_json()
    assert [m["title"] for m in body["meetings"]] == ["Họp giao ban tuần"]


def test_reports_on_a_database_not_seeded_yet_show_the_defaults_and_write_nothing(tree, client, auth):
    from scheduler.reports.models import Target

    auth.login("admin", tree.password)
    html = client.get("/reports").get_data(as_text=True)
    assert "Họp triển khai, sơ kết, tổng kết, tập huấn trực tuyến" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Target)) == 0


def test_booking_reads_no_mail_notice_or_reminder_a_new_meeting_cannot_have(booked, client):
    """A meeting booked in this very transaction has invited, told and reminded nobody: the
    booking writes its invitations and notices without first reading the outbox or the notices
    for it (three statements a booking of fifty units used to spend on nothing)."""
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    body = request_for(Unit.by_code("001"), on(meeting_days()[3], 14), participants=["00001", "00004"],
                       mode="online")
    with counting() as seen:
        services.book_meeting(admin, body)
        db.session.commit()
    reads = [s for s in seen["statements"] if s.lstrip().upper().startswith("SELECT")]
    assert not [s for s in reads if "FROM outgoing_mail" in s or "FROM notification" in s], reads
    writes = " ".join(seen["statements"])
    assert "INSERT INTO outgoing_mail" in writes and "INSERT INTO notification" in writes
