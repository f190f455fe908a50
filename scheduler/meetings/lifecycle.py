"""After booking: cancelling, approving or declining, moving or cancelling one sitting of a
series, taking back a skipped date, and correcting the mode a meeting was held in. Each step is
audited under object_type "meeting" and announced through `meeting_changed`.

Every step runs inside `changing(meeting)`: the meeting's row is locked and everything about it
read afresh before the state that decides the step is checked, so two changes of one meeting
never interleave (the second sees what the first did and is refused if it no longer applies),
and a change sent for an older version of the meeting (If-Match, the edit form) gets a 412."""
from datetime import datetime

from flask_babel import gettext as _

from ..audit.services import record
from ..core.errors import Conflict, Forbidden, ValidationError
from ..core.i18n import stored_text
from ..core.timeutil import format_datetime_vi, today_local, utcnow
from ..extensions import db
from . import booking, checking, planning
from . import conflicts as conflict_rules
from .events import meeting_changed
from .inputs import HeldMode, Restore, invalid, load, read_times
from .locking import changing, sitting_of
from .models import Occurrence, approves

LIVE = ("pending", "scheduled")


def _audit(actor, meeting, action, summary, changes=None):
    meeting.version += 1
    record(actor, action, "meeting", meeting.id, unit=meeting.host_unit,
           summary=f"{meeting.title}: {summary}" if summary else meeting.title, changes=changes)


def cancel_meeting(actor, meeting, reason=None, expected_version=None):
    """Cancel a coming meeting, or withdraw one recorded as held that did not take place (a
    reason is then required); either way its sittings leave the reports."""
    with changing(meeting, expected_version):
        booking.ensure_can_change(actor, meeting)
        if meeting.status == "cancelled":
            raise Conflict(_("Cuộc họp đã bị hủy trước đó."))
        withdrawn = meeting.status == "held"
        reason = booking.require_text(reason, "reason", required=withdrawn)
        occurrences = list(meeting.occurrences)
        stopped = [occurrences[i] for i in planning.sittings_to_stop(
            booking.meeting_state(meeting, occurrences), withdrawn)]
        for occ in stopped:
            occ.status = "cancelled"
        booking.deactivate(stopped)
        before = meeting.status
        meeting.cancel_reason = reason
        # a running series keeps the sittings already held: it stays `held` (the reports
        # count those sittings); withdrawing them is a second cancel, with a reason
        booking.settle_status(meeting)
        meeting.sequence += 1
        db.session.flush()
        _audit(actor, meeting, "meeting.withdraw" if withdrawn else "meeting.cancel", reason or "",
               {"status": [before, meeting.status], "reason": [None, reason]})
        meeting_changed(meeting, "cancelled")
    return meeting


def cancel_occurrence(actor, occurrence: Occurrence, reason=None, expected_version=None):
    meeting = occurrence.meeting
    reason = booking.require_text(reason, "reason", required=False)
    occurrence_id = occurrence.id
    with changing(meeting, expected_version):
        occurrence = sitting_of(meeting, occurrence_id)
        booking.ensure_can_change(actor, meeting)
        if occurrence.status not in LIVE:
            raise Conflict(_("Buổi họp này đã diễn ra hoặc đã bị hủy."))
        before = occurrence.status
        occurrence.status = "cancelled"
        booking.deactivate([occurrence])
        meeting.sequence += 1
        booking.settle_status(meeting)
        db.session.flush()
        _audit(actor, meeting, "meeting.occurrence_cancel",
               stored_text("hủy buổi %(when)s", when=format_datetime_vi(occurrence.start_at)),
               {"occurrence": [occurrence.start_at, None], "status": [before, "cancelled"],
                "reason": [None, reason]})
        meeting_changed(meeting, "occurrence_cancelled", occurrence=occurrence)
    return occurrence


