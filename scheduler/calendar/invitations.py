"""Invitation e-mails (giấy mời họp) with an iCalendar part, queued on every meeting change.

The booking service calls `queue_invitations` (registered in create_app) inside its
transaction, so a refused or rolled-back booking queues nothing; the `send-mail` job delivers
the outbox later, and a refusing mail server never blocks a booking.

Each participating unit gets its own message, addressed to its office mailbox (and, for an
online or hybrid meeting, its technical contact, who must connect the endpoint). Units dropped
from a meeting get a CANCEL, found from the invitations they were sent before.
"""
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
import sqlalchemy as sa

from ..audit.services import record
from ..core.access import require
from ..core.errors import NotFound, ValidationError
from ..core.i18n import stored_text
from ..core.timeutil import utcnow
from ..extensions import db
from ..mail.models import OutgoingMail
from ..mail.services import enqueue_mail, send_again, smtp_configured
from . import ical
from .feeds import links

PURPOSE = "invitation"
PURPOSE_OCCURRENCE = "invitation_occurrence"


def unit_recipients(unit, meeting) -> list[str]:
    addresses = [unit.email]
    if meeting.is_online:
        addresses.append(unit.tech_email)
    return sorted({a.strip() for a in addresses if a and a.strip() and "@" in a})


def _previously_invited(meeting) -> set[str]:
    """Addresses whose latest series-wide invitation message for this meeting was a REQUEST."""
    state: dict[str, str] = {}
    rows = db.session.execute(sa.select(OutgoingMail.recipients, OutgoingMail.ical_method).where(
        OutgoingMail.meeting_id == meeting.id, OutgoingMail.purpose == PURPOSE)
        .order_by(OutgoingMail.id))
    for recipients, method in rows:
        for address in recipients or []:
            state[address] = method
    return {a for a, method in state.items() if method == "REQUEST"}


def _subject(meeting, change: str) -> str:
    if meeting.status == "cancelled":
        return _("Hủy cuộc họp: %(title)s", title=meeting.title)
    if change == "occurrence_cancelled":
        return _("Hủy một buổi họp: %(title)s", title=meeting.title)
    if change in ("created", "approved"):
        return _("Giấy mời họp: %(title)s", title=meeting.title)
    return _("Thay đổi lịch họp: %(title)s", title=meeting.title)


def _body(meeting, change: str, occurrence, unit, cancelled: bool) -> str:
    return render_template("calendar/mail/invitation.txt", meeting=meeting, change=change,
                           occurrence=occurrence, unit=unit, cancelled=cancelled,
                           location=ical.location_of(meeting),
                           page_url=links().meeting_page(meeting.id))


def _queue(meeting, change, occurrence, unit, addresses, ics: bytes, method: str,
           purpose: str = PURPOSE) -> None:
    enqueue_mail(addresses, _subject(meeting, change),
                 _body(meeting, change, occurrence, unit, cancelled=method == "CANCEL"),
                 ical=ics.decode(), ical_method=method, purpose=purpose, meeting=meeting)


def queue_invitations(meeting, change: str, occurrence=None) -> None:
    """Listener for meeting changes (see meetings/events.py)."""
    if not smtp_configured() or change == "declined":
        return
    if meeting.status in ("pending", "held"):
        return  # invitations go out once a meeting is scheduled; a past meeting needs none
    if change == "updated" and occurrence is not None and occurrence.status == "held":
        return  # recording how a past sitting was held is bookkeeping, not news for invitees
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")):
        _queue_all(meeting, change, occurrence)


def _queue_all(meeting, change: str, occurrence) -> None:
    now = utcnow()
    link = links()
    invited_before = _previously_invited(meeting)
    if meeting.status == "cancelled" or change == "cancelled":
        # only those holding a live invitation need to hear of the cancellation
        ics = ical.invitation(meeting, link, now, cancel=True)
        for unit in meeting.participants:
            addresses = [a for a in unit_recipients(unit, meeting) if a in invited_before]
            invited_before.difference_update(addresses)
            _queue(meeting, "cancelled", None, unit, addresses, ics, "CANCEL")
        if invited_before:
            _queue_dropped(meeting, sorted(invited_before), link, now)
        return
    if change == "occurrence_cancelled" and occurrence is not None and meeting.rrule:
        ics = ical.occurrence_cancellation(meeting, occurrence, link, now)
        for unit in meeting.participants:
            # its own purpose: cancelling one date does not un-invite anybody
            _queue(meeting, change, occurrence, unit, unit_recipients(unit, meeting), ics,
                   "CANCEL", purpose=PURPOSE_OCCURRENCE)
        return
    ics = ical.invitation(meeting, link, now)
    current = set()
    for unit in meeting.participants:
        addresses = unit_recipients(unit, meeting)
        current.update(addresses)
        _queue(meeting, change, occurrence, unit, addresses, ics, "REQUEST")
    dropped = sorted(invited_before - current)
    if dropped:
        _queue_dropped(meeting, dropped, link, now)


def _queue_dropped(meeting, addresses: list[str], link, now) -> None:
    """Addresses no longer taking part (their unit was removed): the meeting is cancelled for
    them. Its ATTENDEEs are these addresses, not those who remain: a CANCEL that removes
    attendees lists the removed ones (RFC 5546 3.2.5)."""
    ics = ical.invitation(meeting, link, now, cancel=True, attendees=addresses)
    enqueue_mail(addresses, _("Hủy cuộc họp: %(title)s", title=meeting.title),
                 render_template("calendar/mail/invitation.txt", meeting=meeting,
                                 change="removed", occurrence=None, unit=None, cancelled=True,
                                 location=ical.location_of(meeting),
                                 page_url=link.meeting_page(meeting.id)),
                 ical=ics.decode(), ical_method="CANCEL", purpose=PURPOSE, meeting=meeting)


def resend(actor, meeting, mail_id: int, now) -> OutgoingMail:
    """Queue an invitation e-mail of the meeting that could not be delivered for sending again,
    at the request of someone who may book for the host unit. Audited."""
    require("book", meeting.host_unit, user=actor)
    mail = db.session.get(OutgoingMail, mail_id)
    if mail is None or mail.meeting_id != meeting.id:
        raise NotFound(_("Không tìm thấy thư."))
    if not send_again(mail.id, now):
        raise ValidationError(_("Thư này không còn chờ gửi."))
    record(actor, "mail.resend", "meeting", meeting.id, unit=meeting.host_unit,
           summary=stored_text("Gửi lại thư: %(to)s", to=", ".join(mail.recipients)),
           changes={"mail": mail.id, "last_error": mail.last_error})
    return mail

