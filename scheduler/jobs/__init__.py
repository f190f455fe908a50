"""Background jobs (APScheduler): meeting reminders, closing held meetings, endpoint probes,
the monthly target report and the mail outbox; the admin page of the jobs and each user's
notification list."""
from flask import Blueprint

bp = Blueprint("jobs", __name__)

from . import tasks, views  # noqa: E402,F401  (routes on bp)
