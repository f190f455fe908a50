"""The jobs page for admins (/admin/jobs) and each user's notifications (/notifications)."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import permission_required
from ..core.db_setup import write_transaction
from ..core.timeutil import utcnow
from ..extensions import db
from . import bp, lock, notices, services
from .models import Notification


@bp.app_context_processor
def _notification_count():
    """The unread count of the header's bell, computed only when a page shows the header."""
    def unread_notifications() -> int:
        if not current_user.is_authenticated:
            return 0
        return Notification.unread_count(current_user.id)
    return {"unread_notifications": unread_notifications}


@bp.app_template_filter("minutes_ahead")
def minutes_ahead(minutes: int) -> str:
    return notices.ahead_words(int(minutes))


@bp.route("/admin/jobs")
@permission_required("administer")
def index():
    return render_template("jobs/index.html", jobs=services.job_statuses(),
                           leader=lock.current(), now=utcnow(), runs=services.recent_runs(),
                           deliveries=services.recent_deliveries())


@bp.route("/notifications")
@login_required
def notifications():
    items = services.user_notifications(current_user)
    unread = Notification.unread_count(current_user.id)
    return render_template("jobs/notifications.html", items=items, unread=unread)


def _back():
    """Back to the list, or to a page of this site the form names (never another site)."""
    target = request.form.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc:
        return redirect(target)
    return redirect(url_for("jobs.notifications"))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def mark_read(notification_id: int):
    with write_transaction():
        services.mark_read(current_user, notification_id, utcnow())
    db.session.commit()
    return _back()


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    with write_transaction():
        count = services.mark_all_read(current_user, utcnow())
    db.session.commit()
    flash(_("Đã đánh dấu %(n)d thông báo là đã đọc.", n=count), "success")
    return redirect(url_for("jobs.notifications"))
