"""The signed-in user's in-app notices: list them, mark one read."""
from flask import jsonify, request
from flask_login import current_user, login_required

from ..core.timeutil import utcnow
from ..extensions import db
from ..notifications import services
from ..notifications.models import Notification
from . import bp, query, schemas

LIMIT = 100


def notification_dict(notification: Notification) -> dict:
    return {"id": notification.id, "kind": notification.kind,
            "meeting_id": notification.meeting_id, "text": notification.title,
            "body": notification.body, "created_at": notification.created_at.isoformat(),
            "read": notification.read_at is not None}


@bp.get("/notifications")
@query(schemas.NotificationArgs)
@bp.response(200, schemas.Notifications)
@login_required
def list_notifications():
    """My notices, newest first (at most 100)"""
    unread_only = request.args.get("unread") in ("1", "true")
    items = services.user_notifications(current_user, LIMIT, unread_only=unread_only)
    return jsonify({"notifications": [notification_dict(n) for n in items],
                    "unread": Notification.unread_count(current_user.id)})


@bp.post("/notifications/<int:notification_id>/read")
@bp.response(200, schemas.Notification)
@login_required
def read_notification(notification_id):
    """Mark one of my notices read"""
    notification = services.mark_read(current_user, notification_id, utcnow())
    body = notification_dict(notification)
    db.session.commit()
    return jsonify(body)
