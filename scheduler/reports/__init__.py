"""Targets (chỉ tiêu) and reports: the held-online share against the city's targets, and the
wards' WAN and video-conference coverage."""
from flask import Blueprint, Flask

bp = Blueprint("reports", __name__, url_prefix="/reports")

from . import tally, views  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Keep the running counts with every flush, and recount when the tree's paths move."""
    tally.register()
