"""Calendars: iCalendar invitations and feeds, invitation e-mails, .ics import."""
from flask import Blueprint

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

from . import invitations, views  # noqa: E402,F401  (listener registration, routes)
