"""Changes of one existing meeting sent at once, through a real server (gunicorn, three worker
processes) on the test database: each change is decided on the meeting as the previous one left
it, the losers get a 409 (or a 412 for a stale If-Match), never a 500, and afterwards the
meeting's status, its sittings and their reservations agree (scheduler/meetings/integrity.py)."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.auth import services as auth_services
from scheduler.extensions import db
from scheduler.meetings import integrity
from scheduler.meetings.models import Meeting, Occurrence, Reservation
from tests.booking_helpers import at, book, race, request_for

WORKERS = 10


def fresh() -> None:
    db.session.rollback()  # see what the server's workers committed


def assert_consistent() -> None:
    fresh()
    assert integrity.problems() == []


def token_of(user) -> str:
    token = auth_services.issue_token(user)[0]
    db.session.commit()
    return token


def statuses(results) -> list:
    out = []
    for result in results:
        assert isinstance(result, tuple), f"a request failed outright: {result!r}"
        out.append(result[0])
    assert 500 not in out and all(s < 500 for s in out), results
    return out


@pytest.fixture
def hall(rooms):
    return rooms["phuc_xa"]


@pytest.fixture
def gated(rooms):
    return rooms["gated"]


def live_sittings(meeting_id) -> list[Occurrence]:
    return list(db.session.scalars(sa.select(Occurrence).where(
        Occurrence.meeting_id == meeting_id, Occurrence.status.in_(("pending", "scheduled")))))


def test_ten_patches_to_ten_slots_leave_one_sitting(app, tree, hall, live_server):
    """Before: all 200 and five to ten live sittings holding five to ten rooms (PostgreSQL)."""
    meeting = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(5, 8), rooms=[hall.id]))
    token = token_of(tree.users.ward_staff)
    mid = meeting.id  # the racing threads have no application context
    slots = [at(6 + i // 4, 8 + 2 * (i % 4)) for i in range(WORKERS)]

    def patch(index, _prepared):
        start = slots[index]
        return live_server.request("PATCH", f"/api/v1/meetings/{mid}", {
            "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()},
            token=token)

    codes = statuses(race(WORKERS, patch))
    assert set(codes) <= {200, 409}
    fresh()
    [sitting] = live_sittings(meeting.id)
    assert sitting.start_at in slots
    active = db.session.scalars(sa.select(Reservation).where(
        Reservation.occurrence_id == sitting.id, Reservation.active)).all()
    assert [(r.resource_kind, r.resource_id) for r in active] == [("room", hall.id)]
    assert db.session.get(Meeting, meeting.id).start_at == sitting.start_at
    assert_consistent()


def test_ten_moves_to_one_slot_never_500(app, tree, hall, live_server):
    """Before: some 500 (duplicate key of the sitting's original start) on PostgreSQL."""
    meeting = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(5, 8), rooms=[hall.id]))
    token = token_of(tree.users.ward_staff)
    mid = meeting.id  # the racing threads have no application context
    target = at(7, 14)

    def patch(index, _prepared):
        return live_server.request("PATCH", f"/api/v1/meetings/{mid}", {
            "start": target.isoformat(), "end": (target + timedelta(hours=1)).isoformat()},
            token=token)

    codes = statuses(race(WORKERS, patch))
    assert set(codes) <= {200, 409} and 200 in codes
    fresh()
    [sitting] = live_sittings(meeting.id)
    assert sitting.start_at == target
    assert_consistent()


