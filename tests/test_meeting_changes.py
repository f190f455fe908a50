"""Changing an existing meeting: approval after a move, the recorded held mode, SEQUENCE, the
edit form's version, the database's own guard against double booking, and `flask check`."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from scheduler.core.errors import PreconditionFailed
from scheduler.extensions import db
from scheduler.meetings import integrity, queries, services
from scheduler.meetings.models import Meeting, Occurrence, Reservation
from tests.booking_helpers import at, book, request_for


def test_a_move_by_staff_waits_for_approval_again(tree, rooms):
    """Before: approved for one slot, moved by staff to another, still `scheduled`."""
    gated = rooms["gated"]
    meeting = book(tree.users.district_staff, request_for(tree.ba_dinh, at(4, 9), rooms=[gated.id]))
    services.approve_meeting(tree.users.district_admin, meeting)
    db.session.commit()
    assert meeting.status == "scheduled"
    services.update_meeting(tree.users.district_staff, meeting, {
        "start": at(5, 14).isoformat(), "end": at(5, 15).isoformat()})
    db.session.commit()
    assert meeting.status == "pending"
    assert [o.status for o in meeting.occurrences] == ["pending"]
    assert meeting in queries.pending_approvals(tree.users.district_admin)
    # an approver moving it keeps it approved
    services.approve_meeting(tree.users.district_admin, meeting)
    services.update_meeting(tree.users.district_admin, meeting, {
        "start": at(6, 14).isoformat(), "end": at(6, 15).isoformat()})
    db.session.commit()
    assert meeting.status == "scheduled"
    # a change that is not a move (the title) does not ask again
    services.update_meeting(tree.users.district_staff, meeting, {"title": "Hội nghị (sửa tên)"})
    db.session.commit()
    assert meeting.status == "scheduled"
    assert integrity.problems() == []


def test_moving_one_sitting_of_an_approved_series_asks_again(tree, rooms):
    gated = rooms["gated"]
    series = book(tree.users.district_staff, request_for(
        tree.ba_dinh, at(4, 9), rooms=[gated.id], rrule="FREQ=WEEKLY;COUNT=3"))
    services.approve_meeting(tree.users.district_admin, series)
    db.session.commit()
    second = series.occurrences[1]
    services.move_occurrence(tree.users.district_staff, second, second.start_at + timedelta(hours=5),
                             second.end_at + timedelta(hours=5))
    db.session.commit()
    assert [o.status for o in series.occurrences] == ["scheduled", "pending", "scheduled"]
    assert series.status == "pending"
    services.decline_meeting(tree.users.district_admin, series, "Phòng đã có lịch khác")
    db.session.commit()
    # the declined move drops that sitting only; the rest of the series stands
    assert [o.status for o in series.occurrences] == ["scheduled", "cancelled", "scheduled"]
    assert series.status == "scheduled"
    assert integrity.problems() == []


def test_editing_a_past_meeting_keeps_its_recorded_held_mode(tree, rooms):
    """Before: correcting the time of a past meeting reset the mode it was recorded as held
    in to the booked one, and the report moved."""
    meeting = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(-3, 8), mode="in_person"))
    [sitting] = meeting.occurrences
    services.set_held_mode(tree.users.ward_staff, sitting, "online")
    db.session.commit()
    services.update_meeting(tree.users.ward_staff, meeting, {
        "start": at(-3, 9).isoformat(), "end": at(-3, 10).isoformat(), "agenda": "Đã sửa"})
    db.session.commit()
    [sitting] = meeting.occurrences
    assert (sitting.status, sitting.start_at, sitting.held_mode) == ("held", at(-3, 9), "online")
    # its conclusion recorded afterwards: no invitation goes out, so SEQUENCE stays
    before = meeting.sequence
    services.update_meeting(tree.users.ward_staff, meeting, {"conclusion": "Giao Văn phòng."})
    db.session.commit()
    assert meeting.sequence == before and meeting.occurrences[0].held_mode == "online"


def test_the_edit_form_refuses_to_overwrite_someone_elses_change(tree, client, auth):
    meeting = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(4, 8)))
    auth.login("vp_phucxa")
    page = client.get(f"/meetings/{meeting.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    assert version == "1"
    # meanwhile a colleague renames it
    services.update_meeting(tree.users.ward_admin, meeting, {"title": "Tên mới của đồng nghiệp"})
    db.session.commit()
    start = at(4, 8)
    form = {"title": "Tên cũ ghi đè", "category": "giao_ban", "host_unit": "00001",
            "day": start.strftime("%d/%m/%Y"), "start": "08:00", "end": "09:00",
            "mode": "in_person", "rrule": "none", "interval": "1", "setpos": "1",
            "setpos_weekday": "MO", "version": version}
    resp = client.post(f"/meetings/{meeting.id}/edit", data=form)
    assert resp.status_code == 409
    page = resp.get_data(as_text=True)
    assert "Cuộc họp vừa được người khác thay đổi." in page
    assert "Tải lại nội dung mới nhất" in page
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).title == "Tên mới của đồng nghiệp"
    # with the current version the same form saves
    form["version"] = str(db.session.get(Meeting, meeting.id).version)
    assert client.post(f"/meetings/{meeting.id}/edit", data=form).status_code == 302
    db.session.rollback()
    assert db.session.get(Meeting, meeting.id).title == "Tên cũ ghi đè"


def test_a_stale_version_is_refused_by_every_change(tree, rooms):
    meeting = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(4, 8),
                                                    rooms=[rooms["phuc_xa"].id]))
    stale = meeting.version
    services.update_meeting(tree.users.ward_staff, meeting, {"chair": "Phó Chủ tịch"})
    db.session.commit()
    for change in (
        lambda: services.update_meeting(tree.users.ward_staff, meeting, {"title": "x"},
                                        expected_version=stale),
        lambda: services.cancel_meeting(tree.users.ward_staff, meeting, expected_version=stale),
        lambda: services.cancel_occurrence(tree.users.ward_staff, meeting.occurrences[0],
                                           expected_version=stale),
    ):
        with pytest.raises(PreconditionFailed):
            change()
        db.session.rollback()
    assert db.session.get(Meeting, meeting.id).status == "scheduled"


def test_the_database_refuses_an_overlapping_reservation_itself(tree, rooms):
    """A write path that skips the free check still cannot double-book: PostgreSQL's
    exclusion constraint, SQLite's triggers (the same rule)."""
    room = rooms["phuc_xa"]
    first = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(4, 8), rooms=[room.id]))
    second = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(4, 10), rooms=[room.id]))
    other = second.occurrences[0]
    overlapping = {"occurrence_id": other.id, "resource_kind": "room", "resource_id": room.id,
                   "starts_at": at(4, 8, 30), "ends_at": at(4, 9, 30), "active": True}
    with pytest.raises(IntegrityError):
        db.session.execute(sa.insert(Reservation), [overlapping])
    db.session.rollback()
    # a released reservation blocks nothing; taking it back is refused while the slot is taken
    db.session.execute(sa.insert(Reservation), [dict(overlapping, active=False)])
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.update(Reservation).where(
            Reservation.occurrence_id == other.id, Reservation.active.is_(False)).values(active=True))
    db.session.rollback()
    # half-open: ending when the other begins is no overlap
    db.session.execute(sa.insert(Reservation), [dict(overlapping, starts_at=at(4, 7),
                                                     ends_at=at(4, 8))])
    db.session.commit()
    assert first.status == "scheduled"


def test_flask_check_reports_rows_that_disagree(tree, rooms, runner):
    meeting = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(4, 8),
                                                    rooms=[rooms["phuc_xa"].id]))
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0 and "OK" in result.output
    # what a bad restore leaves: a scheduled meeting whose room reservation was released
    db.session.execute(sa.update(Reservation).values(active=False))
    db.session.execute(sa.update(Occurrence).where(Occurrence.meeting_id == meeting.id)
                       .values(status="cancelled"))
    db.session.commit()
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1
    assert f"meeting {meeting.id}" in result.output
    assert "meeting status disagrees with its sittings scheduled ≠ cancelled" in result.output
