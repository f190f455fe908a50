from flask import Blueprint

bp = Blueprint("endpoints", __name__)

from . import views  # noqa: E402,F401
