"""User management pages (Người dùng): the users of the signed-in unit admin's subtree (an
admin sees everyone), created, changed, deactivated and given new passwords through the
services in auth/services.py, which authorise and audit every write. The pattern is the one
rooms and endpoints share (units/management.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import ROLES, permission_required
from ..core.form_messages import select_choices
from ..core.labels import choices
from ..units.management import ManagedPages, filter_unit, form_page, listing
from ..extensions import db
from ..units import services as unit_services
from . import bp, services
from .user_forms import ResetPasswordForm, UserCreateForm, UserEditForm, role_choices


@bp.route("/users")
@permission_required("manage")
def users():
    unit = filter_unit()
    role = request.args.get("role") or None
    page = listing(services.users_query(current_user, unit=unit, role=role,
                                        search=request.args.get("q")))
    return render_template("auth/users.html", page=page, unit=unit, role=role,
                           units=unit_services.units_in_reach(current_user, "manage"),
                           roles=choices("role"))


def _prepare(form):
    form.role.choices = role_choices(current_user)
    form.unit_id.choices = select_choices(unit_services.unit_choices(current_user))
    return form


def _form(user=None):
    form = _prepare(UserEditForm(obj=user) if user is not None else UserCreateForm())
    if user is None and request.method == "GET":
        form.unit_id.data, form.role.data = current_user.unit_id, ROLES[0]  # the least: staff
    return form


ManagedPages(
    bp, "/users", name="user", form=_form, template="auth/users_form.html", back="auth.users",
    endpoints=("create_user", "edit_user", "set_user_active"), get=services.get_managed_user,
    create=lambda form, unit: services.create_user(
        current_user, form.username.data, form.password.data, form.role.data, unit,
        full_name=form.full_name.data.strip(), email=form.email.data),
    update=lambda user, form, unit: services.update_user(
        current_user, user, role=form.role.data, unit=unit, full_name=form.full_name.data.strip(),
        email=form.email.data, active=user.active),
    set_active=services.set_user_active,  # refusing oneself: a 422 page
    texts={"created": lambda user: _("Đã tạo tài khoản %(name)s.", name=user.username),
           "saved": lambda user: _("Đã lưu tài khoản %(name)s.", name=user.username),
           "resumed": lambda user: _("Đã mở khóa tài khoản %(name)s.", name=user.username),
           "stopped": lambda user: _("Đã khóa tài khoản %(name)s.", name=user.username)})


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@permission_required("manage")
def reset_user_password(user_id):
    user = services.get_managed_user(current_user, user_id)
    form = ResetPasswordForm()
    return form_page(form, "auth/users_password.html",
                     lambda _unit: services.reset_password(current_user, user, form.password.data),
                     saved=lambda user: _("Đã đặt lại mật khẩu cho %(name)s.", name=user.username),
                     back="auth.users", user=user)


@bp.post("/users/<int:user_id>/sessions/end")
@permission_required("manage")
def end_user_sessions(user_id):
    user = services.get_managed_user(current_user, user_id)
    services.end_sessions_of(current_user, user)
    db.session.commit()
    flash(_("Đã đăng xuất %(name)s khỏi mọi nơi và thu hồi các mã truy cập API.",
            name=user.username), "success")
    return redirect(url_for("auth.users"))
