from flask import Blueprint, Flask

bp = Blueprint("meetings", __name__)

from . import views  # noqa: E402,F401
from ..core.recurrence import describe  # noqa: E402
from . import calendar_tags  # noqa: E402
from .bridges import check_bridge  # noqa: E402


def init_app(app: Flask) -> None:
    check_bridge(app)
    calendar_tags.register()  # a change of a calendar draws its units new tags
    app.jinja_env.filters["describe_rule"] = describe
