"""Changing a booking (PATCH semantics).

Fields not given keep their value. A change of time, place (rooms, mode) or participants
raises the iCalendar SEQUENCE and re-reserves; for a running series the sittings that have
already ended stay as they were held, and only the coming ones follow the new values (single
changes to coming sittings — moves, cancellations — give way to the new plan).
"""
from flask_babel import gettext as _

from ..audit.services import diff, record
from ..core.errors import Conflict, ValidationError
from ..core.timeutil import today_local, utcnow
from ..extensions import db
from . import booking, bridges, checking, planning
from . import conflicts as conflict_rules
from .events import meeting_changed
from .inputs import FIELDS, invalid, read_meeting
from .locking import changing
from .models import approves


def current_fields(meeting) -> dict:
    return {"title": meeting.title, "category": meeting.category,
            "host_unit": meeting.host_unit.code, "chair": meeting.chair,
            "start": meeting.start_at, "end": meeting.end_at, "mode": meeting.mode,
            "paperless": meeting.paperless, "rooms": [r.id for r in meeting.rooms],
            "participants": [u.code for u in meeting.participants], "agenda": meeting.agenda, "conclusion": meeting.conclusion,
            "rrule": meeting.rrule, "holiday_override_reason": meeting.holiday_override_reason}


def update_meeting(actor, meeting, data: dict, expected_version=None):
    """Change a meeting: plan, check and apply the change inside the meeting's lock."""
    _refuse_unknown_fields(data)
    with changing(meeting, expected_version):
        values = _read_change(actor, meeting, data)
        before = booking.audit_view(meeting)
        occurrences = list(meeting.occurrences)
        state = booking.meeting_state(meeting, occurrences)
        timing, place = planning.what_changes(state, values)
        if timing or place:
            _replan(actor, meeting, occurrences, state, values, timing)
        _apply_fields(meeting, values)
        db.session.flush()
        changes = diff(before, booking.audit_view(meeting))
        if timing or place or changes:  # else nothing changed: nothing to record or announce
            _announce(actor, meeting, timing or place, changes)
    return meeting


def _refuse_unknown_fields(data) -> None:
    if not isinstance(data, dict):
        raise ValidationError(_("Dữ liệu cuộc họp không hợp lệ."))
    unknown = sorted(str(k) for k in data if k not in FIELDS)
    if unknown:
        raise invalid({name: _("Trường này không sửa được (các trường sửa được: %(fields)s).",
                               fields=", ".join(FIELDS)) for name in unknown[:10]})


def _read_change(actor, meeting, data: dict):
    """The meeting's fields after the change, once the actor may make it."""
    booking.ensure_can_change(actor, meeting)
    if meeting.status == "cancelled":
        raise Conflict(_("Cuộc họp đã bị hủy, không thể sửa."))
    values = read_meeting({**current_fields(meeting), **data})
    if values.host_unit.id != meeting.host_unit_id:
        booking.ensure_can_change(actor, meeting, values.host_unit)
    booking.authorise_rooms(actor, values.host_unit, values.rooms)
    return values


def _announce(actor, meeting, rescheduled: bool, changes) -> None:
    # every change of a meeting still to come sends the invitation again (a REQUEST, which
    # calendars apply only with a higher SEQUENCE); a past meeting's record sends none
    if rescheduled or meeting.status != "held":
        meeting.sequence += 1
    meeting.version += 1
    record(actor, "meeting.update", "meeting", meeting.id, unit=meeting.host_unit,
           summary=meeting.title, changes=changes)
    meeting_changed(meeting, "rescheduled" if rescheduled else "updated")


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


def _replan(actor, meeting, occurrences, state, values, moves: bool) -> None:
    """Re-reserve the sittings still to come (all sittings of a single meeting): plan, check
    against the other bookings, write."""
    change = planning.plan_change(
        state, values, booking.vc_of(values.host_unit, values.participants, values.mode),
        conflict_rules.lead_time(), utcnow(), moves,
        approver=approves(actor, values.rooms))
    plan = change.plan
    found = booking.overlapping(plan, exclude_meeting_id=meeting.id)
    booking.refuse(checking.check(plan, values.rooms, values.host_unit,
                                  values.holiday_override_reason, today_local(), found),
                   plan, values.rooms, exclude_meeting_id=meeting.id)
    replaced = [occurrences[i] for i in change.replaced]
    if moves:
        _replace_sittings(meeting, replaced, plan)
    else:
        _reserve_again(replaced, plan)
    booking.settle_status(meeting)
    meeting.exdates = list(plan.skipped)
    if values.instances:
        meeting.start_at, meeting.end_at = values.instances[0]
    booking.flush_guarded(plan.needs, list(plan.instances), values.rooms,
                          exclude_meeting_id=meeting.id)


def _reserve_again(occurrences, plan: planning.Plan) -> None:
    """The same sittings with the new place: their reservations made anew."""
    # delete the old reservations first: a flush inserts before it deletes, and the new rows
    # would collide with the old ones in PostgreSQL's exclusion constraint
    for occ in occurrences:
        occ.reservations.clear()
    db.session.flush()
    for occ, sitting in zip(occurrences, plan.sittings):
        occ.reservations = booking.reservations_for(occ, plan.room_ids, plan.endpoint_ids,
                                                    plan.online)
        occ.status = sitting.status


def _replace_sittings(meeting, occurrences, plan: planning.Plan) -> None:
    """The coming sittings give way to the plan's."""
    for occ in occurrences:
        meeting.occurrences.remove(occ)
    db.session.flush()  # free (meeting, original_start) before the new sittings take it
    for sitting in plan.sittings:
        occ = booking.occurrence_of(sitting)
        occ.reservations = booking.reservations_for(occ, plan.room_ids, plan.endpoint_ids,
                                                    plan.online)
        meeting.occurrences.append(occ)
