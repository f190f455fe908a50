"""Calendar tags and the cache checked against them (scheduler/meetings/calendar_tags.py): every
change of a meeting draws new tags for the units it involves (and involved), in its own
transaction; the week page and the API's list are built once and served again until one of
those tags changes, and never show a calendar older than the last commit."""
import json
import re
from datetime import timedelta

import sqlalchemy as sa

from scheduler.auth.models import User
from scheduler.core.timeutil import utcnow
from scheduler.extensions import db
from scheduler.jobs.tasks import close_meetings
from scheduler.meetings import calendar_tags, services
from scheduler.meetings.models import Meeting, Occurrence
from scheduler.rooms.models import Room
from scheduler.units.models import Unit
from tests.booking_helpers import at, request_for
from tests.query_helpers import counting, fresh_request


def tags(*units) -> dict:
    db.session.rollback()  # a new transaction: what is committed now
    return dict(calendar_tags.tags_of([u.id for u in units]))


def changed(before: dict, after: dict) -> set:
    return {unit_id for unit_id in before if before[unit_id] != after[unit_id]}


def admin() -> User:
    """The city's administrator, in the current session (a request ends the test's)."""
    return db.session.scalar(sa.select(User).where(User.username == "admin"))


def room_id(name: str) -> int:
    return db.session.scalar(sa.select(Room.id).where(Room.name == name))


def book(**kw) -> Meeting:
    """A meeting hosted by Ba Đình with Phúc Xá, in Ba Đình's hall (unless `kw` says else)."""
    meeting = services.book_meeting(admin(), request_for(
        Unit.by_code("001"), at(3, 9), 60,
        **{"participants": ["00001"], "rooms": [room_id("Hội trường quận")], **kw}))
    db.session.commit()
    return meeting


def test_a_booking_draws_new_tags_for_the_units_it_involves_and_no_others(tree, rooms):
    everyone = (tree.ba_dinh, tree.phuc_xa, tree.truc_bach, tree.hang_bac, tree.city)
    before = tags(*everyone)
    # Ba Đình hosts, Phúc Xá takes part, the room is Phúc Xá's own
    services.book_meeting(tree.users.admin, request_for(
        tree.ba_dinh, at(3, 9), 60, participants=["00001"], rooms=[rooms["phuc_xa"].id]))
    db.session.commit()
    assert changed(before, tags(*everyone)) == {tree.ba_dinh.id, tree.phuc_xa.id}

    before = tags(*everyone)
    services.book_meeting(tree.users.admin, request_for(tree.hang_bac, at(4, 9), 60))
    db.session.rollback()  # a booking that does not commit draws nothing
    assert tags(*everyone) == before


def test_changes_draw_tags_for_the_units_a_meeting_leaves_behind(tree, rooms):
    meeting = book()  # Ba Đình, with Phúc Xá, in Ba Đình's room
    units = (tree.ba_dinh, tree.phuc_xa, tree.truc_bach, tree.hang_bac)

    before = tags(*units)
    meeting = db.session.get(Meeting, meeting.id)
    services.update_meeting(tree.users.admin, meeting, {"participants": ["00004"]})
    db.session.commit()
    # Phúc Xá's calendar loses it, Trúc Bạch's gains it, the host's shows the new list
    assert changed(before, tags(*units)) == {tree.ba_dinh.id, tree.phuc_xa.id, tree.truc_bach.id}

    before = tags(*units)
    meeting = db.session.get(Meeting, meeting.id)
    services.update_meeting(tree.users.admin, meeting, {"host_unit": "00037", "rooms": []})
    db.session.commit()
    assert changed(before, tags(*units)) == {tree.ba_dinh.id, tree.truc_bach.id, tree.hang_bac.id}


def test_sittings_moved_cancelled_or_closed_by_the_job_runner_draw_new_tags(tree, rooms, create_meeting):
    meeting = book(rrule="FREQ=WEEKLY;COUNT=3")
    units = (tree.ba_dinh, tree.phuc_xa, tree.hang_bac)

    before = tags(*units)
    occurrence = db.session.scalars(sa.select(Occurrence).where(Occurrence.meeting_id == meeting.id)
                                    .order_by(Occurrence.start_at)).first()
    services.move_occurrence(tree.users.admin, occurrence, occurrence.start_at + timedelta(hours=2),
                             occurrence.end_at + timedelta(hours=2))
    db.session.commit()
    assert changed(before, tags(*units)) == {tree.ba_dinh.id, tree.phuc_xa.id}

    before = tags(*units)
    occurrence = db.session.get(Occurrence, occurrence.id)
    services.cancel_occurrence(tree.users.admin, occurrence)
    db.session.commit()
    assert changed(before, tags(*units)) == {tree.ba_dinh.id, tree.phuc_xa.id}

    ended = create_meeting(tree.hang_bac, utcnow() - timedelta(hours=3), title="Họp đã qua")
    db.session.commit()
    before = tags(*units)
    close_meetings(utcnow())  # marks the sitting held: the job runner's own transaction
    assert db.session.get(Meeting, ended.id).status == "held"
    assert changed(before, tags(*units)) == {tree.hang_bac.id}


