from flask import Blueprint

bp = Blueprint("endpoints", __name__)

from . import views, views_inventory  # noqa: E402,F401
