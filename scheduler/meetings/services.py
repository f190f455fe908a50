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

from flask_babel import gettext as _

from ..audit.services import diff, record
from .booking import audit_view
from ..core.access import require
from ..core.db_setup import write_transaction
from ..extensions import db
from . import booking, bridges
from . import conflicts as conflict_rules
from .events import meeting_changed
from .inputs import MeetingInput, invalid, parse_meeting_input
# the rest of the writes, so that pages and the API find every change of a meeting here
from .lifecycle import (approve_meeting, cancel_meeting, cancel_occurrence,  # noqa: F401
                        decline_meeting, move_occurrence, restore_occurrence, set_held_mode)
from .models import Meeting
from .updating import update_meeting  # noqa: F401


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


