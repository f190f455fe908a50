"""Sign-in, users, API tokens."""
from flask import Blueprint, Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from ..core.db_setup import write_transaction
from ..core.timeutil import utcnow
from ..extensions import db, login_manager

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    from . import sessions

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Vui lòng đăng nhập để tiếp tục.")
    login_manager.login_message_category = "warning"
    login_manager.session_protection = "basic"
    login_manager.user_loader(sessions.load_session_user)

    @login_manager.request_loader
    def _bearer_user(req):
        now = utcnow()
        token = sessions.bearer_token(req.headers.get("Authorization", ""), now)
        if token is None:
            return None
        if sessions.needs_last_used(token, now):
            # its own small transaction, before the view reads or writes anything
            token_id = token.id
            with write_transaction():
                sessions.mark_used(token_id, now)
            db.session.commit()
        return token.user

    @login_manager.unauthorized_handler
    def _unauthorized():
        from ..core.errors import json_error, wants_json

        if wants_json():
            return json_error(401, "unauthorized", str(_l("Bạn cần đăng nhập.")))
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


from . import views  # noqa: E402,F401  (routes register on bp)
from . import users  # noqa: E402,F401  (user-management routes register on bp)