def test_units_rooms_and_bulk_statements_change_every_calendar(tree, rooms):
    every = calendar_tags.EVERY_CALENDAR
    before = tags(tree.ba_dinh)
    rooms["ba_dinh"].name = "Hội trường lớn quận"
    db.session.commit()
    assert changed(before, tags(tree.ba_dinh)) == {every}

    before = tags(tree.ba_dinh)
    db.session.execute(sa.update(Meeting).where(Meeting.host_unit_id == tree.ba_dinh.id)
                       .values(title="Đổi hàng loạt"))
    db.session.commit()
    assert changed(before, tags(tree.ba_dinh)) == {every}

    before = tags(tree.ba_dinh)
    db.session.get(Unit, tree.phuc_xa.id)  # only read
    db.session.commit()
    assert tags(tree.ba_dinh) == before


def _page(client, url: str):
    fresh_request()
    with counting() as seen:
        response = client.get(url)
    assert response.status_code == 200, response.data[:500]
    # the CSRF token of the forms in the menu differs per response
    body = re.sub(r'name="csrf_token" value="[^"]*"', "", response.get_data(as_text=True))
    # what the page asks (SQLite's BEGIN, sent as a statement, is no question)
    return body, len([s for s in seen["statements"] if not s.startswith("BEGIN")])


def test_the_week_page_is_built_once_and_again_after_each_change(tree, rooms, auth, client):
    auth.login("vp_phucxa", tree.password)
    meeting_id = book(title="Họp giao ban quận").id
    url = f"/meetings/week?unit=00001&date={at(3).date().isoformat()}"
    first, built = _page(client, url)
    again, served = _page(client, url)
    assert "Họp giao ban quận" in first and again == first
    # the second time neither the sittings nor the pickers are read: only the signed-in user,
    # the unit named in the address, and the calendar's tags with the menu's counts (one
    # statement for both)
    assert served <= built - 3, (built, served)
    assert served == 3, served

    meeting = db.session.get(Meeting, meeting_id)
    services.update_meeting(admin(), meeting, {"title": "Họp giao ban quận (dời phòng)"})
    db.session.commit()
    changed_page, rebuilt = _page(client, url)
    assert "Họp giao ban quận (dời phòng)" in changed_page and rebuilt == built

    # another reader of the same reach is served what was built; the week's other views are
    # their own entries
    assert _page(client, url)[0] == changed_page
    other_week = f"/meetings/week?unit=00001&date={at(10).date().isoformat()}"
    assert "Họp giao ban quận" not in _page(client, other_week)[0]

    # a room's week is checked against its unit's tag: a booking of another unit that only
    # uses the room shows at once
    room_week = f"/meetings/week?room={room_id('Phòng họp tầng 2')}&date={at(3).date().isoformat()}"
    assert "Họp mượn phòng" not in _page(client, room_week)[0]
    book(title="Họp mượn phòng", participants=[], rooms=[room_id("Phòng họp tầng 2")])
    assert "Họp mượn phòng" in _page(client, room_week)[0]


def test_the_week_page_keeps_each_readers_own_menu_and_pickers(tree, rooms, auth, client):
    book(title="Họp giao ban quận")
    url = f"/meetings/week?unit=00001&date={at(3).date().isoformat()}"
    auth.login("qt_badinh", tree.password)
    district, _n = _page(client, url)
    auth.logout()
    auth.login("vp_phucxa", tree.password)
    ward, _n = _page(client, url)
    # the district's administrator may pick the district above the ward, the ward's staff not
    assert '<option value="001"' in district and '<option value="001"' not in ward
    assert "qt_badinh" in district and "vp_phucxa" in ward and "qt_badinh" not in ward


def test_the_api_list_is_built_once_and_again_after_each_change(tree, rooms, auth, client):
    auth.login("vp_phucxa", tree.password)
    meeting_id = book(title="Họp giao ban quận").id
    day = at(3).date().isoformat()
    url = f"/api/v1/meetings?unit=00001&start={day}&end={day}"
    first, built = _page(client, url)
    again, served = _page(client, url)
    assert [m["title"] for m in json.loads(first)["meetings"]] == ["Họp giao ban quận"]
    assert again == first and served <= built - 2

    services.cancel_meeting(admin(), db.session.get(Meeting, meeting_id), reason="Hoãn")
    db.session.commit()
    body, _n = _page(client, url)
    assert [m["status"] for m in json.loads(body)["meetings"]] == ["cancelled"]

    # a viewer who may not see Phúc Xá is refused, whatever another reader was served
    auth.logout()
    auth.login("vp_hangbac", tree.password)
    fresh_request()
    assert client.get(url).status_code == 403


def test_without_the_cache_every_read_builds(tree, rooms, auth, client, app):
    app.config["CALENDAR_CACHE"] = False
    auth.login("vp_phucxa", tree.password)
    book(title="Họp giao ban quận")
    url = f"/meetings/week?unit=00001&date={at(3).date().isoformat()}"
    first, built = _page(client, url)
    again, served = _page(client, url)
    assert again == first and served == built
