"""Invitation e-mails (giấy mời họp) with an iCalendar part, queued on every meeting change.

The booking service calls `queue_invitations` (registered in create_app) inside its
transaction, so a refused or rolled-back booking queues nothing. It stores one small outbox
row per message (recipients, subject, method); the `send-mail` job builds each body and
iCalendar part from the meeting just before sending it, so a booking that invites 50 units
costs about what one without mail does, and a refusing mail server never blocks a booking.

Each participating unit gets its own message, addressed to its office mailbox (and, for an
online or hybrid meeting, its technical contact, who must connect the endpoint). Units dropped
from a meeting get a CANCEL, found from the invitations they were sent before.
"""
from flask import render_template
from flask_babel import force_locale
from flask_babel import gettext as _
import sqlalchemy as sa

from ..audit.services import record
from ..core.access import get_or_404, require
from ..core.errors import ValidationError
from ..core.i18n import stored_text
from ..core.settings import settings
from ..core.timeutil import utcnow
from ..extensions import db
from ..mail.models import OutgoingMail
from ..mail.services import new_message_id, send_again
from . import ical
from .feeds import links

PURPOSE = "invitation"
PURPOSE_OCCURRENCE = "invitation_occurrence"
# the changes whose message is a unit's first invitation to the meeting
FIRST_INVITATION = ("created", "approved")


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
    if meeting.status == "cancelled" or change == "cancelled":
        return _("Hủy cuộc họp: %(title)s", title=meeting.title)
    if change == "occurrence_cancelled":
        return _("Hủy một buổi họp: %(title)s", title=meeting.title)
    if change in ("created", "approved"):
        return _("Giấy mời họp: %(title)s", title=meeting.title)
    return _("Thay đổi lịch họp: %(title)s", title=meeting.title)


def _queue(rows: list, meeting, change, occurrence, unit, addresses, method: str,
           purpose: str = PURPOSE, attendees: list[str] | None = None,
           subject: str | None = None) -> None:
    """One outbox row per message, addressed and titled now; its body and iCalendar part are
    built by the job runner just before sending (`render_invitation`). Rows are collected and
    inserted together by `queue_invitations`."""
    if occurrence is not None and occurrence.id is None:
        db.session.flush()
    recipients = sorted({a.strip() for a in addresses if a and a.strip()})
    if recipients:
        rows.append(dict(
            message_id=new_message_id(), recipients=recipients,
            subject=(subject or _subject(meeting, change))[:300],
            body_text="", ical_method=method, purpose=purpose, meeting_id=meeting.id,
            render={"kind": PURPOSE, "change": change, "unit_id": getattr(unit, "id", None),
                    "occurrence_id": getattr(occurrence, "id", None), "attendees": attendees}))


def queue_invitations(meeting, change: str, occurrence=None) -> None:
    """Listener for meeting changes (see meetings/events.py). Queued whatever this process's
    mail settings: delivering is the job runner's business (the send-mail job), and a web
    process without SMTP_HOST must not lose the invitations of a runner that has one."""
    if change == "declined":
        return
    if meeting.status in ("pending", "held") and change != "cancelled":
        # invitations go out once a meeting is scheduled; a past meeting needs none (a stopped
        # running series stays held, and its invitees hear of the cancellation)
        return
    if change == "updated" and occurrence is not None and occurrence.status == "held":
        return  # recording how a past sitting was held is bookkeeping, not news for invitees
    rows: list[dict] = []
    with force_locale(settings().babel_default_locale):
        _queue_all(rows, meeting, change, occurrence)
        if change != "created":  # a meeting booked in this transaction has no mail waiting
            _supersede_waiting(rows, meeting)
    if rows:  # one multi-row INSERT for the 50 invitations of a large meeting
        db.session.connection().execute(OutgoingMail.__table__.insert(), rows)


def _queue_all(rows: list, meeting, change: str, occurrence) -> None:
    # a meeting booked in this transaction has invited nobody yet: nothing to read
    invited_before = set() if change == "created" else _previously_invited(meeting)
    if meeting.status == "cancelled" or change == "cancelled":
        # only those holding a live invitation need to hear of the cancellation
        for unit in meeting.participants:
            addresses = [a for a in unit_recipients(unit, meeting) if a in invited_before]
            invited_before.difference_update(addresses)
            _queue(rows, meeting, "cancelled", None, unit, addresses, "CANCEL")
        if invited_before:
            _queue_dropped(rows, meeting, sorted(invited_before))
        return
    if change == "occurrence_cancelled" and occurrence is not None and meeting.rrule:
        for unit in meeting.participants:
            # its own purpose: cancelling one date does not un-invite anybody
            _queue(rows, meeting, change, occurrence, unit, unit_recipients(unit, meeting), "CANCEL",
                   purpose=PURPOSE_OCCURRENCE)
        return
    current = set()
    for unit in meeting.participants:
        addresses = unit_recipients(unit, meeting)
        current.update(addresses)
        _queue(rows, meeting, change, occurrence, unit, addresses, "REQUEST")
    dropped = sorted(invited_before - current)
    if dropped:
        _queue_dropped(rows, meeting, dropped)


