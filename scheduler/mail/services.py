import base64
import smtplib
import ssl
import time
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import DBAPIError, OperationalError

from ..core.settings import settings
from ..extensions import db
from .headers import subject_header
from .models import OutgoingMail

MAX_ATTEMPTS = 8
CLAIM_SECONDS = 300

EXPIRED = "Expired: not delivered before the meeting began"

# kind of deferred message -> function(mail) that fills in its body and iCalendar part
RENDERERS: dict = {}


def register_renderer(kind: str, render) -> None:
    RENDERERS[kind] = render


def smtp_configured() -> bool:
    return bool(settings().smtp_host)


def enqueue_mail(recipients: list[str], subject: str, body_text: str, *, body_html: str | None = None,
                 ical: str | None = None, ical_method: str | None = None, attachments=None,
                 purpose: str = "", meeting=None, expires_at=None,
                 render: dict | None = None) -> OutgoingMail | None:
    """Queue a message in the current transaction. Returns None when there is no recipient.
    A message not delivered by `expires_at` is given up (not sent late). With `render`, the
    body and iCalendar part are built by the job runner just before sending (RENDERERS)."""
    recipients = sorted({r.strip() for r in recipients if r and r.strip()})
    if not recipients:
        return None
    sender = settings().mail_sender
    mail = OutgoingMail(message_id=make_msgid(domain=_domain(sender)), recipients=recipients, subject=subject[:300], body_text=body_text,
                        body_html=body_html, ical=ical, ical_method=ical_method,
                        attachments=attachments, purpose=purpose,
                        meeting_id=getattr(meeting, "id", meeting), expires_at=expires_at,
                        render=render)
    db.session.add(mail)
    return mail


def new_message_id() -> str:
    return make_msgid(domain=_domain(settings().mail_sender))


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip("> ") or "localhost"


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = subject_header(mail.subject)
    msg["From"] = sender
    msg["To"] = ", ".join(mail.recipients)
    # both fixed when the message was queued: a message sent again (a retry, or a runner
    # killed between the server's acceptance and the commit) is the same message, which
    # receivers deduplicate on its id
    msg["Date"] = format_datetime(mail.created_at)
    msg["Message-ID"] = mail.message_id or _stable_message_id(mail, sender)
    msg.set_content(mail.body_text or "", charset="utf-8")
    if mail.body_html:
        msg.add_alternative(mail.body_html, subtype="html", charset="utf-8")
    if mail.ical:
        # An alternative part with a method parameter makes Outlook, Gmail and Thunderbird show
        # an invitation with Accept/Decline; the same data is attached as invite.ics for others.
        method = mail.ical_method or "REQUEST"
        msg.add_alternative(mail.ical.encode("utf-8"), maintype="text", subtype="calendar",
                            params={"method": method, "charset": "utf-8"}, cte="base64")
        msg.add_attachment(mail.ical.encode("utf-8"), maintype="application", subtype="ics",
                           filename="invite.ics")
    for att in mail.attachments or []:
        maintype, _, subtype = att["content_type"].partition("/")
        msg.add_attachment(base64.b64decode(att["data_b64"]), maintype=maintype, subtype=subtype,
                           filename=att["filename"])
    return msg


def _stable_message_id(mail: OutgoingMail, sender: str) -> str:
    """For a row queued without one (before ids were stored): derived from the row alone."""
    return f"<outbox.{mail.id}.{mail.created_at:%Y%m%d%H%M%S}@{_domain(sender)}>"


def _send(message: EmailMessage) -> dict:
    """Hand the message to the SMTP server; the recipients it refused while accepting the
    others, {address: (code, reply)} (all refused raises SMTPRecipientsRefused)."""
    given = settings()
    host, port, timeout = given.smtp_host, given.smtp_port, given.smtp_timeout
    if given.smtp_ssl:
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if given.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
        if given.smtp_username:
            smtp.login(given.smtp_username, given.smtp_password)
        return smtp.send_message(message)


def retry_delay(attempts: int) -> timedelta:
    return timedelta(minutes=min(2 ** (attempts - 1), 240))


def deliver_pending(now: datetime, limit: int = 100) -> dict:
    """Send queued messages that are due. Safe with several runners: each message is claimed
    by an UPDATE … WHERE status='queued' that only one of them can win, and committed before
    the SMTP conversation. Returns counts {"sent", "failed", "retry"}."""
    counts = {"sent": 0, "failed": 0, "retry": 0}
    if not smtp_configured():
        return counts
    sender = formataddr((settings().mail_sender_name, settings().mail_sender))
    # a claim left by a runner killed mid-send expires and the message becomes due again
    db.session.execute(sa.update(OutgoingMail).where(
        OutgoingMail.status == "sending", OutgoingMail.claimed_until < now)
        .values(status="queued"))
    # a reminder still queued when its meeting begins is of no use any more
    db.session.execute(sa.update(OutgoingMail).where(
        OutgoingMail.status == "queued", OutgoingMail.expires_at <= now)
        .values(status="failed", last_error=EXPIRED))
    db.session.commit()
    due = db.session.scalars(sa.select(OutgoingMail.id).where(
        OutgoingMail.status == "queued", OutgoingMail.next_attempt_at <= now)
        .order_by(OutgoingMail.next_attempt_at).limit(limit)).all()
    for mail_id in due:
        claimed = db.session.execute(sa.update(OutgoingMail).where(
            OutgoingMail.id == mail_id, OutgoingMail.status == "queued")
            .values(status="sending", claimed_until=now + timedelta(seconds=CLAIM_SECONDS),
                    attempts=OutgoingMail.attempts + 1)).rowcount
        db.session.commit()
        if claimed:
            _deliver_one(mail_id, sender, now, counts)
    return counts


