"""A meeting's iCalendar invitation and the state of its invitation e-mails."""
from flask import Response, jsonify
from flask_login import current_user, login_required

from ..calendar import ical
from ..calendar.feeds import links
from ..core.timeutil import to_local
from ..mail.services import mail_problems
from ..meetings.queries import readable_meeting
from . import bp, schemas


@bp.get("/meetings/<int:meeting_id>/invite.ics")
@bp.response(200, {"type": "string"}, content_type="text/calendar", description="text/calendar")
@login_required
def meeting_invite(meeting_id):
    """iCalendar invite (METHOD:REQUEST, or CANCEL once cancelled)"""
    meeting = readable_meeting(current_user, meeting_id)
    body = ical.invitation(meeting, links())
    method = "CANCEL" if meeting.status == "cancelled" else "REQUEST"
    return Response(body, content_type=f"text/calendar; charset=utf-8; method={method}",
                    headers={"Content-Disposition": f'attachment; filename="cuoc-hop-{meeting.id}.ics"',
                             "Cache-Control": "private, no-store"})


@bp.get("/meetings/<int:meeting_id>/mail-status")
@bp.response(200, schemas.MailProblems)
@login_required
def meeting_mail_status(meeting_id):
    """Invitation e-mails of the meeting not delivered yet"""
    meeting = readable_meeting(current_user, meeting_id)
    return jsonify({"mail_problems": [
        {"id": m.id, "recipients": m.recipients, "subject": m.subject, "status": m.status,
         "attempts": m.attempts, "last_error": m.last_error,
         "next_attempt_at": to_local(m.next_attempt_at).isoformat() if m.status == "queued" else None}
        for m in mail_problems(meeting.id)]})