def _supersede_waiting(rows: list, meeting) -> None:
    """Invitation messages of the meeting still waiting in the outbox are withdrawn when every
    one of their recipients gets one of `rows`: changes made within one delivery interval reach
    each recipient as one message, which the job builds from the meeting as it then stands (a
    cancellation goes out as a CANCEL). A message being sent or sent is never withdrawn, nor
    one with a recipient this change does not write to. A recipient whose first invitation
    had not been sent yet still gets a first invitation, not a change of one never seen."""
    covered = {address for row in rows if row["purpose"] == PURPOSE for address in row["recipients"]}
    if not covered:
        return
    waiting = db.session.execute(sa.select(OutgoingMail.id, OutgoingMail.recipients).where(
        OutgoingMail.meeting_id == meeting.id, OutgoingMail.purpose == PURPOSE,
        OutgoingMail.status == "queued")).all()
    superseded = [mail_id for mail_id, recipients in waiting if set(recipients or ()) <= covered]
    if not superseded:
        return
    # status checked again by the DELETE itself: a runner may have claimed one meanwhile
    withdrawn = db.session.execute(sa.delete(OutgoingMail).where(
        OutgoingMail.id.in_(superseded), OutgoingMail.status == "queued")
        .returning(OutgoingMail.recipients, OutgoingMail.render, OutgoingMail.ical_method)
        .execution_options(synchronize_session=False)).all()
    first: dict[str, str] = {}  # address -> the first-invitation change it still waits for
    for recipients, render, method in withdrawn:
        if method == "REQUEST" and render and render.get("change") in FIRST_INVITATION:
            first.update(dict.fromkeys(recipients, render["change"]))
    for row in rows:
        if (row["purpose"] == PURPOSE and row["ical_method"] == "REQUEST"
                and all(address in first for address in row["recipients"])):
            change = first[row["recipients"][0]]
            row["render"]["change"] = change
            row["subject"] = _subject(meeting, change)[:300]


def _queue_dropped(rows: list, meeting, addresses: list[str]) -> None:
    """Addresses no longer taking part (their unit was removed): the meeting is cancelled for
    them. Its ATTENDEEs are these addresses, not those who remain: a CANCEL that removes
    attendees lists the removed ones (RFC 5546 3.2.5)."""
    _queue(rows, meeting, "removed", None, None, addresses, "CANCEL", attendees=addresses,
           subject=_("Hủy cuộc họp: %(title)s", title=meeting.title))


def render_invitation(mail: OutgoingMail) -> None:
    """Build a queued invitation's body and iCalendar part from the meeting as it stands (the
    job runner calls this just before sending; see mail/services.py)."""
    from ..meetings.models import Meeting, Occurrence
    from ..units.models import Unit

    spec = mail.render
    meeting = db.session.get(Meeting, mail.meeting_id) if mail.meeting_id else None
    if meeting is None:
        raise LookupError(f"the meeting of invitation {mail.id} no longer exists")
    occurrence = db.session.get(Occurrence, spec["occurrence_id"]) if spec.get("occurrence_id") else None
    unit = db.session.get(Unit, spec["unit_id"]) if spec.get("unit_id") else None
    change, cancel, now, link = spec["change"], mail.ical_method == "CANCEL", utcnow(), links()
    with force_locale(settings().babel_default_locale):
        if change == "occurrence_cancelled" and occurrence is not None:
            ics = ical.occurrence_cancellation(meeting, occurrence, link, now)
        else:
            ics = ical.invitation(meeting, link, now, cancel=cancel, attendees=spec.get("attendees"))
        body = render_template("calendar/mail/invitation.txt", meeting=meeting, change=change,
                               occurrence=occurrence, unit=unit, cancelled=cancel,
                               location=meeting.location,
                               page_url=link.meeting_page(meeting.id))
    mail.ical, mail.body_text = ics.decode(), body
    if meeting.status == "cancelled":  # cancelled since it was queued: it goes out as a CANCEL
        mail.ical_method = "CANCEL"


def resend(actor, meeting, mail_id: int, now) -> OutgoingMail:
    """Queue an invitation e-mail of the meeting that could not be delivered for sending again,
    at the request of someone who may book for the host unit. Audited."""
    require("book", meeting.host_unit, user=actor)
    mail = get_or_404(OutgoingMail, mail_id, _("Không tìm thấy thư."),
                      within={"meeting_id": meeting.id})
    if not send_again(mail.id, now):
        raise ValidationError(_("Thư này không còn chờ gửi."))
    record(actor, "mail.resend", "meeting", meeting.id, unit=meeting.host_unit,
           summary=stored_text("Gửi lại thư: %(to)s", to=", ".join(mail.recipients)),
           changes={"mail": mail.id, "last_error": mail.last_error})
    return mail

