"""The running counts behind the target reports (OccurrenceTally), and reading them.

Keeping them: every flush that touches sittings or their meeting is bracketed by two small
queries — the meetings' contributions as stored before the flush and after it — and the
difference is added to the tally rows of the host unit and each of its ancestors (read off the
host's materialised path), in the same transaction. The contribution of a sitting follows the
report's own rules: none when it or its meeting is cancelled or it awaits approval; otherwise
"held" or "scheduled" as stored, online when its held mode (else the booked mode) is online or
hybrid, paperless when its meeting is (the paperless share's numerators). Whether a scheduled sitting whose end has passed counts as held is decided when reading,
since that depends on the moment of the report.

Writes that bypass the ORM (bulk loads of the demo data and the benchmarks) and changes of the
tree's paths call `rebuild()`.

Reading: a period is cut into half months. Whole half months come from the tally: long past
ones (every sitting ended) count their scheduled sittings as held, future ones as planned, and
for the one or two around the report's moment a narrow query over the sittings still scheduled
whose end has passed moves those from planned to held. Partial half months (the edges of a
custom range) are counted from the sittings directly, as before.
"""
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..core.timeutil import LOCAL_TZ, local_midnight_utc
from ..extensions import db
from ..meetings.inputs import MAX_MEETING_HOURS
from ..meetings.calendar_tags import touched_meetings
from ..meetings.models import ONLINE_MODES, Meeting, Occurrence
from ..units.models import Unit
from ..units.events import paths_moved
from .models import OccurrenceTally

COUNTS = ("held", "held_online", "scheduled", "scheduled_online", "held_paperless",
          "scheduled_paperless")
# a sitting lasts at most this long, so one starting in a half month has ended this long after it
LONGEST = timedelta(hours=MAX_MEETING_HOURS)
_PENDING = "occurrence_tally_before"


def half_month_of(day: date) -> int:
    return (day.year * 12 + day.month - 1) * 2 + (1 if day.day >= 15 else 0)


def half_month_days(index: int) -> tuple[date, date]:
    months, half = divmod(index, 2)
    year, month0 = divmod(months, 12)
    if not half:
        return date(year, month0 + 1, 1), date(year, month0 + 1, 14)
    following = date(year + (month0 == 11), 1 if month0 == 11 else month0 + 2, 1)
    return date(year, month0 + 1, 15), following - timedelta(days=1)


# -- keeping the counts ----------------------------------------------------------------------
def _counted_sittings(*conditions):
    """(host path, start, category, mode it counts in, status, paperless) of the sittings a
    report counts."""
    return (sa.select(Unit.path, Occurrence.start_at, Meeting.category,
                      sa.func.coalesce(Occurrence.held_mode, Meeting.mode), Occurrence.status,
                      Meeting.paperless)
            .select_from(Occurrence)
            .join(Meeting, Meeting.id == Occurrence.meeting_id)
            .join(Unit, Unit.id == Meeting.host_unit_id)
            .where(Meeting.status != "cancelled", Occurrence.status.in_(("held", "scheduled")),
                   *conditions))


def _empty() -> list[int]:
    return [0] * len(COUNTS)


def _add(counts: dict, path: str, start: datetime, category: str, mode: str, status: str,
         sign: int = 1, paperless: bool = False) -> None:
    if start.tzinfo is None:  # stored as UTC
        start = start.replace(tzinfo=timezone.utc)
    day = start.astimezone(LOCAL_TZ).date()
    online = sign if mode in ONLINE_MODES else 0
    paper = sign if paperless else 0
    vector = ((sign, online, 0, 0, paper, 0) if status == "held"
              else (0, 0, sign, online, 0, paper))
    half = half_month_of(day)
    for part in path.strip("/").split("/"):
        if part:
            slot = counts[(int(part), half, category)]
            for i, value in enumerate(vector):
                slot[i] += value


