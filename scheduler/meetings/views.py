"""Routes of this domain: the calendars (views_calendar), the booking form (views_booking) and a
meeting's page with its actions (views_detail); plus what the home page shows of meetings."""
from datetime import timedelta

from flask_login import current_user

from ..core.timeutil import today_local, utcnow
from . import bp, views_approvals, views_booking, views_calendar, views_detail  # noqa: F401
from .queries import pending_approvals
from .view_helpers import local, may_book_somewhere, occurrences_between

bp.add_app_template_global(may_book_somewhere, "may_book_somewhere")


@bp.app_template_filter("hm")
def hour_minute(value) -> str:
    """A UTC datetime as the local 24-hour time, 'HH:MM'."""
    return local(value).strftime("%H:%M") if value is not None else ""


def home_meetings() -> dict:
    """The signed-in user's unit's meetings of the coming 7 days and the bookings waiting for
    the user's approval, for the home page."""
    today = today_local()
    now = utcnow()
    coming = [o for o in occurrences_between(current_user, today, today + timedelta(days=6),
                                             unit=current_user.unit) if o.end_at > now]
    return {"coming": coming, "approvals": pending_approvals(current_user)}
