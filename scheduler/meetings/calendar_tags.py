"""Calendar tags: a cheap answer to "has this unit's calendar changed?", and the cache of
what the calendar pages and the API's lists build, checked against it.

Like a CalDAV server's collection tag (CTag), each unit has a tag (CalendarTag) that every
change of its calendar replaces with a new random number, in the same transaction as the
change:
  - a meeting the unit hosts, takes part in or holds in one of its rooms is booked, changed
    (title, time, mode, participants, rooms, status, approval), cancelled or deleted, or one of
    its sittings is moved, cancelled, restored or marked held — for the units it involved
    before the change too;
  - unit 0 stands for every calendar: a unit or a room is added or changed (their names and
    paths show in every calendar), or a bulk statement writes meetings, sittings, units or
    rooms without naming them one by one.
The tags are drawn just before the commit, in one statement in unit order: two transactions
wait for each other there for the moment of a commit and never deadlock. The session events
below see every change made through the ORM, from the booking service to the job runner, on
every application node; a change made outside the application (psql) shows once the cache's
timeout (CACHE_DEFAULT_TIMEOUT) has passed.

Reading: `cached(kind, unit_ids, key, build)` keeps what it builds in CALENDAR_PAGES (one of
the caches of core/cache.py) with the tags as its version keys. It reads the tags of the units
(and unit 0) in one statement *before* `build` reads the data, so under READ COMMITTED a change
that commits in between leaves newer data under the older tags, never the reverse; the next
reader, seeing the new tags, builds again. The tags are random rather than counted so that a
value seen once is never seen again for other data (an emptied database, a restored backup).
"""
import secrets
from collections.abc import Callable, Iterable
from itertools import chain

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..core.cache import Cache, pure_function
from ..core.navigation import read_menu_counts_beside
from ..extensions import db
from ..rooms.models import Room
from ..units.models import Unit
from .models import CalendarTag, Meeting, Occurrence, meeting_participant, meeting_room

EVERY_CALENDAR = 0
_TOUCHED = "calendar_tags_touched"
# tables a bulk statement (session.execute(update(...))) may change calendars through
_WATCHED_TABLES = {"meeting", "occurrence", "meeting_participant", "meeting_room", "unit", "room"}


def touched_meetings(session) -> tuple[set, list]:
    """(ids of stored meetings, meeting objects) whose sittings or facts the pending flush may
    change: the meetings in the session's new, dirty and deleted objects and those of the
    sittings there. Shared with the reports' running counts (reports/tally.py)."""
    ids, objects = set(), []
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Occurrence):
            meeting = obj.__dict__.get("meeting")
            if meeting is not None:
                objects.append(meeting)
            if obj.meeting_id is not None:
                ids.add(obj.meeting_id)
        elif isinstance(obj, Meeting):
            objects.append(obj)
            if obj.id is not None:
                ids.add(obj.id)
    return ids, objects


# -- drawing new tags ------------------------------------------------------------------------
def _touched(session) -> dict:
    return session.info.setdefault(_TOUCHED, {"units": set(), "meetings": set(), "objects": []})


def _units_left_behind(meeting: Meeting, deleted: bool) -> set[int]:
    """Units the meeting stops involving with this flush (their calendars lose it): the old
    host, removed participants, the owners of removed rooms; all of them for a deletion. Read
    from the attribute history, which loads nothing that was not loaded."""
    state = sa.inspect(meeting)
    units = {v for v in state.attrs.host_unit_id.history.deleted if v is not None}
    host = state.attrs.host_unit.history
    units |= {u.id for u in host.deleted if u is not None}
    units |= {u.id for u in state.attrs.participants.history.deleted}
    units |= {r.unit_id for r in state.attrs.rooms.history.deleted}
    if deleted:
        units.add(meeting.host_unit_id)
        units |= {u.id for u in meeting.participants} | {r.unit_id for r in meeting.rooms}
    return {u for u in units if u is not None}


def _before_flush(session, _context, _instances):
    ids, objects = touched_meetings(session)
    directory = any(isinstance(obj, (Unit, Room)) and (obj not in session.dirty or session.is_modified(obj))
                    for obj in chain(session.new, session.dirty, session.deleted))
    if not ids and not objects and not directory:
        return
    touched = _touched(session)
    if directory:
        touched["units"].add(EVERY_CALENDAR)
    touched["meetings"] |= ids
    touched["objects"].extend(objects)
    with session.no_autoflush:
        for meeting in objects:
            touched["units"] |= _units_left_behind(meeting, meeting in session.deleted)


def _on_execute(state):
    """A bulk INSERT, UPDATE or DELETE through the session on a table calendars show: which
    units it touched is not known, so every calendar changes."""
    if state.is_select:
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _WATCHED_TABLES:
        _touched(state.session)["units"].add(EVERY_CALENDAR)


