"""Booking meetings: the one place where meetings are created and changed.

Web pages and the JSON API call these functions; they check permissions, validate, check
conflicts inside `write_transaction()` (SQLite: the write lock is taken before the check, so
check-then-insert cannot interleave; PostgreSQL: the exclusion constraint backs the check),
record an audit entry, tell listeners through `meeting_changed`, and only flush — the caller
commits once.

Rooms: a meeting may use the rooms of its host unit's subtree and any room of a unit the booker
may book for (see booking.authorise_rooms).
"""
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload
from flask_babel import gettext as _

from ..audit.services import diff, record
from .booking import audit_view, ensure_can_change  # noqa: F401
from ..core.access import reach, reach_condition, require, unit_ids_in_reach
from ..core.db_setup import write_transaction
from ..core.errors import NotFound
from ..core.timeutil import utcnow
from ..extensions import db
from ..rooms.models import Room
from ..units.models import Unit
from . import booking, bridges
from . import conflicts as conflict_rules
from .events import meeting_changed
from .inputs import MeetingInput, invalid, parse_meeting_input
from .lifecycle import (approve_meeting, cancel_meeting, cancel_occurrence,  # noqa: F401
                        decline_meeting, move_occurrence, restore_occurrence, set_held_mode)
from .models import Meeting, Occurrence, Reservation, meeting_room
from .queries import text_condition
from .serializers import involving, meeting_to_dict  # noqa: F401
from .updating import update_meeting  # noqa: F401

def get_meeting(meeting_id) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id) if isinstance(meeting_id, int) else None
    if meeting is None:
        raise NotFound(_("Không tìm thấy cuộc họp."))
    return meeting


def get_occurrence(meeting: Meeting, occurrence_id) -> Occurrence:
    occ = db.session.get(Occurrence, occurrence_id) if isinstance(occurrence_id, int) else None
    if occ is None or occ.meeting_id != meeting.id:
        raise NotFound(_("Không tìm thấy buổi họp này trong chuỗi."))
    return occ


def book_meeting(actor, data: dict) -> Meeting:
    """Create a meeting (a series when data has an rrule). See the module docstring."""
    require("book", user=actor)
    # the input is read inside the write transaction: on SQLite, starting it rolls back the
    # request's read transaction, which would expire (and reload one by one) every unit and
    # room the input named
    with write_transaction():
        values = parse_meeting_input(data)
        require("book", values.host_unit, user=actor)
        booking.authorise_rooms(actor, values.host_unit, values.rooms)
        endpoint_ids = booking.endpoint_plan(values.host_unit, values.participants,
                                             values.mode in ("online", "hybrid"),
                                             hybrid=values.mode == "hybrid")
        kept, skipped = _apply_skips(values)
        booking.check_room_rules(values.rooms, [values.instances[i] for i in kept],
                                 values.holiday_override_reason)
        kept, skipped = _check_free(values, endpoint_ids, kept, skipped)
        meeting = _create(actor, values, endpoint_ids, kept, skipped)
        record(actor, "meeting.create", "meeting", meeting.id, unit=meeting.host_unit,
               summary=meeting.title, changes=diff({}, audit_view(meeting)))
        meeting_changed(meeting, "created")
    return meeting


def _apply_skips(values: MeetingInput):
    """Instances the booker asked to leave out (skip_dates) become EXDATEs."""
    from .series import local_day

    kept, skipped = [], []
    for index, (start, _end) in enumerate(values.instances):
        (skipped if values.rrule and local_day(start) in values.skip_dates else kept).append(index)
    if not kept:
        raise invalid({"skip_dates": _("Không còn buổi họp nào sau khi bỏ các ngày đã chọn.")})
    return kept, skipped


def _check_free(values: MeetingInput, endpoint_ids, kept, skipped):
    online = values.mode in ("online", "hybrid")
    needs = conflict_rules.needs_for(values.instances, values.rooms, endpoint_ids, online)
    needs = [n for n in needs if n.instance in set(kept)]
    found = conflict_rules.find_conflicts(needs)
    if not found:
        return kept, skipped
    clashing = {item["instance"] for item in found}
    if values.rrule and values.on_conflict == "skip" and clashing != set(kept):
        return [i for i in kept if i not in clashing], sorted(skipped + list(clashing))
    raise booking.conflict_error(found, needs, values.instances, values.rooms)


def _create(actor, values: MeetingInput, endpoint_ids, kept, skipped) -> Meeting:
    needs_approval = any(room.requires_approval for room in values.rooms)
    meeting = Meeting(
        title=values.title, category=values.category, host_unit=values.host_unit,
        chair=values.chair, start_at=values.instances[0][0], end_at=values.instances[0][1],
        mode=values.mode, paperless=values.paperless, agenda=values.agenda,
        conclusion=values.conclusion, rrule=values.rrule,
        status="pending" if needs_approval else "scheduled", uid=f"{uuid.uuid4()}@lichhop",
        holiday_override_reason=values.holiday_override_reason, created_by_id=actor.id,
        exdates=[values.instances[i][0].isoformat() for i in skipped], sequence=0)
    meeting.participants = list(values.participants)
    meeting.rooms = list(values.rooms)
    online = values.mode in ("online", "hybrid")
    for index in kept:
        start, end = values.instances[index]
        meeting.occurrences.append(booking.new_occurrence(start, end, start, meeting.status,
                                                          values.mode))
    if all(o.status == "held" for o in meeting.occurrences):
        meeting.status = "held"
    if online:
        meeting.join_url = bridges.get_bridge().join_url(meeting)
    db.session.add(meeting)
    needs = [n for n in conflict_rules.needs_for(values.instances, values.rooms, endpoint_ids, online)
             if n.instance in set(kept)]
    sittings, room_ids = list(meeting.occurrences), [r.id for r in values.rooms]
    booking.flush_guarded(needs, values.instances, values.rooms, rows=lambda: (
        booking.reservation_rows(sittings, room_ids, endpoint_ids, online)))
    return meeting


