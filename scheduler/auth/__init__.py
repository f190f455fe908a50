"""Sign-in, users, API tokens."""
from flask import Blueprint, Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from ..extensions import login_manager

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from . import services

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(services.load_session_user)
    login_manager.request_loader(services.load_bearer_user)

    @login_manager.unauthorized_handler
    def _unauthorized():
        from ..core.errors import json_error, wants_json

        if wants_json():
            return json_error(401, "unauthorized", str(_l("Bạn cần đăng nhập.")))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


from . import views  # noqa: E402,F401  (routes register on bp)
from . import users  # noqa: E402,F401  (user-management routes register on bp)