def _involved_units(session, meeting_ids) -> set[int]:
    """Hosts, participants and room owners of the meetings, as stored now."""
    units: set[int] = set()
    ids = sorted(meeting_ids)
    for first in range(0, len(ids), 500):
        chunk = ids[first:first + 500]
        units.update(session.scalars(sa.union(
            sa.select(Meeting.host_unit_id).where(Meeting.id.in_(chunk)),
            sa.select(meeting_participant.c.unit_id).where(meeting_participant.c.meeting_id.in_(chunk)),
            sa.select(Room.unit_id).join(meeting_room, meeting_room.c.room_id == Room.id)
            .where(meeting_room.c.meeting_id.in_(chunk)))))
    return units


def _before_commit(session):
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the commit would flush next: its changes are collected now
    touched = session.info.pop(_TOUCHED, None)
    if not touched:
        return
    meeting_ids = touched["meetings"] | {m.id for m in touched["objects"] if m.id is not None}
    units = touched["units"] | _involved_units(session, meeting_ids)
    draw(session, units)


def draw(session, unit_ids: Iterable[int]) -> None:
    """New tags for these units' calendars, in unit order (one statement)."""
    rows = [{"unit_id": unit_id, "tag": secrets.randbits(62)} for unit_id in sorted(set(unit_ids))]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(CalendarTag)
    session.execute(statement.on_conflict_do_update(
        index_elements=[CalendarTag.unit_id], set_={"tag": statement.excluded.tag}), rows)


def _after_transaction_end(session, transaction):
    if transaction.parent is None:  # the whole transaction is over, committed or not
        session.info.pop(_TOUCHED, None)


def register() -> None:
    """Draw tags with every commit of every session (meetings.init_app calls this; idempotent)."""
    for name, listener in (("before_flush", _before_flush), ("do_orm_execute", _on_execute),
                           ("before_commit", _before_commit),
                           ("after_transaction_end", _after_transaction_end)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


# -- reading through the cache ---------------------------------------------------------------
# built once (with its cache key): every cached page reads it
_TAGS_OF = sa.select(CalendarTag.unit_id, CalendarTag.tag).where(
    CalendarTag.unit_id.in_(sa.bindparam("ids", expanding=True)))


def tags_of(unit_ids: Iterable[int]) -> tuple[tuple[int, int], ...]:
    """((unit id, tag), …) of these units and of every calendar (0), in one statement; 0 for
    a unit that has no tag yet."""
    wanted = sorted({EVERY_CALENDAR, *unit_ids})
    found = dict(db.session.execute(_TAGS_OF, {"ids": wanted}).all())
    return tuple((unit_id, found.get(unit_id, 0)) for unit_id in wanted)


# called by every week page; a handful of counts (the units a page shows, and unit 0)
@pure_function("calendar tag columns", size=None)
def _tag_columns(count: int) -> tuple:
    """The tags of `count` units as scalar subqueries (parameters unit_0, unit_1, …)."""
    return tuple(sa.select(CalendarTag.tag).where(CalendarTag.unit_id == sa.bindparam(f"unit_{i}"))
                 .scalar_subquery().label(f"tag_{i}") for i in range(count))


def tags_and_menu_counts(unit_ids: Iterable[int]) -> tuple[tuple[tuple[int, int], ...], dict]:
    """(tags_of(unit_ids), the signed-in user's menu counts) in one statement: a cached page
    reads nothing else before its menu."""
    wanted = sorted({EVERY_CALENDAR, *unit_ids})
    row, counts = read_menu_counts_beside(("calendar_tags", len(wanted)), _tag_columns(len(wanted)),
                                          {f"unit_{i}": unit_id for i, unit_id in enumerate(wanted)})
    return tuple((unit_id, row[i] or 0) for i, unit_id in enumerate(wanted)), counts


# the week pages' bodies and the API's meeting lists (CALENDAR_CACHE=0 turns it off)
CALENDAR_PAGES = Cache(
    "calendar pages", store="shared", switch="calendar_cache",
    stale_when="a change of a calendar shown (unit 0: of every calendar) draws it a new tag")


def cached(kind: str, unit_ids: Iterable[int], key: tuple, build: Callable, tags=None):
    """What `build()` returns for `key`, from CALENDAR_PAGES while the calendars of `unit_ids`
    keep the tags they had when it was built (`tags`: as tags_of(unit_ids) gave them, when the
    caller read them already). `key` must hold everything else the result depends on (the
    viewer's reach, the locale, today's date, the request's arguments); `build`'s result
    must pickle (text, bytes, plain data — not ORM objects)."""
    versions = (lambda: tags_of(unit_ids)) if tags is None else tags
    return CALENDAR_PAGES.get((kind, key), build, versions=versions)
