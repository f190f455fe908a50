from flask import Blueprint

bp = Blueprint("units", __name__)

from . import contacts  # noqa: E402,F401  (the unit pages: web/units.py)
