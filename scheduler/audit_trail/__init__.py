"""The audit log as people read it: entries presented (names, labels, local times, what
changed), searched, and the audit page. It reads units, users, rooms and recurrence rules, so it
sits above those packages and below the meetings, whose page shows a meeting's history; the
recording itself is the audit package, at the bottom of the domain."""
from flask import Blueprint

bp = Blueprint("audit", __name__)

from . import views  # noqa: E402,F401
