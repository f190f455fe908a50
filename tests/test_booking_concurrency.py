"""Bookings racing for one slot: exactly one wins, the others get a 409 Conflict naming it,
never a 500 or a leaked IntegrityError — on SQLite and on PostgreSQL alike.

The database is the guard, not only the check before the insert:
- SQLite: the booking runs in a write transaction (BEGIN IMMEDIATE), so a second booking cannot
  even run its check until the first one has committed;
- PostgreSQL: both checks may pass, and the exclusion constraint on `reservation` refuses the
  second insert.

Every worker thread has its own application context, hence its own session and connection (the
`app` fixture keeps a context of its own pushed in the test's thread).
"""
import json
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler import create_app
from scheduler.audit.models import AuditEntry
from scheduler.auth import services as auth_services
from scheduler.auth.models import User
from scheduler.core.errors import Conflict
from scheduler.extensions import db
from scheduler.meetings import conflicts, queries, services
from scheduler.meetings.models import Meeting, Occurrence, Reservation
from tests.booking_helpers import at, race, request_for
from tests.conftest import count, make_config, serving

WORKERS = 10
# how long the first booking of the guard test holds its check's verdict, waiting for the other
# booking to have checked too (PostgreSQL: at once; SQLite: never, the write lock is held)
HOLD_SECONDS = 0.5


class ServiceBooking:
    """Book through the service layer, each worker in its own app context and session."""

    def __init__(self, app, user_ids, requests):
        self.app, self.user_ids, self.requests = app, user_ids, requests
        self.contexts = {}

    def prepare(self, index):
        ctx = self.app.app_context()
        ctx.push()
        self.contexts[index] = ctx
        return db.session.get(User, self.user_ids[index % len(self.user_ids)])

    def change(self, index, user):
        """What worker `index` does, as `user`; returns the meeting it booked or changed."""
        return services.book_meeting(user, self.requests[index])

    def __call__(self, index, user):
        try:
            meeting = self.change(index, user)
            db.session.commit()
            return ("booked", meeting.id, meeting.title)
        except Conflict as err:
            db.session.rollback()
            return ("conflict", err)
        finally:
            db.session.remove()
            self.contexts.pop(index).pop()


def outcome(results):
    """The one winner (id, title) and the losers' Conflicts; fails on anything else."""
    unexpected = [r for r in results if not (isinstance(r, tuple) and r[0] in ("booked", "conflict"))]
    assert unexpected == [], f"bookings ended otherwise than booked or 409: {unexpected!r}"
    winners = [r for r in results if r[0] == "booked"]
    assert len(winners) == 1, f"{len(winners)} bookings of one slot succeeded"
    return winners[0][1:], [r[1] for r in results if r[0] == "conflict"]


def assert_loser_names(err: Conflict, winner_id: int, winner_title: str) -> None:
    assert {c["meeting_id"] for c in err.details["conflicts"]} == {winner_id}
    assert winner_title in err.message


def fresh_view() -> None:
    """End the test thread's own transaction: on SQLite (WAL) it would keep reading the
    snapshot taken before the workers wrote."""
    db.session.rollback()


def stored_once():
    fresh_view()
    assert count(Meeting) == count(Occurrence) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "meeting.create")) == 1


@pytest.fixture
def bookers(tree, create_user):
    """Staff of Phúc Xá, one per worker."""
    users = [create_user(f"vp_phucxa_{i}", "staff", tree.phuc_xa) for i in range(WORKERS)]
    db.session.commit()
    return [u.id for u in users]


@pytest.fixture
def hall(tree, create_room):
    room = create_room(tree.phuc_xa, "Hội trường phường")
    annex = create_room(tree.phuc_xa, "Phòng họp trực tuyến")
    db.session.commit()
    return room.id, annex.id


@pytest.mark.parametrize("resource", ["room", "endpoint"])
def test_racing_bookings_of_one_slot_exactly_one_wins(app, tree, hall, bookers, resource):
    """Ten bookings whose times all overlap (08:00, 08:05, … 08:45, an hour each) of the same
    room — or, online without a room, of the same endpoints."""
    extra = ({"rooms": [hall[0]], "mode": "in_person"} if resource == "room"
             else {"rooms": [], "mode": "online", "participants": ["00004"]})
    requests = [request_for(tree.phuc_xa, at(6, 8, 5 * i), title=f"Họp số {i}", **extra)
                for i in range(WORKERS)]
    (winner_id, winner_title), losers = outcome(race(WORKERS, ServiceBooking(app, bookers, requests)))
    assert len(losers) == WORKERS - 1
    for err in losers:
        assert_loser_names(err, winner_id, winner_title)
        assert err.details["next_free"] is not None
    stored_once()
    active = db.session.scalars(sa.select(Reservation).where(Reservation.active)).all()
    kinds = sorted(r.resource_kind for r in active)
    assert kinds == (["room"] if resource == "room" else ["endpoint", "endpoint"])


