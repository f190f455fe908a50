from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.errors import ValidationError
from ..core.settings import settings
from ..core.timeutil import utcnow
from ..extensions import db
from . import bp, services, sessions
from .forms import ChangePasswordForm, LoginForm


def _safe_next(target: str | None) -> str:
    # Browsers read "/\\host" like "//host": a backslash anywhere is refused as well.
    if (target and target.startswith("/") and not target.startswith("//") and "\\" not in target
            and urlsplit(target).netloc == ""):
        return target
    return url_for("units.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("units.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.username.data, form.password.data, request.remote_addr)
        except services.Throttled as err:
            flash(err.message, "danger")
            status = 429
        except ValidationError as err:
            db.session.commit()  # keep the failed attempt: it counts toward throttling
            flash(err.message, "danger")
            status = 401
        else:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # server side: the cookies this browser (or anyone who copied them) holds stop working
        sessions.sign_out(current_user)
        db.session.commit()
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(current_user, form.current.data, form.new.data)
        except ValidationError as err:
            form.current.errors.append(err.message)
        else:
            db.session.commit()
            # the new password drew a new session key: this session goes on with it (given the
            # user object itself; the current_user proxy would end up pointing at itself)
            login_user(current_user._get_current_object())
            flash(_("Đã đổi mật khẩu."), "success")
            return redirect(url_for("units.home"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/language/<code>", methods=["POST"])
def set_language(code):
    response = redirect(_safe_next(request.form.get("next")))
    if code in settings().languages:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


@bp.get("/account")
@login_required
def account():
    return render_template("auth/account.html",
                           tokens=sessions.usable_tokens(current_user, utcnow()))


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id):
    sessions.revoke_token(current_user, token_id)
    db.session.commit()
    flash(_("Đã thu hồi mã truy cập API; chương trình dùng mã này sẽ không truy cập được nữa."),
          "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/sessions/end")
@login_required
def end_own_sessions():
    user = current_user._get_current_object()
    services.end_sessions_of(user, user)
    db.session.commit()
    logout_user()
    flash(_("Đã đăng xuất khỏi mọi nơi. Vui lòng đăng nhập lại."), "info")
    return redirect(url_for("auth.login"))
