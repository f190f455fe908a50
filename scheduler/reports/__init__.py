"""Targets (chỉ tiêu) and reports: the held-online share against the city's targets, and the
wards' WAN and video-conference coverage."""
from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import tally, views  # noqa: E402,F401  (tally: keeps its counts on every flush)
