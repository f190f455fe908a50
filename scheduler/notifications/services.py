"""A user's notification list: reading it and marking notices read."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.access import get_or_404
from ..extensions import db
from .models import Notification


def user_notifications(user, limit: int = 100, unread_only: bool = False) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return list(db.session.scalars(
        query.order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_read(user, notification_id: int, now: datetime) -> Notification:
    """Mark one of the user's own notifications read (another user's is not found: a list is
    private to its owner). The row is read locked and afresh: of two marks at once the
    second waits and keeps the first one's time, and both answer what is stored."""
    notification = get_or_404(Notification, notification_id, _("Không tìm thấy thông báo."),
                              within={"user_id": user.id}, with_for_update=True,
                              populate_existing=True)
    if notification.read_at is None:
        notification.read_at = now
        db.session.flush()
    return notification


def mark_all_read(user, now: datetime) -> int:
    count = db.session.execute(sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=now)).rowcount
    db.session.flush()
    return count
