"""Booking meetings: the one place where meetings are created and changed.

Web pages and the JSON API call these functions. Every change takes the same three steps:
- plan: the parsed request (and, for a change, the meeting as it stands, read as plain data)
  becomes the intended sittings and reservations (planning.py, pure);
- check: every rule once — video conference, sittings left, the rooms' hours, length, advance
  and holidays, clashes with other bookings — all problems returned together (checking.py,
  pure; the data it needs is read before it: booking.vc_of, booking.overlapping);
- apply: inside `write_transaction()` / the meeting's lock (`changing`), write the plan, record
  an audit entry and tell listeners once through `meeting_changed`; only flush — the caller
  commits once.
SQLite takes the write lock before the check, so check-then-insert cannot interleave;
on PostgreSQL the exclusion constraint backs the check (booking.flush_guarded).

Rooms: a meeting may use the rooms of its host unit's subtree and any room of a unit the booker
may book for (see booking.authorise_rooms).
"""
import uuid

from ..audit.services import diff, record
from .booking import audit_view
from ..core.access import require
from ..core.db_setup import write_transaction
from ..core.timeutil import today_local, utcnow
from ..extensions import db
from . import booking, bridges, checking, planning
from . import conflicts as conflict_rules
from .events import meeting_changed
from .inputs import Booking, read_meeting
# the rest of the writes, so that pages and the API find every change of a meeting here
from .lifecycle import (approve_meeting, cancel_meeting, cancel_occurrence,  # noqa: F401
                        decline_meeting, move_occurrence, restore_occurrence, set_held_mode)
from .models import Meeting
from .updating import update_meeting  # noqa: F401


def book_meeting(actor, data: dict) -> Meeting:
    """Create a meeting (a series when data has an rrule): plan, check, apply. See the module
    docstring."""
    require("book", user=actor)
    # the input is read inside the write transaction: on SQLite, starting it rolls back the
    # request's read transaction, which would expire (and reload one by one) every unit and
    # room the input named
    with write_transaction():
        values = read_meeting(data)
        require("book", values.host_unit, user=actor)
        booking.authorise_rooms(actor, values.host_unit, values.rooms)
        plan = planning.plan_booking(
            values, booking.vc_of(values.host_unit, values.participants, values.mode),
            conflict_rules.lead_time(), utcnow())
        found = booking.overlapping(plan)
        booking.refuse(checking.check(plan, values.rooms, values.host_unit,
                                      values.holiday_override_reason, today_local(), found),
                       plan, values.rooms)
        if plan.skips_clashes:
            plan = planning.leave_out(plan, planning.clashing_instances(found))
        meeting = _create(actor, values, plan)
        record(actor, "meeting.create", "meeting", meeting.id, unit=meeting.host_unit,
               summary=meeting.title, changes=diff({}, audit_view(meeting)))
        meeting_changed(meeting, "created")
    return meeting


def _create(actor, values: Booking, plan: planning.Plan) -> Meeting:
    """Write the planned meeting, its sittings and their reservations."""
    meeting = Meeting(
        title=values.title, category=values.category, host_unit=values.host_unit,
        chair=values.chair, start_at=values.instances[0][0], end_at=values.instances[0][1],
        mode=values.mode, paperless=values.paperless, agenda=values.agenda,
        conclusion=values.conclusion, rrule=values.rrule, status=plan.meeting_status,
        uid=f"{uuid.uuid4()}@lichhop", holiday_override_reason=values.holiday_override_reason,
        created_by_id=actor.id, exdates=list(plan.skipped), sequence=0)
    meeting.participants = list(values.participants)
    meeting.rooms = list(values.rooms)
    meeting.occurrences.extend(booking.occurrence_of(sitting) for sitting in plan.sittings)
    if plan.online:
        meeting.join_url = bridges.get_bridge().join_url(meeting)
    db.session.add(meeting)
    sittings = list(meeting.occurrences)
    booking.flush_guarded(plan.needs, list(plan.instances), values.rooms, rows=lambda: (
        booking.reservation_rows(sittings, plan.room_ids, plan.endpoint_ids, plan.online)))
    return meeting
