"""Notifications: the notices the application sends people (in-app, beside the e-mail the
mail package carries), the exactly-once ledger of what was delivered, and the texts of meeting
reminders. Above the meetings (meeting_notices.py listens to their changes), below paperless and
the reports, which raise notices of their own; the job runner (jobs/) delivers the scheduled ones."""
from flask import Flask

from ..core.signals import subscribe
from ..meetings.events import MEETING_CHANGES
from .meeting_notices import notify_meeting_change


def init_app(app: Flask) -> None:
    """Subscribe the in-app notices to every change of a meeting (once per process)."""
    subscribe(MEETING_CHANGES.values(), notify_meeting_change)
