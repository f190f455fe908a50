"""The background jobs: module-level functions of `now` (an aware UTC datetime), run inside an
app context, safe to run twice and by two runners at once. Each returns a short summary that
the admin page shows.

Exactly once: a job claims every notice in the NoticeDelivery ledger (a UNIQUE key) in the
same transaction as the notifications and outbox e-mails it creates, and commits per notice.
A second run, a second runner or a restart after a crash finds the key taken and sends nothing;
a crash before the commit leaves nothing, so the next run sends it.
"""
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..audit.services import record
from ..core.access import OWN, SUBTREE, roles_with
from ..core.db_setup import write_transaction
from ..core.settings import settings
from ..extensions import db
from ..mail.models import OutgoingMail
from ..mail.services import deliver_pending, enqueue_mail, smtp_configured
from ..meetings.locking import raise_version
from ..meetings.models import ONLINE_MODES, Meeting, Occurrence
from ..notifications import notices
from .models import NoticeDelivery


# -- send-reminders --------------------------------------------------------------------------
def send_reminders(now: datetime) -> str:
    """Remind every unit of a meeting (host and participants) before each occurrence, at each
    of REMINDER_OFFSETS_MINUTES; for online/hybrid meetings also remind the units' technical
    contacts when the connection test begins (ENDPOINT_TEST_LEAD_MINUTES before the start).

    Reminders are computed from the occurrences as they are now: a moved meeting is keyed by
    its new start and is announced afresh, a cancelled one matches nothing. A reminder whose
    time passed while the runner was down still goes out before the start (only the latest due
    offset: a meeting an hour away gets one reminder, not two); after the start, none.
    """
    given = settings()
    offsets = sorted(set(given.reminder_offsets_minutes))
    lead = given.endpoint_test_lead_minutes
    horizon = max(offsets + [lead])
    due = db.session.execute(
        sa.select(Occurrence.id, Occurrence.start_at, Meeting.mode).join(Meeting)
        .where(Occurrence.status == "scheduled", Meeting.status == "scheduled",
               Occurrence.start_at > now,
               Occurrence.start_at <= now + timedelta(minutes=horizon))
        .order_by(Occurrence.start_at, Occurrence.id)).all()
    db.session.rollback()  # end the read: each notice below gets a write transaction of its own
    sent = {"reminder": 0, "tech_reminder": 0}
    for occurrence_id, start_at, mode in due:
        passed = [m for m in offsets if start_at - timedelta(minutes=m) <= now]
        if passed and _deliver_reminder(occurrence_id, start_at, "reminder", min(passed), now):
            sent["reminder"] += 1
        if (mode in ONLINE_MODES and start_at - timedelta(minutes=lead) <= now
                and _deliver_reminder(occurrence_id, start_at, "tech_reminder", lead, now)):
            sent["tech_reminder"] += 1
    return f"{sent['reminder']} reminders, {sent['tech_reminder']} connection-test reminders"


def _deliver_reminder(occurrence_id: int, start_at: datetime, kind: str, offset: int,
                      now: datetime) -> bool:
    with write_transaction():
        occurrence = db.session.get(Occurrence, occurrence_id)
        # re-read under the write lock: the meeting may have moved or been cancelled meanwhile
        if (occurrence is None or occurrence.status != "scheduled"
                or occurrence.meeting.status != "scheduled" or occurrence.start_at != start_at):
            db.session.rollback()
            return False
        key = NoticeDelivery.reminder_key(kind, occurrence.meeting_id, offset, start_at)
        if not notices.claim_delivery(key, kind, now, occurrence_id=occurrence_id,
                                      offset_minutes=offset, start_at=start_at):
            db.session.rollback()
            return False
        meeting = occurrence.meeting
        units = notices.meeting_units(meeting)
        if kind == "reminder":
            subject, body = notices.reminder_text(meeting, occurrence, offset, now)
            users = notices.active_users_of(u.id for u in units)
            addresses = [u.email for u in units]
        else:
            subject, body = notices.tech_reminder_text(meeting, occurrence, offset)
            # the unit's IT lead is who answers for its endpoint inside the application
            users = notices.active_users_of((u.id for u in units),
                                            roles=roles_with("manage", OWN, SUBTREE))
            addresses = [u.tech_email for u in units]
        notified = notices.notify_users(users, kind, subject, body, now, meeting_id=meeting.id)
        mail = None
        if smtp_configured():
            mail = enqueue_mail(addresses, subject, body, purpose=kind, meeting=meeting,
                                expires_at=start_at)
        notices.complete_delivery(key, notified + (len(mail.recipients) if mail else 0),
                                  meeting.title)  # the page shows start_at in local time
        db.session.commit()
        return True


