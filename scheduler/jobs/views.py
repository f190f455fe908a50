"""The jobs page for admins (/admin/jobs) and each user's notifications (/notifications)."""
from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.access import permission_required
from ..core.navigation import menu_badge
from ..core.db_setup import write_transaction
from ..core.timeutil import utcnow
from ..extensions import db
from ..notifications import notices
from ..notifications import services as notification_services
from ..notifications.models import Notification
from . import bp, lock, services


@menu_badge("unread")
def _unread_notifications(user):
    """The unread count of the header's bell."""
    return Notification.unread_query(user.id)


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
    items = notification_services.user_notifications(current_user)
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
        notification_services.mark_read(current_user, notification_id, utcnow())
    db.session.commit()
    return _back()


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def mark_all_read():
    with write_transaction():
        count = notification_services.mark_all_read(current_user, utcnow())
    db.session.commit()
    flash(_("Đã đánh dấu %(n)d thông báo là đã đọc.", n=count), "success")
    return redirect(url_for("jobs.notifications"))