def _checked_slot(actor, meeting, plan_for, exclude_meeting_id=None,
                  exclude_occurrence_id=None) -> planning.Plan:
    """Plan one sitting with `plan_for(state, endpoints, lead, now, approver)` and check it as a
    booking is checked; the plan when nothing stands in the way."""
    state = booking.meeting_state(meeting, list(meeting.occurrences))
    endpoints = planning.choose_endpoints(
        meeting.host_unit, meeting.participants, meeting.mode,
        booking.vc_of(meeting.host_unit, meeting.participants, meeting.mode))
    plan = plan_for(state, endpoints, conflict_rules.lead_time(), utcnow(),
                    approves(actor, meeting.rooms))
    rooms = list(meeting.rooms)
    found = booking.overlapping(plan, exclude_meeting_id, exclude_occurrence_id)
    booking.refuse(checking.check(plan, rooms, meeting.host_unit, meeting.holiday_override_reason,
                                  today_local(), found),
                   plan, rooms, exclude_meeting_id, exclude_occurrence_id)
    return plan


def move_occurrence(actor, occurrence: Occurrence, start, end, expected_version=None):
    """Move one sitting; the others stay (see planning.plan_move)."""
    meeting = occurrence.meeting
    start, end = read_times(start, end)
    occurrence_id = occurrence.id
    with changing(meeting, expected_version):
        occurrence = sitting_of(meeting, occurrence_id)
        booking.ensure_can_change(actor, meeting)
        if occurrence.status not in LIVE:
            raise Conflict(_("Chỉ dời được buổi họp chưa diễn ra và chưa bị hủy."))
        moved = planning.SittingState(occurrence.start_at, occurrence.end_at,
                                      occurrence.original_start, occurrence.status,
                                      occurrence.held_mode)
        plan = _checked_slot(actor, meeting, lambda state, *facts: planning.plan_move(
            state, moved, start, end, *facts), exclude_occurrence_id=occurrence.id)
        _move(meeting, occurrence, plan)
        _audit(actor, meeting, "meeting.occurrence_move",
               stored_text("dời buổi %(old)s sang %(new)s", old=format_datetime_vi(moved.start),
                 new=format_datetime_vi(start)),
               {"start": [moved.start, start], "end": [moved.end, end]})
        meeting_changed(meeting, "occurrence_moved", occurrence=occurrence)
    return occurrence


def _move(meeting, occurrence: Occurrence, plan: planning.Plan) -> None:
    [sitting] = plan.sittings
    occurrence.start_at, occurrence.end_at = sitting.start, sitting.end
    occurrence.moved = bool(meeting.rrule)
    if not meeting.rrule:
        meeting.start_at, meeting.end_at = sitting.start, sitting.end
    occurrence.original_start = sitting.original_start
    occurrence.status, occurrence.held_mode = sitting.status, sitting.held_mode
    booking.settle_status(meeting)
    # delete the old reservations first: a flush inserts before it deletes, and on
    # PostgreSQL a move by less than the sitting's length would collide with itself
    occurrence.reservations.clear()
    db.session.flush()
    occurrence.reservations = booking.reservations_for(occurrence, plan.room_ids,
                                                       plan.endpoint_ids, plan.online)
    meeting.sequence += 1
    booking.flush_guarded(plan.needs, list(plan.instances), list(meeting.rooms),
                          exclude_occurrence_id=occurrence.id)


def restore_occurrence(actor, meeting, original_start, expected_version=None):
    """Take back a date skipped at booking (an EXDATE), if it is free now."""
    original = load(Restore, {"original_start": original_start})["original_start"]
    with changing(meeting, expected_version):
        booking.ensure_can_change(actor, meeting)
        skipped = {datetime.fromisoformat(v): v for v in meeting.exdates or []}
        if original not in skipped:
            raise invalid({"original_start": _("Ngày này không nằm trong các ngày đã bỏ của chuỗi.")})
        if meeting.status == "cancelled":
            raise Conflict(_("Cuộc họp đã bị hủy."))
        plan = _checked_slot(actor, meeting, lambda state, *facts: planning.plan_restore(
            state, original, *facts), exclude_meeting_id=meeting.id)
        occ = _restore(meeting, plan, skipped[original])
        _audit(actor, meeting, "meeting.occurrence_restore",
               stored_text("khôi phục buổi %(when)s", when=format_datetime_vi(occ.start_at)),
               {"skipped": [occ.start_at, None]})
        meeting_changed(meeting, "rescheduled", occurrence=occ)
    return occ


