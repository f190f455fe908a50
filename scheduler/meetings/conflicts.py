"""Which rooms and endpoints a meeting takes, whether they are free, and the next free slot.

Intervals are half-open [start, end): a meeting ending at 10:00 and one starting at 10:00 do
not clash. An online or hybrid meeting takes the endpoint of its host and of every
participating unit from ENDPOINT_TEST_LEAD_MINUTES before its start (connection test).

Every lookup filters `resource_kind = ? AND resource_id IN (…) AND starts_at` within a bounded
range, which is exactly the ix_reservation_resource index; the lower bound exists because no
reservation is longer than MAX_MEETING_HOURS plus the lead time, so the index range stays
small however long the history grows.
"""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.timeutil import LOCAL_TZ, to_local, today_local
from ..core.settings import settings
from ..endpoints.facts import facts_on
from ..endpoints.models import Endpoint
from ..extensions import db
from ..rooms.models import Room
from ..units.models import Unit
from . import rules
from .inputs import MAX_MEETING_HOURS
from .models import Meeting, Occurrence, Reservation
from .planning import Need

RESERVATION_REACH = timedelta(hours=MAX_MEETING_HOURS + 24)
NEXT_FREE_WINDOW = timedelta(days=30)
SLOT_STEP_MINUTES = 15


def lead_time() -> timedelta:
    return timedelta(minutes=settings().endpoint_test_lead_minutes)


def vc_endpoints(units) -> dict[int, int]:
    """unit id -> the endpoint the unit joins with: its first active endpoint with video
    conference deployed, for units whose video conference is in service today (a recorded
    loss counts: endpoints/facts.py). A unit missing from the result cannot join an online meeting."""
    ids = [u.id for u in units]
    if not ids:
        return {}
    rows = dict(db.session.execute(
        sa.select(Endpoint.unit_id, sa.func.min(Endpoint.id))
        .where(Endpoint.unit_id.in_(ids), Endpoint.active.is_(True),
               Endpoint.vc_deployed_on.is_not(None))
        .group_by(Endpoint.unit_id)).all())
    if not rows:
        return rows
    in_service = facts_on(list(rows), today_local())
    return {uid: ep for uid, ep in rows.items() if in_service[uid]["vc"]}


def _busy_query(kind, ids, lower, upper, exclude_meeting_id=None, exclude_occurrence_id=None):
    query = (
        sa.select(Reservation.resource_kind, Reservation.resource_id, Reservation.starts_at,
                  Reservation.ends_at, Occurrence.start_at, Occurrence.end_at, Meeting.id,
                  Meeting.title, Unit.code, Unit.name)
        .join(Occurrence, Reservation.occurrence_id == Occurrence.id)
        .join(Meeting, Occurrence.meeting_id == Meeting.id)
        .join(Unit, Meeting.host_unit_id == Unit.id)
        .where(Reservation.resource_kind == kind, Reservation.resource_id.in_(ids),
               Reservation.starts_at < upper, Reservation.starts_at >= lower - RESERVATION_REACH,
               Reservation.ends_at > lower, Reservation.active.is_(True)))
    if exclude_meeting_id is not None:
        query = query.where(Occurrence.meeting_id != exclude_meeting_id)
    if exclude_occurrence_id is not None:
        query = query.where(Reservation.occurrence_id != exclude_occurrence_id)
    return db.session.execute(query).all()


def _by_instance(needs):
    grouped: dict[int, dict[str, list[Need]]] = {}
    for need in needs:
        grouped.setdefault(need.instance, {}).setdefault(need.kind, []).append(need)
    return grouped


def find_conflicts(needs: list[Need], exclude_meeting_id=None, exclude_occurrence_id=None) -> list[dict]:
    """Every active reservation clashing with a need, described for the person booking."""
    labels = _Labels()
    conflicts, seen = [], set()
    for instance, kinds in sorted(_by_instance(needs).items()):
        for kind, wanted in kinds.items():
            lower = min(n.starts_at for n in wanted)
            upper = max(n.ends_at for n in wanted)
            windows = {n.resource_id: n for n in wanted}
            for row in _busy_query(kind, list(windows), lower, upper, exclude_meeting_id,
                                   exclude_occurrence_id):
                need = windows[row.resource_id]
                if not (row.starts_at < need.ends_at and row.ends_at > need.starts_at):
                    continue
                key = (instance, row.id, kind, row.resource_id, row.start_at)
                if key in seen:
                    continue
                seen.add(key)
                conflicts.append({
                    "meeting_id": row.id, "title": row.title, "unit": row.code,
                    "unit_name": row.name, "start": to_local(row.start_at).isoformat(),
                    "end": to_local(row.end_at).isoformat(),
                    "resource": labels.label(kind, row.resource_id),
                    "resource_kind": kind, "resource_id": row.resource_id,
                    "instance": instance,
                })
    return conflicts


class _Labels:
    """Readable names of rooms and endpoints, looked up once each."""

    def __init__(self):
        self.cache = {}

    def label(self, kind, resource_id):
        key = (kind, resource_id)
        if key not in self.cache:
            if kind == "room":
                room = db.session.get(Room, resource_id)
                self.cache[key] = (_("Phòng họp: %(name)s", name=room.name) if room
                                   else _("Phòng họp #%(id)d", id=resource_id))
            else:
                ep = db.session.get(Endpoint, resource_id)
                self.cache[key] = (_("Điểm cầu: %(name)s (%(unit)s)", name=ep.name, unit=ep.unit.name)
                                   if ep else _("Điểm cầu #%(id)d", id=resource_id))
        return self.cache[key]


def next_free(needs_of_one: list[Need], start: datetime, end: datetime, rooms,
              exclude_meeting_id=None, exclude_occurrence_id=None) -> dict | None:
    """The first slot of the same length, from `start` on and within NEXT_FREE_WINDOW, where
    every room and endpoint asked for is free and the rooms' rules allow it."""
    duration = end - start
    limit = start + NEXT_FREE_WINDOW
    lead = lead_time()
    # a reservation [s, e) rules out every start c with s - duration < c < e (+ lead for an
    # endpoint, whose reservation would begin `lead` before c)
    blocked = []
    for kind in ("room", "endpoint"):
        ids = sorted({n.resource_id for n in needs_of_one if n.kind == kind})
        if not ids:
            continue
        pad = lead if kind == "endpoint" else timedelta(0)
        for row in _busy_query(kind, ids, start - pad, limit + duration, exclude_meeting_id,
                               exclude_occurrence_id):
            blocked.append((row.starts_at - duration, row.ends_at + pad))
    blocked.sort()
    candidate = start
    for _step in range(5000):
        if candidate >= limit:
            return None
        clash = next(((lo, hi) for lo, hi in blocked if lo < candidate < hi), None)
        if clash is not None:
            candidate = _round_up(clash[1])
            continue
        moved = rules.next_allowed_start(rooms, candidate, candidate + duration)
        if moved is None:
            return {"start": to_local(candidate).isoformat(),
                    "end": to_local(candidate + duration).isoformat()}
        if moved <= candidate:
            return None
        candidate = moved
    return None


def _round_up(value: datetime) -> datetime:
    local = value.astimezone(LOCAL_TZ)
    minutes = local.hour * 60 + local.minute
    extra = (-minutes) % SLOT_STEP_MINUTES
    if extra == 0 and local.second == 0 and local.microsecond == 0:
        return value
    if extra == 0:
        extra = SLOT_STEP_MINUTES
    return (local.replace(second=0, microsecond=0) + timedelta(minutes=extra)).astimezone(value.tzinfo)