def find_occurrences(viewer, start: datetime, end: datetime, unit=None, room=None, rooms=None,
                     words: str | None = None, after: tuple[datetime, int] | None = None,
                     limit: int | None = None, with_agenda: bool = False) -> list[Occurrence]:
    """Sittings overlapping [start, end) of meetings hosted by or involving `unit` (or using
    `room`, or any of `rooms`), limited to the units the viewer may see; all of them for an
    admin. `words` narrows them to the meetings the text search finds (see queries.py). In
    (start, id) order: `after` continues a page that ended at that sitting.

    Each sitting comes with its meeting, host unit, participants and rooms, read in one
    statement per kind whatever the number of sittings (calendars and lists show them all);
    `with_agenda` reads their agenda items too (the printed work schedule lists them)."""
    if rooms is not None and not rooms:
        return []
    query = (sa.select(Occurrence).join(Meeting, Occurrence.meeting_id == Meeting.id)
             .where(Occurrence.overlapping(start, end))
             .options(contains_eager(Occurrence.meeting).options(
                 joinedload(Meeting.host_unit), selectinload(Meeting.participants),
                 selectinload(Meeting.rooms)))
             .order_by(Occurrence.start_at, Occurrence.id))
    if with_agenda:
        query = query.options(contains_eager(Occurrence.meeting).selectinload(Meeting.agenda_items))
    if words:
        query = query.where(text_condition(words))
    if unit is not None:
        require("view", unit, user=viewer)
        query = query.where(involving([unit.id]))
    for one in ([room] if room is not None else list(rooms or ())):
        require("view", one.unit, user=viewer)
    if room is not None or rooms:
        ids = [room.id] if room is not None else [r.id for r in rooms]
        query = query.where(Meeting.id.in_(sa.select(meeting_room.c.meeting_id)
                                           .where(meeting_room.c.room_id.in_(ids))))
    if unit is None and room is None and rooms is None:
        require("view", user=viewer)
        in_reach = unit_ids_in_reach(viewer, "view")
        if in_reach is not None:
            query = query.where(involving(in_reach))
    if after is not None:
        after_start, after_id = after
        query = query.where(sa.or_(Occurrence.start_at > after_start,
                                   sa.and_(Occurrence.start_at == after_start,
                                           Occurrence.id > after_id)))
    if limit is not None:
        query = query.limit(limit)
    return list(db.session.scalars(query).unique())


def rooms_busy(room_ids, start: datetime, end: datetime) -> dict[int, tuple]:
    """room id -> (title, start, end) of a live sitting holding it within [start, end)."""
    if not room_ids:
        return {}
    rows = db.session.execute(
        sa.select(Reservation.resource_id, Meeting.title, Occurrence.start_at, Occurrence.end_at)
        .join(Occurrence, Reservation.occurrence_id == Occurrence.id)
        .join(Meeting, Occurrence.meeting_id == Meeting.id)
        .where(Reservation.resource_kind == "room", Reservation.active.is_(True),
               Reservation.resource_id.in_(room_ids), Reservation.starts_at < end,
               Reservation.ends_at > start)
        .order_by(Occurrence.start_at))
    busy: dict[int, tuple] = {}
    for room_id, title, sitting_start, sitting_end in rows:
        busy.setdefault(room_id, (title, sitting_start, sitting_end))
    return busy


def _pending_approvals_query(user):
    """Bookings waiting for this user's decision: pending meetings in a room that requires
    approval and belongs to a unit the user manages (None: the user approves nothing)."""
    if reach(user, "manage") is None:
        return None
    rooms = (sa.select(Room.id).join(Unit, Room.unit_id == Unit.id)
             .where(Room.requires_approval.is_(True), reach_condition(user, "manage")))
    return sa.select(Meeting).where(
        Meeting.status == "pending",
        Meeting.id.in_(sa.select(meeting_room.c.meeting_id).where(meeting_room.c.room_id.in_(rooms))))


def pending_approvals(user, offset: int = 0, limit: int | None = None) -> list[Meeting]:
    query = _pending_approvals_query(user)
    if query is None:
        return []
    return list(db.session.scalars(
        query.order_by(Meeting.start_at, Meeting.id)
        .options(joinedload(Meeting.host_unit), selectinload(Meeting.participants),
                 selectinload(Meeting.rooms), selectinload(Meeting.occurrences))
        .offset(offset).limit(limit)))


def pending_approval_count(user) -> int:
    """How many bookings wait for the user (the count beside "Duyệt lịch" in the menu)."""
    query = _pending_approvals_query(user)
    if query is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