def _restore(meeting, plan: planning.Plan, exdate: str) -> Occurrence:
    [sitting] = plan.sittings
    occ = booking.occurrence_of(sitting)
    occ.reservations = booking.reservations_for(occ, plan.room_ids, plan.endpoint_ids,
                                                plan.online)
    meeting.occurrences.append(occ)
    meeting.exdates = [v for v in meeting.exdates if v != exdate]
    booking.settle_status(meeting)
    meeting.sequence += 1
    booking.flush_guarded(plan.needs, list(plan.instances), list(meeting.rooms),
                          exclude_meeting_id=meeting.id)
    return occ


def _require_approver(actor, meeting):
    if not meeting.can_approve(actor):
        raise Forbidden(_("Bạn không có quyền thực hiện thao tác này."))
    if meeting.status != "pending":
        raise Conflict(_("Cuộc họp không ở trạng thái chờ duyệt."))


def _decide(actor, meeting, reason, approve: bool, expected_version=None):
    with changing(meeting, expected_version):
        _require_approver(actor, meeting)
        new_status = "scheduled" if approve else "cancelled"
        occurrences = list(meeting.occurrences)
        changed = [occurrences[i] for i in planning.sittings_waiting(
            booking.meeting_state(meeting, occurrences))]
        for occ in changed:
            occ.status = new_status
        if not approve:
            booking.deactivate(changed)
            meeting.sequence += 1
        # a declined move of one sitting leaves the rest of the series as it was
        booking.settle_status(meeting)
        new_status = meeting.status
        meeting.decided_by_id, meeting.decided_at, meeting.decision_reason = actor.id, utcnow(), reason
        db.session.flush()
        _audit(actor, meeting, "meeting.approve" if approve else "meeting.decline", reason or "",
               {"status": ["pending", new_status], "reason": [None, reason]})
        meeting_changed(meeting, "approved" if approve else "declined")
    return meeting


def approve_meeting(actor, meeting, reason=None, expected_version=None):
    return _decide(actor, meeting, booking.require_text(reason, "reason", False), True,
                   expected_version)


def decline_meeting(actor, meeting, reason=None, expected_version=None):
    return _decide(actor, meeting, booking.require_text(reason, "reason", True), False,
                   expected_version)


def set_held_mode(actor, occurrence: Occurrence, mode: str, expected_version=None):
    """Correct the mode a sitting was actually held in (counted by the online-share targets)."""
    meeting = occurrence.meeting
    mode = load(HeldMode, {"held_mode": mode})["held_mode"]
    occurrence_id = occurrence.id
    with changing(meeting, expected_version):
        occurrence = sitting_of(meeting, occurrence_id)
        booking.ensure_can_change(actor, meeting)
        if occurrence.status == "cancelled" or occurrence.end_at > utcnow():
            raise ValidationError(_("Chỉ ghi nhận hình thức cho buổi họp đã diễn ra."))
        before = occurrence.held_mode
        occurrence.status, occurrence.held_mode = "held", mode
        # the closing job may not have run yet: the meeting is held once its sittings are
        booking.settle_status(meeting)
        db.session.flush()
        _audit(actor, meeting, "meeting.held_mode",
               stored_text("hình thức buổi %(when)s", when=format_datetime_vi(occurrence.start_at)),
               {"held_mode": [before, mode]})
        meeting_changed(meeting, "updated", occurrence=occurrence)
    return occurrence
