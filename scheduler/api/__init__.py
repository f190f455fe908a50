"""The JSON API under /api/v1. Session cookie or `Authorization: Bearer <token>`."""
from flask import Blueprint, current_app, request
from flask_login import current_user

from ..core.settings import settings
from ..extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def _carries_session_cookie() -> bool:
    session_cookie = current_app.session_interface.get_cookie_name(current_app)
    remember_cookie = settings().remember_cookie_name
    return session_cookie in request.cookies or remember_cookie in request.cookies


@bp.before_request
def _csrf_for_cookie_sessions():
    # A client that a valid bearer token alone signs in is not exposed to CSRF; a browser is,
    # whatever Authorization header a page makes it send, so every signed-in write that comes
    # with a session (or remember-me) cookie must carry the X-CSRFToken header like any form.
    # Without a cookie, the only way to be signed in is a valid bearer token (the request
    # loader, auth/__init__.py); an invalid one leaves the request anonymous (401).
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.endpoint == "api.create_token":
        return
    if current_user.is_authenticated and _carries_session_cookie():
        csrf.protect()


from . import views  # noqa: E402,F401
from . import resources  # noqa: E402,F401  (rooms and endpoints)
from . import endpoints  # noqa: E402,F401  (endpoint writes and history)
from . import meetings  # noqa: E402,F401
from . import openapi  # noqa: E402,F401
from . import reports  # noqa: E402,F401
from . import calendar  # noqa: E402,F401
from . import paperless  # noqa: E402,F401
from . import notifications  # noqa: E402,F401
