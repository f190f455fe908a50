"""Background jobs (APScheduler): meeting reminders, closing held meetings, endpoint probes,
the monthly target report and the mail outbox; the admin page of the jobs and each user's
notification list."""
from flask import Blueprint, Flask

bp = Blueprint("jobs", __name__)

from . import tasks, views  # noqa: E402,F401  (routes on bp)
from ..core.signals import subscribe  # noqa: E402
from ..meetings.events import MEETING_CHANGES  # noqa: E402


def init_app(app: Flask) -> None:
    """Withdraw the queued reminders a change of a meeting makes stale (once per process)."""
    subscribe(MEETING_CHANGES.values(), tasks.withdraw_stale_reminders)
