"""Calendars: iCalendar invitations and feeds, invitation e-mails, .ics import."""
from flask import Blueprint, Flask

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

from . import invitations, views  # noqa: E402,F401  (routes)
from ..core.signals import subscribe  # noqa: E402
from ..mail.services import register_renderer  # noqa: E402
from ..meetings.events import MEETING_CHANGES  # noqa: E402


def init_app(app: Flask) -> None:
    """Queue the invitation e-mails of every change of a meeting, in its transaction, and
    let the job runner build them when it sends (once per process)."""
    subscribe(MEETING_CHANGES.values(), invitations.queue_invitations)
    register_renderer(invitations.PURPOSE, invitations.render_invitation)
