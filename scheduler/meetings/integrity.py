"""The invariants that tie a meeting's status, its sittings and their reservations together,
checked in SQL over the whole database: `flask --app wsgi check` (for operators, after a restore
or a crash) and the race tests.

- a live sitting (pending or scheduled) holds all its reservations, for its own time;
- a cancelled sitting holds none, a held one none beyond its end;
- no two active reservations of one room or endpoint overlap;
- a single meeting has at most one sitting that is not cancelled, and each live sitting holds
  every room of its meeting;
- a meeting's status is what its sittings make it (pending while one waits for approval,
  scheduled while one is to come, held once all not cancelled are held, else cancelled).
"""
import sqlalchemy as sa

from ..extensions import db
from .models import Meeting, Occurrence, Reservation, meeting_room

LIVE = ("pending", "scheduled")


def problems(limit: int = 1000) -> list[dict]:
    """Every row that breaks an invariant: {"rule", "meeting_id", "occurrence_id", "detail"}."""
    found: list[dict] = []
    for rule, query in _checks():
        for row in db.session.execute(query.limit(limit)):
            found.append({"rule": rule, "meeting_id": row.meeting_id,
                          "occurrence_id": getattr(row, "occurrence_id", None),
                          "detail": getattr(row, "detail", "")})
    return found


def _sitting_reservations():
    return (sa.select(Occurrence.meeting_id, Occurrence.id.label("occurrence_id"),
                      sa.literal("").label("detail"))
            .join(Reservation, Reservation.occurrence_id == Occurrence.id))


def _checks():
    yield "live sitting with a released reservation", _sitting_reservations().where(
        Occurrence.status.in_(LIVE), Reservation.active.is_(False))
    yield "live sitting reserving another time", _sitting_reservations().where(
        Occurrence.status.in_(LIVE), Reservation.active.is_(True),
        sa.or_(Reservation.ends_at != Occurrence.end_at,
               sa.and_(Reservation.resource_kind == "room",
                       Reservation.starts_at != Occurrence.start_at),
               Reservation.starts_at > Occurrence.start_at))
    yield "cancelled sitting still holding a reservation", _sitting_reservations().where(
        Occurrence.status == "cancelled", Reservation.active.is_(True))
    yield "held sitting holding a reservation beyond its end", _sitting_reservations().where(
        Occurrence.status == "held", Reservation.active.is_(True),
        Reservation.ends_at > Occurrence.end_at)
    yield "double booking", _overlaps()
    yield "single meeting with several sittings", (
        sa.select(Occurrence.meeting_id, sa.func.count().label("detail"))
        .join(Meeting, Meeting.id == Occurrence.meeting_id)
        .where(Meeting.rrule.is_(None), Occurrence.status != "cancelled")
        .group_by(Occurrence.meeting_id).having(sa.func.count() > 1))
    yield "live sitting not holding a room of its meeting", (
        sa.select(Occurrence.meeting_id, Occurrence.id.label("occurrence_id"),
                  meeting_room.c.room_id.label("detail"))
        .join(meeting_room, meeting_room.c.meeting_id == Occurrence.meeting_id)
        .where(Occurrence.status.in_(LIVE), ~sa.exists().where(
            Reservation.occurrence_id == Occurrence.id, Reservation.resource_kind == "room",
            Reservation.resource_id == meeting_room.c.room_id, Reservation.active.is_(True))))
    yield "meeting status disagrees with its sittings", _status_mismatch()


def _overlaps():
    a, b = sa.orm.aliased(Reservation), sa.orm.aliased(Reservation)
    oa = sa.orm.aliased(Occurrence)
    return (sa.select(oa.meeting_id, a.occurrence_id,
                      (a.resource_kind + sa.literal(" ") + sa.cast(a.resource_id, sa.String))
                      .label("detail"))
            .join(oa, oa.id == a.occurrence_id)
            .join(b, sa.and_(b.resource_kind == a.resource_kind,
                             b.resource_id == a.resource_id, b.id > a.id,
                             b.starts_at < a.ends_at, b.ends_at > a.starts_at))
            .where(a.active.is_(True), b.active.is_(True)))


def _status_mismatch():
    def has(status):
        return sa.func.sum(sa.case((Occurrence.status == status, 1), else_=0)) > 0

    expected = sa.case((has("pending"), "pending"), (has("scheduled"), "scheduled"),
                       (has("held"), "held"), else_="cancelled")
    per_meeting = (sa.select(Occurrence.meeting_id, expected.label("expected"))
                   .group_by(Occurrence.meeting_id).subquery())
    return (sa.select(Meeting.id.label("meeting_id"),
                      (Meeting.status + sa.literal(" ≠ ") + per_meeting.c.expected).label("detail"))
            .join(per_meeting, per_meeting.c.meeting_id == Meeting.id)
            .where(Meeting.status != per_meeting.c.expected))