def contributions(connection, meeting_ids, sign: int = 1, counts=None) -> dict:
    counts = counts if counts is not None else defaultdict(_empty)
    ids = sorted(i for i in meeting_ids if i is not None)
    for start in range(0, len(ids), 500):
        for path, begins, category, mode, status, paperless in connection.execute(
                _counted_sittings(Occurrence.meeting_id.in_(ids[start:start + 500]))):
            _add(counts, path, begins, category, mode, status, sign, bool(paperless))
    return counts


def apply(connection, counts: dict) -> None:
    """Add the counts to the tally rows (created as needed), in key order so that two
    transactions touching the same rows on PostgreSQL wait for each other, never deadlock."""
    rows = [{"unit_id": unit_id, "half_month": half, "category": category,
             **dict(zip(COUNTS, vector))}
            for (unit_id, half, category), vector in sorted(counts.items()) if any(vector)]
    if not rows:
        return
    table = OccurrenceTally.__table__
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.unit_id, table.c.half_month, table.c.category],
        set_={name: table.c[name] + statement.excluded[name] for name in COUNTS})
    connection.execute(statement, rows)


def _before_flush(session, _context, _instances):
    session.info.pop(_PENDING, None)
    ids, objects = touched_meetings(session)
    if not ids and not objects:
        return
    with session.no_autoflush:
        before = contributions(session.connection(), ids, sign=-1)
    session.info[_PENDING] = (ids, objects, before)


def _after_flush(session, _context):
    pending = session.info.pop(_PENDING, None)
    if pending is None:
        return
    ids, objects, counts = pending
    ids = ids | {m.id for m in objects if m.id is not None}
    apply(session.connection(), contributions(session.connection(), ids, sign=1, counts=counts))


def _after_rollback(session):
    session.info.pop(_PENDING, None)


def register() -> None:
    """Keep the counts with every flush of every session, and recount when the tree's paths
    move (reports.init_app calls this; idempotent)."""
    for name, listener in (("before_flush", _before_flush), ("after_flush", _after_flush),
                           ("after_rollback", _after_rollback)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
    paths_moved.connect(_recount_after_move, weak=False)


def _recount_after_move(unit, **extra) -> None:
    """The counts are kept per ancestor: they moved with the subtree."""
    rebuild()


def rebuild(connection=None) -> int:
    """Recount every tally row from the sittings (after bulk loads or a change of the tree's
    paths). Returns the number of rows written."""
    connection = connection if connection is not None else db.session.connection()
    connection.execute(sa.delete(OccurrenceTally))
    counts = defaultdict(_empty)
    query = _counted_sittings()
    # streamed (a server-side cursor on PostgreSQL), set on the statement: set on the
    # connection it would outlive this query and break the executemany below
    for path, start, category, mode, status, paperless in connection.execute(
            query.execution_options(yield_per=20_000)):
        _add(counts, path, start, category, mode, status, paperless=bool(paperless))
    keys = sorted(counts)
    for first in range(0, len(keys), 10_000):
        apply(connection, {k: counts[k] for k in keys[first:first + 10_000]})
    return len(keys)


# -- reading them ----------------------------------------------------------------------------
def plan(period, now: datetime):
    """The period cut into (half month index or None for a partial span, first day, last day,
    outer bucket index), with the state of each whole half month: "settled", "open" or
    "future"."""
    buckets = period.buckets
    parts = []
    day = period.start
    while day <= period.end:
        index = half_month_of(day)
        first, last = half_month_days(index)
        span_last = min(last, period.end)
        outer = next(i for i, (_k, b_first, b_last) in enumerate(buckets) if b_first <= day <= b_last)
        whole = day == first and span_last == last
        state = None
        if whole:
            begins, ends = local_midnight_utc(first), local_midnight_utc(last + timedelta(days=1))
            state = "settled" if ends + LONGEST <= now else ("future" if begins > now else "open")
        parts.append((index if whole else None, day, span_last, outer, state))
        day = span_last + timedelta(days=1)
    return parts
