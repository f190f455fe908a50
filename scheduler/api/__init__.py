"""The JSON API under /api/v1. Session cookie or `Authorization: Bearer <token>`."""
from flask import Blueprint, request
from flask_login import current_user

from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def _csrf_for_cookie_sessions():
    # Bearer-token clients are not exposed to CSRF; a browser using its session cookie is, so
    # its writes must carry the X-CSRFToken header like any form.
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    if request.endpoint == "api.create_token":
        return
    if current_user.is_authenticated:
        csrf.protect()


from . import views  # noqa: E402,F401
from . import resources  # noqa: E402,F401  (rooms and endpoints)
from . import endpoints  # noqa: E402,F401  (endpoint writes and history)
from . import meetings  # noqa: E402,F401
from . import openapi  # noqa: E402,F401
from . import reports  # noqa: E402,F401
from . import calendar  # noqa: E402,F401
from ..paperless import api as paperless_api  # noqa: E402,F401
from . import notifications  # noqa: E402,F401
