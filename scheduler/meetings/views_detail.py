"""A meeting's page and the actions taken from it: approve, decline, cancel, cancel or move one
occurrence, correct the mode an occurrence was held in. Each action calls the booking service
(which authorises and audits) and commits once."""
from datetime import datetime

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..audit.models import AuditEntry
from ..audit_trail.presenting import present
from ..core.form_messages import run_flashed
from ..core.errors import Conflict, ValidationError
from ..core.settings import settings
from ..core.timeutil import LOCAL_TZ
from ..extensions import db
from . import bp, services
from .queries import get_meeting, get_occurrence
from .forms import CancelForm, DecisionForm, HeldModeForm, MoveOccurrenceForm, RestoreForm
from .models import Meeting


def _history(meeting: Meeting) -> list:
    return present(db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == "meeting",
                                    AuditEntry.object_id == str(meeting.id))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())))


@bp.route("/meetings/<int:meeting_id>")
@login_required
def detail(meeting_id: int):
    meeting = get_meeting(meeting_id)
    full = meeting.can_view(current_user)
    may_book = meeting.can_change(current_user)
    may_approve = meeting.status == "pending" and meeting.can_approve(current_user)
    return render_template(
        "meetings/detail.html", meeting=meeting, full=full, may_book=may_book,
        may_approve=may_approve, history=_history(meeting) if full else [],
        cancel_form=CancelForm(), decision_form=DecisionForm(), move_form=MoveOccurrenceForm(),
        held_form=HeldModeForm(), restore_form=RestoreForm(),
        skipped=sorted(datetime.fromisoformat(v) for v in meeting.exdates or []),
        unreachable=_unreachable(meeting) if may_book else [])


def _unreachable(meeting: Meeting) -> list:
    """Units whose endpoint is down while the connection test of the meeting is due."""
    from ..core.timeutil import utcnow
    from ..endpoints.services import unreachable_before_start

    return unreachable_before_start(meeting, utcnow(),
                                    settings().endpoint_test_lead_minutes)


def _run(meeting: Meeting, action, done: str):
    """Run one service call; commit on success, show the refusal otherwise."""
    run_flashed(action, done, (ValidationError, Conflict))
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


def _invalid(meeting: Meeting, form):
    messages = [f"{getattr(form, name).label.text}: {' '.join(str(e) for e in errs)}"
                for name, errs in form.errors.items()]
    flash(_("Chưa thực hiện được: %(errors)s", errors="; ".join(messages)), "error")
    return redirect(url_for("meetings.detail", meeting_id=meeting.id))


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["POST"])
@login_required
def cancel(meeting_id: int):
    meeting, form = get_meeting(meeting_id), CancelForm()
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    return _run(meeting, lambda: services.cancel_meeting(current_user, meeting, form.reason.data.strip()),
                _("Đã hủy cuộc họp."))


@bp.route("/meetings/<int:meeting_id>/approve", methods=["POST"])
@login_required
def approve(meeting_id: int):
    meeting, form = get_meeting(meeting_id), DecisionForm()
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    return _run(meeting, lambda: services.approve_meeting(current_user, meeting, form.reason.data or ""),
                _("Đã duyệt cuộc họp."))


@bp.route("/meetings/<int:meeting_id>/decline", methods=["POST"])
@login_required
def decline(meeting_id: int):
    meeting, form = get_meeting(meeting_id), DecisionForm()
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    return _run(meeting, lambda: services.decline_meeting(current_user, meeting, form.reason.data or ""),
                _("Đã từ chối cuộc họp."))


@bp.route("/meetings/<int:meeting_id>/occurrences/<int:occurrence_id>/cancel", methods=["POST"])
@login_required
def cancel_occurrence(meeting_id: int, occurrence_id: int):
    meeting, form = get_meeting(meeting_id), CancelForm()
    occurrence = get_occurrence(meeting, occurrence_id)
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    return _run(meeting, lambda: services.cancel_occurrence(current_user, occurrence, form.reason.data.strip()),
                _("Đã hủy buổi họp."))


@bp.route("/meetings/<int:meeting_id>/occurrences/<int:occurrence_id>/move", methods=["POST"])
@login_required
def move_occurrence(meeting_id: int, occurrence_id: int):
    meeting, form = get_meeting(meeting_id), MoveOccurrenceForm()
    occurrence = get_occurrence(meeting, occurrence_id)
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    start = datetime.combine(form.day.data, form.start.data, LOCAL_TZ)
    end = datetime.combine(form.day.data, form.end.data, LOCAL_TZ)
    return _run(meeting, lambda: services.move_occurrence(current_user, occurrence, start, end),
                _("Đã dời buổi họp."))


@bp.route("/meetings/<int:meeting_id>/restore", methods=["POST"])
@login_required
def restore_occurrence(meeting_id: int):
    meeting, form = get_meeting(meeting_id), RestoreForm()
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    return _run(meeting, lambda: services.restore_occurrence(current_user, meeting, form.original_start.data),
                _("Đã khôi phục buổi họp."))


@bp.route("/meetings/<int:meeting_id>/occurrences/<int:occurrence_id>/held-mode", methods=["POST"])
@login_required
def held_mode(meeting_id: int, occurrence_id: int):
    meeting, form = get_meeting(meeting_id), HeldModeForm()
    occurrence = get_occurrence(meeting, occurrence_id)
    if not form.validate_on_submit():
        return _invalid(meeting, form)
    return _run(meeting, lambda: services.set_held_mode(current_user, occurrence, form.mode.data),
                _("Đã cập nhật hình thức họp thực tế."))