def _deliver_one(mail_id: int, sender: str, now: datetime, counts: dict) -> None:
    """One claimed message: built, then sent with no transaction open (on SQLite an open
    write transaction would hold every other writer up for the whole SMTP conversation), then
    its outcome written in a transaction of its own."""
    mail = db.session.get(OutgoingMail, mail_id)
    outcome, detail = "sent", None
    try:
        if mail.render is not None:  # queued by a booking: built now, from the meeting as it is
            RENDERERS[mail.render["kind"]](mail)
            mail.render = None
            db.session.commit()  # kept: a retry sends the very same message
            mail = db.session.get(OutgoingMail, mail_id)
        message = build_message(mail, sender)
    except DBAPIError as err:  # the database went away while building: tried again later
        current_app.logger.warning("outgoing mail %s not built now: %s", mail_id, err)
        outcome, detail = "error", f"{type(err).__name__}: {err}"
    except Exception as err:  # noqa: BLE001  (a message that cannot even be built)
        # must not stay claimed for ever nor hold up the messages behind it
        current_app.logger.exception("outgoing mail %s cannot be built", mail_id)
        outcome, detail = "broken", f"{type(err).__name__}: {err}"
    db.session.rollback()  # ends the read; the rows stay claimed by us
    if outcome == "sent":
        try:
            detail = _send(message)
        except smtplib.SMTPRecipientsRefused as err:
            outcome, detail = "refused", err.recipients
        except (OSError, smtplib.SMTPException) as err:
            outcome, detail = "error", f"{type(err).__name__}: {err}"
    _record_outcome(mail_id, outcome, detail, now, counts)


def _record_outcome(mail_id: int, outcome: str, detail, now: datetime, counts: dict) -> None:
    """Write what happened to a message. A message the server accepted must be recorded as
    sent, or the claim would expire and it would go out again: the write is retried while the
    database is busy (SQLite under several processes)."""
    for attempt in range(5):
        tally = dict.fromkeys(counts, 0)  # added to counts once the outcome is stored
        try:
            mail = db.session.get(OutgoingMail, mail_id)
            if outcome == "refused" or (outcome == "sent" and detail):
                # some (or all) recipients refused: only those addresses are tried again
                _refused(mail, detail, now, tally)
            elif outcome == "sent":
                mail.status, mail.sent_at, mail.last_error = "sent", now, None
                tally["sent"] += 1
            else:
                mail.last_error = str(detail)[:500]
                _failed_attempt(mail, now, tally, permanent=outcome == "broken")
            mail.claimed_until = None
            db.session.commit()
            for key, value in tally.items():
                counts[key] += value
            return
        except OperationalError:
            db.session.rollback()
            if attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))


def _failed_attempt(mail: OutgoingMail, now: datetime, counts: dict, permanent: bool) -> None:
    if permanent or mail.attempts >= MAX_ATTEMPTS:
        mail.status = "failed"
        counts["failed"] += 1
    else:
        mail.status = "queued"
        mail.next_attempt_at = now + retry_delay(mail.attempts)
        counts["retry"] += 1


def _refused(mail: OutgoingMail, refused: dict, now: datetime, counts: dict) -> None:
    """Some or all recipients were refused: the message stays undelivered for exactly those
    addresses, retried when every refusal was temporary (4xx), given up otherwise (5xx)."""
    def reply(value) -> str:
        code, text = value
        return f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"

    addresses = sorted(refused)
    mail.recipients = addresses
    mail.last_error = ("SMTPRecipientsRefused: " + "; ".join(
        f"{address}: {reply(refused[address])}" for address in addresses))[:500]
    permanent = any(not 400 <= int(refused[address][0]) < 500 for address in addresses)
    _failed_attempt(mail, now, counts, permanent)


def mail_problems(meeting_id: int) -> list[OutgoingMail]:
    """Messages about a meeting that are not delivered yet after at least one attempt."""
    return list(db.session.scalars(sa.select(OutgoingMail).where(
        OutgoingMail.meeting_id == meeting_id, OutgoingMail.status.in_(("queued", "failed")),
        OutgoingMail.attempts > 0).order_by(OutgoingMail.id)))


def send_again(mail_id: int, now: datetime) -> bool:
    """Put an undelivered message back in the queue, due now and with a fresh set of attempts
    (once the mail server works again), so that a message given up on is never lost for good;
    the `send-mail` job delivers it on its next run. False when the message is not waiting
    any more (sent meanwhile, or being sent right now by a runner)."""
    changed = db.session.execute(sa.update(OutgoingMail).where(
        OutgoingMail.id == mail_id, OutgoingMail.status.in_(("queued", "failed")))
        .values(status="queued", attempts=0, next_attempt_at=now, claimed_until=None)
        .returning(OutgoingMail.id)).scalar()
    return changed is not None