REMINDER_KINDS = ("reminder", "tech_reminder")


def withdraw_stale_reminders(meeting, change, occurrence=None) -> None:
    """A reminder e-mail still queued for a sitting that no longer takes place at that time
    (meeting cancelled or declined, sitting cancelled or moved) is withdrawn in the same
    transaction; send-reminders announces the new time afresh."""
    if change == "created":
        return  # a meeting booked in this transaction has no reminder queued
    queued = db.session.scalars(sa.select(OutgoingMail).where(
        OutgoingMail.meeting_id == meeting.id, OutgoingMail.status == "queued",
        OutgoingMail.purpose.in_(REMINDER_KINDS))).all()
    if not queued:
        return
    live = set()
    if meeting.status == "scheduled":
        live = {o.start_at for o in meeting.occurrences if o.status == "scheduled"}
    for mail in queued:
        if mail.expires_at not in live:
            db.session.delete(mail)


# -- close-meetings --------------------------------------------------------------------------
def close_meetings(now: datetime) -> str:
    """Occurrences still `scheduled` whose end has passed become `held`, in the mode they were
    booked in (staff may correct it afterwards). A meeting whose occurrences are all held or
    cancelled becomes `held` itself. Re-running changes nothing."""
    with write_transaction():
        occurrences = list(db.session.scalars(
            sa.select(Occurrence).join(Meeting)
            .where(Occurrence.status == "scheduled", Occurrence.end_at <= now,
                   Meeting.status == "scheduled")
            .order_by(Occurrence.meeting_id, Occurrence.start_at)))
        closed_by_meeting: dict[int, int] = {}
        for occurrence in occurrences:
            occurrence.status = "held"
            occurrence.held_mode = occurrence.held_mode or occurrence.meeting.mode
            closed_by_meeting[occurrence.meeting_id] = closed_by_meeting.get(occurrence.meeting_id, 0) + 1
        db.session.flush()
        meetings_held = 0
        for meeting_id, count in closed_by_meeting.items():
            meeting = db.session.get(Meeting, meeting_id)
            statuses = {o.status for o in meeting.occurrences}
            finished = statuses <= {"held", "cancelled"} and "held" in statuses
            if finished:
                meeting.status = "held"
                meetings_held += 1
            raise_version(meeting)  # its sittings (and maybe itself) now read held
            changes = {"occurrences_held": count}
            if finished:
                changes["status"] = ["scheduled", "held"]
            record(None, "meeting.held", "meeting", meeting.id, unit=meeting.host_unit_id,
                   summary=f"{meeting.title}: {count} occurrence(s) held", changes=changes)
        db.session.commit()
    return f"{len(occurrences)} occurrences held, {meetings_held} meetings held"


# -- probe-endpoints -------------------------------------------------------------------------
from .probe_job import probe_endpoints  # noqa: E402,F401  (its own module: probing and alerts)


# -- monthly-report and send-mail ------------------------------------------------------------
def monthly_report(now: datetime) -> str:
    """From the first working day of a month on, e-mail the admins the previous month's target
    figures as an Excel file, once per month."""
    from .monthly import send_monthly_report

    return send_monthly_report(now)


def conclusion_notices(now: datetime) -> str:
    """Tell the host unit and the admins about each conclusion notice past its due date."""
    from ..paperless.overdue import notify_overdue_conclusions

    return notify_overdue_conclusions(now)


def send_mail(now: datetime) -> str:
    """Deliver the outbox (invitations, reminders, reports) and retry failed messages."""
    counts = deliver_pending(now)
    return f"{counts['sent']} sent, {counts['retry']} to retry, {counts['failed']} failed"