@pytest.fixture
def live_api(app, database_url):
    """The application served over HTTP on a free loopback port, one thread per request, on
    the test database; yields a function posting JSON with a bearer token."""
    served = create_app(make_config(database_url, SERVER_NAME=None))

    def post(path, body, token):
        req = urllib.request.Request(
            base + path, data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            with err:
                return err.code, json.loads(err.read() or b"null")

    with serving(served, "live-api") as base:
        yield post


def test_racing_api_requests_get_one_201_and_409s(app, tree, hall, bookers, live_api):
    """POST /api/v1/meetings from ten clients with their own bearer tokens at once, hybrid
    with both rooms (listed in either order) and Trúc Bạch's endpoint."""
    tokens = [auth_services.issue_token(db.session.get(User, uid))[0] for uid in bookers]
    db.session.commit()
    start = at(8, 14)
    bodies = [request_for(tree.phuc_xa, start + timedelta(minutes=3 * i), 90,
                          title=f"Hội nghị trực tuyến {i}", mode="hybrid", participants=["00004"],
                          rooms=list(hall) if i % 2 else list(reversed(hall)))
              for i in range(WORKERS)]

    def post(index, _prepared):
        return live_api("/api/v1/meetings", bodies[index], tokens[index])

    results = race(WORKERS, post)
    statuses = sorted(r[0] if isinstance(r, tuple) else repr(r) for r in results)
    assert statuses == [201] + [409] * (WORKERS - 1), results
    [won] = [body for status, body in results if status == 201]
    for status, body in results:
        if status == 409:
            assert body["error"]["code"] == "conflict"
            assert {c["meeting_id"] for c in body["error"]["details"]["conflicts"]} == {won["id"]}
    stored_once()
    assert count(Reservation) == 2 + 2  # two rooms, Phúc Xá's and Trúc Bạch's endpoints


def test_the_database_not_the_check_decides_the_race(app, tree, hall, bookers, monkeypatch,
                                                     is_postgres):
    """Two bookings of one room; each one's free check, once done, waits for the other's
    check before inserting.

    PostgreSQL: both checks find the room free (neither has inserted yet); the exclusion
    constraint refuses the second insert. SQLite: the second booking cannot check before the
    first has committed (it waits for the write lock), so its check finds the first booking.
    Without the database's guard both would commit."""
    real = conflicts.find_conflicts
    both_checked = threading.Barrier(2)
    verdicts = []  # conflicts found by each booking's check, in the order the checks ran
    first_call = threading.local()

    def racing_check(needs, *args, **kwargs):
        found = real(needs, *args, **kwargs)
        if getattr(first_call, "done", False):  # describing the clash after the insert failed
            return found
        first_call.done = True
        verdicts.append(len(found))
        try:
            both_checked.wait(timeout=HOLD_SECONDS)
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(conflicts, "find_conflicts", racing_check)
    requests = [request_for(tree.phuc_xa, at(9, 9, 15 * i), rooms=[hall[0]], title=f"Họp {i}")
                for i in range(2)]
    (winner_id, winner_title), [loser] = outcome(race(2, ServiceBooking(app, bookers, requests)))
    assert_loser_names(loser, winner_id, winner_title)
    if is_postgres:
        assert verdicts == [0, 0]  # the check let both through; the constraint refused one
    else:
        assert verdicts == [0, 1]  # the second check ran after the first booking committed
    stored_once()


def test_postgres_constraint_refuses_what_a_blind_check_lets_through(app, tree, hall, bookers,
                                                                     monkeypatch, is_postgres):
    """With the check before the insert finding nothing, racing bookings still cannot both
    commit on PostgreSQL: the exclusion constraint refuses all but one, and each loser gets
    the 409 naming the winner. (SQLite has no such constraint: there the write transaction
    keeps the check itself race-free, shown by the test above.)"""
    if not is_postgres:
        pytest.skip("the exclusion constraint exists on PostgreSQL only")
    real = conflicts.find_conflicts
    first_call = threading.local()

    def blind_check(needs, *args, **kwargs):
        if getattr(first_call, "done", False):
            return real(needs, *args, **kwargs)
        first_call.done = True
        return []

    monkeypatch.setattr(conflicts, "find_conflicts", blind_check)
    requests = [request_for(tree.phuc_xa, at(10, 8, 5 * i), rooms=[hall[0]], mode="online",
                            title=f"Họp {i}", participants=["00004"]) for i in range(WORKERS)]
    (winner_id, winner_title), losers = outcome(race(WORKERS, ServiceBooking(app, bookers, requests)))
    for err in losers:
        assert_loser_names(err, winner_id, winner_title)
    stored_once()


def test_racing_reschedules_into_one_slot_exactly_one_wins(app, tree, hall, bookers):
    """Two booked meetings moved (PATCH) into the same free slot at once."""
    ids = []
    for index, hour in enumerate((8, 10)):
        meeting = services.book_meeting(db.session.get(User, bookers[index]), request_for(
            tree.phuc_xa, at(11, hour), rooms=[hall[0]], title=f"Họp {hour} giờ"))
        db.session.commit()
        ids.append(meeting.id)
    target = at(11, 14)

    class Reschedule(ServiceBooking):
        def change(self, index, user):
            return services.update_meeting(user, queries.get_meeting(ids[index]), {
                "start": (target + timedelta(minutes=10 * index)).isoformat(),
                "end": (target + timedelta(minutes=60 + 10 * index)).isoformat()})

    (winner_id, winner_title), [loser] = outcome(race(2, Reschedule(app, bookers, [])))
    assert_loser_names(loser, winner_id, winner_title)
    fresh_view()
    starts = sorted(db.session.scalars(sa.select(Occurrence.start_at)))
    assert len(starts) == 2 and sum(s >= target for s in starts) == 1