def test_approve_and_cancel_at_once_end_cancelled_and_free(app, tree, gated, live_server):
    """Before: the meeting ended `scheduled` with its reservations released, and another
    booking then took the same room and slot."""
    meeting = book(tree.users.district_staff,
                   request_for(tree.ba_dinh, at(5, 9), rooms=[gated.id], title="Cần duyệt"))
    assert meeting.status == "pending"
    approver, booker = token_of(tree.users.district_admin), token_of(tree.users.district_staff)
    mid = meeting.id

    def act(index, _prepared):
        if index == 0:
            return live_server.request("POST", f"/api/v1/meetings/{mid}/approve", {},
                                       token=approver)
        return live_server.request("POST", f"/api/v1/meetings/{mid}/cancel",
                                   {"reason": "Đổi kế hoạch"}, token=booker)

    codes = statuses(race(2, act))
    assert codes[1] == 200  # a pending or a just-approved meeting can both be cancelled
    assert codes[0] in (200, 409)  # approving a cancelled meeting is refused
    fresh()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    assert live_sittings(meeting.id) == []
    assert_consistent()
    # the room is free again: a new booking of the same slot is accepted
    again = book(tree.users.district_admin, request_for(tree.ba_dinh, at(5, 9), rooms=[gated.id]))
    assert again.id != meeting.id


def test_five_cancels_one_wins_one_audit_entry(app, tree, hall, live_server):
    meeting = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(5, 8), rooms=[hall.id]))
    token = token_of(tree.users.ward_staff)
    mid = meeting.id  # the racing threads have no application context

    def cancel(index, _prepared):
        return live_server.request("POST", f"/api/v1/meetings/{mid}/cancel",
                                   {"reason": f"lần {index}"}, token=token)

    results = race(5, cancel)
    assert sorted(statuses(results)) == [200, 409, 409, 409, 409]
    for status, body, _headers in results:
        if status == 409:
            assert body["error"]["message"] == "Cuộc họp đã bị hủy trước đó."
    fresh()
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "meeting.cancel", AuditEntry.object_id == str(meeting.id))).all()
    assert len(entries) == 1
    assert_consistent()


def test_approve_and_decline_at_once_one_decision(app, tree, gated, live_server):
    meeting = book(tree.users.district_staff,
                   request_for(tree.ba_dinh, at(5, 9), rooms=[gated.id], title="Cần duyệt"))
    approver = token_of(tree.users.district_admin)
    mid = meeting.id

    def decide(index, _prepared):
        action = "approve" if index == 0 else "decline"
        return live_server.request("POST", f"/api/v1/meetings/{mid}/{action}",
                                   {"reason": "Theo lịch của lãnh đạo"}, token=approver)

    codes = statuses(race(2, decide))
    assert sorted(codes) == [200, 409]
    fresh()
    final = db.session.get(Meeting, meeting.id).status
    assert final == ("scheduled" if codes[0] == 200 else "cancelled")
    decisions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.object_id == str(meeting.id),
        AuditEntry.action.in_(("meeting.approve", "meeting.decline")))).all()
    assert len(decisions) == 1
    assert_consistent()


def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(app, tree, hall, live_server):
    meeting = book(tree.users.ward_staff, request_for(tree.phuc_xa, at(5, 8), rooms=[hall.id]))
    token = token_of(tree.users.ward_staff)
    mid = meeting.id  # the racing threads have no application context
    path = f"/api/v1/meetings/{mid}"
    status, body, headers = live_server.request("GET", path, token=token)
    assert status == 200 and headers["ETag"] == '"1"'
    etag = headers["ETag"]
    status, body, headers = live_server.request("PATCH", path, {"title": "Họp giao ban (sửa)"},
                                                token=token, headers={"If-Match": etag})
    assert status == 200 and body["title"] == "Họp giao ban (sửa)"
    assert headers["ETag"] == '"2"'
    # a second client still holding version 1
    status, body, _ = live_server.request("PATCH", path, {"title": "Bản cũ ghi đè"}, token=token,
                                          headers={"If-Match": etag})
    assert status == 412
    assert body["error"]["code"] == "precondition_failed"
    assert "người khác thay đổi" in body["error"]["message"]
    status, body, _ = live_server.request("POST", path + "/cancel", {}, token=token,
                                          headers={"If-Match": etag})
    assert status == 412
    fresh()
    current = db.session.get(Meeting, meeting.id)
    assert (current.title, current.status, current.version) == ("Họp giao ban (sửa)", "scheduled", 2)
    # without If-Match a change is applied as before
    assert live_server.request("PATCH", path, {"chair": "Phó Chủ tịch"}, token=token)[0] == 200
