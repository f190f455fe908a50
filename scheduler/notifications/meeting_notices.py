"""In-app notices (the bell) about meetings, raised in the transaction of the change itself.

Subscribes to every meeting event (meetings/events.py; connected in init_app), so a refused or rolled-back booking leaves
no notice behind. Who hears what:

- the users of every participating unit: an invitation once a meeting is scheduled, then each
  change and the cancellation (units e-mailed through calendar/invitations.py as well);
- the approvers (unit admins of a gated room's unit or above, and city admins): a booking that
  waits for their decision;
- the booker: the approval decision, with its reason.

Who was told already is read from the notices themselves (the latest invitation, change or
cancellation a user received for the meeting), so a unit dropped from a meeting is told it is
off, and a meeting that never reached its participants (pending, declined, recorded after the
fact) sends them no cancellation.
"""
from flask import has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
import sqlalchemy as sa

from ..auth.models import User
from ..core.settings import settings
from ..core.timeutil import utcnow
from ..extensions import db
from ..mail.services import enqueue_mail
from . import notices
from .models import Notification

INVITATION, CHANGE, CANCELLATION = "invitation", "change", "cancellation"
APPROVAL_REQUEST, APPROVED, DECLINED = "approval_request", "approved", "declined"
# the kinds that tell a participant where a meeting stands
PARTICIPANT_KINDS = (INVITATION, CHANGE, CANCELLATION)


def _actor_id() -> int | None:
    """Nobody needs a notice of what they did themselves."""
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


def _sitting(meeting, occurrence=None):
    if occurrence is not None:
        return occurrence
    now = utcnow()
    coming = [o for o in meeting.occurrences if o.end_at > now and o.status != "cancelled"]
    return (coming or list(meeting.occurrences) or [None])[0]


def _participant_user_ids(meeting) -> set[int]:
    unit_ids = [u.id for u in meeting.participants if u.id != meeting.host_unit_id]
    return set(notices.active_users_of(unit_ids)) if unit_ids else set()


def _told(meeting) -> set[int]:
    """Users whose latest participant notice for the meeting left them invited."""
    rows = db.session.execute(
        sa.select(Notification.user_id, Notification.kind)
        .where(Notification.meeting_id == meeting.id, Notification.kind.in_(PARTICIPANT_KINDS))
        .order_by(Notification.id))
    latest: dict[int, str] = {}
    for user_id, kind in rows:
        latest[user_id] = kind
    return {uid for uid, kind in latest.items() if kind != CANCELLATION}


def approver_ids(meeting) -> set[int]:
    """Active users who may decide on the booking: unit admins of each gated room's unit or of
    a unit above it, and the city admins."""
    gated = [r for r in meeting.rooms if r.requires_approval]
    if not gated:
        return set()
    query = sa.select(User.id).where(sa.or_(*(User.holding("manage", r.unit) for r in gated)))
    return set(db.session.scalars(query))


def _texts(kind: str, meeting, occurrence, reason: str | None) -> tuple[str, str]:
    """Title and body of a notice, in the current locale."""
    title = meeting.title
    sitting = occurrence
    headline = {
        INVITATION: _("Giấy mời họp: %(title)s", title=title),
        CHANGE: _("Thay đổi lịch họp: %(title)s", title=title),
        CANCELLATION: _("Hủy cuộc họp: %(title)s", title=title),
        APPROVAL_REQUEST: _("Chờ duyệt: %(title)s", title=title),
        APPROVED: _("Đã duyệt: %(title)s", title=title),
        DECLINED: _("Không duyệt: %(title)s", title=title),
    }[kind]
    intro = {
        INVITATION: _("%(unit)s mời đơn vị tham dự cuộc họp sau đây.", unit=meeting.host_unit.name),
        CHANGE: _("Cuộc họp sau đây đã thay đổi; thông tin mới:"),
        CANCELLATION: _("Cuộc họp sau đây đã bị hủy hoặc đơn vị không còn trong thành phần mời."),
        APPROVAL_REQUEST: _("Một lượt đặt phòng cần anh/chị duyệt (trang Duyệt lịch)."),
        APPROVED: _("Lượt đặt lịch của anh/chị đã được duyệt."),
        DECLINED: _("Lượt đặt lịch của anh/chị không được duyệt."),
    }[kind]
    lines = [intro]
    if reason:
        lines.append(_("Lý do: %(reason)s", reason=reason))
    if sitting is not None:
        lines += [""] + notices.meeting_facts(meeting, sitting)
    return headline, "\n".join(lines)


def _notify(user_ids, kind: str, meeting, occurrence=None, reason=None, mail=False) -> int:
    """Notices to `user_ids`, each in the user's own language; e-mail to their own addresses
    when `mail`, queued whatever this process's mail settings (the job runner delivers)."""
    user_ids = set(user_ids) - {_actor_id()}
    if not user_ids:
        return 0
    default = settings().babel_default_locale
    languages = settings().languages
    users = db.session.execute(sa.select(User.id, User.locale, User.email)
                               .where(User.id.in_(user_ids)).order_by(User.id)).all()
    by_locale: dict[str, list] = {}
    for user in users:
        by_locale.setdefault(user.locale if user.locale in languages else default, []).append(user)
    now, sent = utcnow(), 0
    for locale, group in by_locale.items():
        with force_locale(locale):
            title, body = _texts(kind, meeting, occurrence, reason)
        sent += notices.notify_users([u.id for u in group], kind, title, body, now,
                                     meeting_id=meeting.id)
        if mail:
            enqueue_mail([u.email for u in group if u.email], title, body, purpose=kind,
                         meeting=meeting)
    return sent


def _participants_changed(meeting, change, occurrence) -> None:
    # a meeting booked in this transaction has told nobody yet: nothing to read
    told = set() if change == "created" else _told(meeting)
    invited = _participant_user_ids(meeting)
    # "cancelled" also stops a running series, which stays held for what took place
    if meeting.status == "cancelled" or change == "cancelled":
        _notify(told, CANCELLATION, meeting, _sitting(meeting, occurrence), meeting.cancel_reason)
        return
    if meeting.status != "scheduled":
        return  # pending: the participants hear once it is approved; held: nothing to attend
    sitting = _sitting(meeting, occurrence)
    if change in ("created", "approved"):
        _notify(invited - told, INVITATION, meeting, sitting)
        return
    _notify(invited - told, INVITATION, meeting, sitting)
    _notify(told & invited, CHANGE, meeting, sitting)
    _notify(told - invited, CANCELLATION, meeting, sitting)


def notify_meeting_change(meeting, change, occurrence=None) -> None:
    if change == "created" and meeting.status == "pending":
        _notify(approver_ids(meeting), APPROVAL_REQUEST, meeting, _sitting(meeting), mail=True)
        return
    if change in ("approved", "declined") and meeting.created_by_id:
        _notify({meeting.created_by_id}, APPROVED if change == "approved" else DECLINED, meeting,
                _sitting(meeting), meeting.decision_reason, mail=True)
    if change == "declined":
        return
    if change == "updated" and occurrence is not None:
        return  # the held mode of a past sitting, corrected afterwards, concerns nobody else
    _participants_changed(meeting, change, occurrence)

