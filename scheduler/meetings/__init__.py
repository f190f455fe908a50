from flask import Blueprint, Flask

bp = Blueprint("meetings", __name__)

from . import views  # noqa: E402,F401
from ..core.recurrence import describe  # noqa: E402
from .bridges import check_bridge  # noqa: E402


def init_app(app: Flask) -> None:
    check_bridge(app)
    app.jinja_env.filters["describe_rule"] = describe
