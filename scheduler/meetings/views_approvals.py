"""The approvals page (/approvals): the bookings waiting for the signed-in approver, each with
"Duyệt" and "Từ chối" and a reason field in one row. Deciding calls the same services as the
meeting page and the API (which authorise, audit and notify) and commits once."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import permission_required
from ..core.navigation import menu_badge
from ..core.errors import Conflict, ValidationError
from ..extensions import db
from . import bp, services
from .queries import get_meeting, pending_approval_count_query, pending_approvals
from .forms import DecisionForm


menu_badge("approvals")(pending_approval_count_query)  # the count beside "Duyệt lịch"


@bp.route("/approvals")
@permission_required("manage")
def approvals():
    return render_template("meetings/approvals.html", meetings=pending_approvals(current_user),
                           form=DecisionForm())


@bp.route("/approvals/<int:meeting_id>", methods=["POST"])
@permission_required("manage")
def decide(meeting_id: int):
    meeting, form = get_meeting(meeting_id), DecisionForm()
    decision = request.form.get("decision")
    if not form.validate_on_submit() or decision not in ("approve", "decline"):
        flash(_("Chưa thực hiện được: %(errors)s", errors=_("Ghi chú, lý do tối đa 500 ký tự.")),
              "error")
        return redirect(url_for("meetings.approvals"))
    action = services.approve_meeting if decision == "approve" else services.decline_meeting
    try:
        action(current_user, meeting, (form.reason.data or "").strip())
    except (ValidationError, Conflict) as err:
        db.session.rollback()
        fields = (err.details or {}).get("fields") or {}
        flash(" ".join([_("%(title)s:", title=meeting.title), err.message, *map(str, fields.values())]),
              "error")
    else:
        db.session.commit()
        flash(_("Đã duyệt “%(title)s”.", title=meeting.title) if decision == "approve"
              else _("Đã từ chối “%(title)s”.", title=meeting.title), "success")
    return redirect(url_for("meetings.approvals"))
