"""Changing a booking (PATCH semantics).

Fields not given keep their value. A change of time, place (rooms, mode) or participants
raises the iCalendar SEQUENCE and re-reserves; for a running series the sittings that have
already ended stay as they were held, and only the coming ones follow the new values (single
changes to coming sittings — moves, cancellations — give way to the new plan).
"""
from flask_babel import gettext as _

from ..audit.services import diff, record
from ..core.errors import Conflict, ValidationError
from ..core.timeutil import utcnow
from ..extensions import db
from . import booking, bridges
from . import conflicts as conflict_rules
from .events import meeting_changed
from .inputs import FIELDS, invalid, parse_meeting_input
from .locking import changing
from .series import local_day


def current_fields(meeting) -> dict:
    return {"title": meeting.title, "category": meeting.category,
            "host_unit": meeting.host_unit.code, "chair": meeting.chair,
            "start": meeting.start_at, "end": meeting.end_at, "mode": meeting.mode,
            "paperless": meeting.paperless, "rooms": [r.id for r in meeting.rooms],
            "participants": [u.code for u in meeting.participants], "agenda": meeting.agenda, "conclusion": meeting.conclusion,
            "rrule": meeting.rrule, "holiday_override_reason": meeting.holiday_override_reason}


def update_meeting(actor, meeting, data: dict, expected_version=None):
    if not isinstance(data, dict):
        raise ValidationError(_("Dữ liệu cuộc họp không hợp lệ."))
    unknown = sorted(str(k) for k in data if k not in FIELDS)
    if unknown:
        raise invalid({name: _("Trường này không sửa được (các trường sửa được: %(fields)s).",
                               fields=", ".join(FIELDS)) for name in unknown[:10]})
    with changing(meeting, expected_version):
        booking.ensure_can_change(actor, meeting)
        if meeting.status == "cancelled":
            raise Conflict(_("Cuộc họp đã bị hủy, không thể sửa."))
        values = parse_meeting_input({**current_fields(meeting), **data})
        if values.host_unit.id != meeting.host_unit_id:
            booking.ensure_can_change(actor, _Hosted(values.host_unit))
        booking.authorise_rooms(actor, values.host_unit, values.rooms)
        before = booking.audit_view(meeting)
        timing = (values.start != meeting.start_at or values.end != meeting.end_at
                  or values.rrule != meeting.rrule or bool(values.skip_dates))
        place = ({r.id for r in values.rooms} != {r.id for r in meeting.rooms}
                 or {u.id for u in values.participants} != {u.id for u in meeting.participants}
                 or values.mode != meeting.mode or values.host_unit.id != meeting.host_unit_id)
        if timing or place:
            _replan(actor, meeting, values, timing)
        _apply_fields(meeting, values)
        db.session.flush()
        after = booking.audit_view(meeting)
        if not (timing or place) and not diff(before, after):
            return meeting  # nothing changed: nothing to record or announce
        # every change of a meeting still to come sends the invitation again (a REQUEST, which
        # calendars apply only with a higher SEQUENCE); a past meeting's record sends none
        if timing or place or meeting.status != "held":
            meeting.sequence += 1
        meeting.version += 1
        record(actor, "meeting.update", "meeting", meeting.id, unit=meeting.host_unit,
               summary=meeting.title, changes=diff(before, after))
        meeting_changed(meeting, "rescheduled" if timing or place else "updated")
    return meeting


class _Hosted:
    def __init__(self, unit):
        self.host_unit = unit


def _apply_fields(meeting, values) -> None:
    for name in ("title", "category", "chair", "mode", "paperless", "agenda", "conclusion", "rrule",
                 "holiday_override_reason"):
        setattr(meeting, name, getattr(values, name))
    meeting.host_unit = values.host_unit
    meeting.participants = list(values.participants)
    meeting.rooms = list(values.rooms)
    if meeting.is_online and not meeting.join_url:
        meeting.join_url = bridges.get_bridge().join_url(meeting)
    elif not meeting.is_online:
        meeting.join_url = None


def _replan(actor, meeting, values, timing: bool) -> None:
    """Re-reserve the sittings still to come (all sittings of a single meeting)."""
    now = utcnow()
    online = values.mode in ("online", "hybrid")
    endpoint_ids = booking.endpoint_plan(values.host_unit, values.participants, online,
                                         hybrid=values.mode == "hybrid")
    past = [o for o in meeting.occurrences if meeting.rrule and o.end_at <= now]
    coming = [o for o in meeting.occurrences if o not in past]
    if timing:
        taken = {o.original_start for o in past}
        skip = values.skip_dates | {local_day(_parse(v)) for v in meeting.exdates or []}
        plan = [(s, e) for s, e in values.instances
                if s not in taken and not (values.rrule and (e <= now or local_day(s) in skip))]
        skipped = [s.isoformat() for s, _e in values.instances
                   if values.rrule and local_day(s) in skip and s not in taken]
    else:
        plan = [(o.start_at, o.end_at) for o in coming if o.status != "cancelled"]
        skipped = list(meeting.exdates or [])
    if not plan:
        raise booking.invalid({"rrule": _("Không còn buổi họp nào sắp tới theo lịch mới.")})
    booking.check_room_rules(values.rooms, plan, values.holiday_override_reason)
    needs = conflict_rules.needs_for(plan, values.rooms, endpoint_ids, online)
    found = conflict_rules.find_conflicts(needs, exclude_meeting_id=meeting.id)
    if found:
        raise booking.conflict_error(found, needs, plan, values.rooms, exclude_meeting_id=meeting.id)
    _rebuild(actor, meeting, values, plan, coming, timing, endpoint_ids, online)
    meeting.exdates = skipped
    if values.instances:
        meeting.start_at, meeting.end_at = values.instances[0]
    booking.flush_guarded(needs, plan, values.rooms, exclude_meeting_id=meeting.id)


def _rebuild(actor, meeting, values, plan, coming, timing, endpoint_ids, online) -> None:
    room_ids = [r.id for r in values.rooms]
    newly_gated = {r.id for r in values.rooms if r.requires_approval} - {
        r.id for r in meeting.rooms if r.requires_approval}
    # a room's approval holds for the time it was given for: a move waits for it again,
    # unless the one moving may approve
    moved_gated = timing and booking.needs_approval(actor, values.rooms)
    status = ("pending" if newly_gated or moved_gated or meeting.status == "pending"
              else "scheduled")
    if not timing:
        originals = {o.start_at: o for o in coming if o.status != "cancelled"}
        # delete the old reservations first: a flush inserts before it deletes, and the new rows
        # would collide with the old ones in PostgreSQL's exclusion constraint
        for occ in originals.values():
            occ.reservations.clear()
        db.session.flush()
        for occ in originals.values():
            occ.reservations = booking.reservations_for(occ, room_ids, endpoint_ids, online)
            if occ.status in ("pending", "scheduled"):
                occ.status = status
    else:
        # the mode a past meeting was recorded as held in stays when only its time is corrected
        recorded = [o.held_mode for o in coming if o.status == "held" and o.held_mode]
        for occ in coming:
            meeting.occurrences.remove(occ)
        db.session.flush()  # free (meeting, original_start) before the new sittings take it
        for start, end in plan:
            occ = booking.new_occurrence(start, end, start, status, values.mode)
            if occ.status == "held" and not values.rrule and recorded:
                occ.held_mode = recorded[0]
            occ.reservations = booking.reservations_for(occ, room_ids, endpoint_ids, online)
            meeting.occurrences.append(occ)
    booking.settle_status(meeting)


def _parse(value: str):
    from datetime import datetime

    return datetime.fromisoformat(value)
