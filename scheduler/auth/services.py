"""User management, and the names the views use for sign-in and tokens."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from ..audit.services import diff, record, snapshot
from ..core.access import get_or_404, require, role_holds
from ..core.errors import Forbidden, ValidationError
from ..extensions import db
from ..units.models import Unit
from . import sessions
from .models import ROLES, User
from .throttle import Throttled, sign_in  # noqa: F401  (Throttled: part of this API)

MIN_PASSWORD_LENGTH = 8


# -- sign-in, sessions and tokens live in throttle.py and sessions.py ------------------------
authenticate = sign_in
issue_token = sessions.issue_token
load_session_user = sessions.load_session_user


# -- user management ------------------------------------------------------------------------
def check_password_strength(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(_("Mật khẩu phải có ít nhất %(n)d ký tự.", n=MIN_PASSWORD_LENGTH),
                              {"field": "password"})


def _check_role_grant(actor: User, role: str, unit) -> None:
    if role not in ROLES:
        raise ValidationError(_("Vai trò không hợp lệ."), {"field": "role"})
    require("manage", unit, user=actor)
    if role_holds(role, "administer") and not role_holds(actor.role, "administer"):
        raise Forbidden(_("Chỉ quản trị hệ thống mới được cấp quyền quản trị hệ thống."))


def create_user(actor: User | None, username: str, password: str, role: str, unit,
                full_name: str = "", email: str | None = None) -> User:
    """Create a user. `actor` None means the command line (trusted)."""
    username = (username or "").strip().lower()
    if not username or len(username) > 80 or not all(c.isalnum() or c in "._-" for c in username):
        raise ValidationError(_("Tên đăng nhập chỉ gồm chữ, số và dấu . _ -"), {"field": "username"})
    if unit is None:
        raise ValidationError(_("Không tìm thấy đơn vị."))
    if actor is not None:
        _check_role_grant(actor, role, unit)
    elif role not in ROLES:
        raise ValidationError(_("Vai trò không hợp lệ."), {"field": "role"})
    check_password_strength(password)
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise ValidationError(_("Tên đăng nhập %(name)s đã có.", name=username), {"field": "username"})
    user = User(username=username, role=role, unit=unit, full_name=full_name or "", email=email or None)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor, "user.create", "user", user.id, unit=unit,
           summary=f"{username} ({role})", changes={"role": role, "unit": unit.code})
    return user


def get_managed_user(actor: User, user_id: int) -> User:
    user = get_or_404(User, user_id, _("Không tìm thấy người dùng."))
    _require_manages(actor, user)
    return user


def _require_manages(actor: User, user: User) -> None:
    """`actor` manages `user`'s unit, and only an admin touches an admin's account (a unit
    admin could otherwise lock out or take over the city's administrators)."""
    require("manage", user.unit, user=actor)
    if role_holds(user.role, "administer") and not role_holds(actor.role, "administer"):
        raise Forbidden(_("Chỉ quản trị hệ thống mới được thay đổi tài khoản quản trị hệ thống."))


def users_query(actor: User, *, unit=None, role: str | None = None, search: str | None = None):
    """SELECT of the users `actor` manages (admin: everyone), narrowed to `unit`'s subtree, a
    role and a text found in the username, name or e-mail."""
    query = sa.select(User).join(User.unit).where(Unit.in_reach(actor, "manage"))
    if unit is not None:
        require("manage", unit, user=actor)
        query = query.where(Unit.in_subtree(unit))
    if role:
        if role not in ROLES:
            raise ValidationError(_("Vai trò không hợp lệ."), {"field": "role"})
        query = query.where(User.role == role)
    if search and search.strip():
        text = search.strip()  # % and _ are searched for, not wildcards
        query = query.where(sa.or_(User.username.icontains(text, autoescape=True),
                                   User.full_name.icontains(text, autoescape=True),
                                   User.email.icontains(text, autoescape=True)))
    return query.order_by(User.active.desc(), Unit.code, User.username)


def set_user_active(actor: User, user: User, active: bool) -> User:
    """Deactivate (sign-in refused, sessions and tokens stop working) or reactivate."""
    _require_manages(actor, user)
    if user.id == actor.id and not active:
        raise ValidationError(_("Bạn không thể tự khóa tài khoản của chính mình."))
    if user.active != active:
        user.active = active
        if not active:
            user.end_sessions()
        record(actor, "user.reactivate" if active else "user.deactivate", "user", user.id,
               unit=user.unit, summary=user.username, changes={"active": [not active, active]})
    return user


USER_FIELDS = ("full_name", "email", "role", "unit_id", "active")


def update_user(actor: User, user: User, *, role: str, unit, full_name: str, email: str | None,
                active: bool) -> User:
    _require_manages(actor, user)
    _check_role_grant(actor, role, unit)
    if user.id == actor.id and (not active or role != actor.role):
        raise ValidationError(_("Bạn không thể tự đổi vai trò hoặc khóa tài khoản của chính mình."))
    before = snapshot(user, USER_FIELDS)
    if user.active and not active:
        user.end_sessions()
    user.role, user.unit, user.full_name, user.email, user.active = role, unit, full_name, email or None, active
    db.session.flush()
    changes = diff(before, snapshot(user, USER_FIELDS))
    if changes:
        record(actor, "user.update", "user", user.id, unit=unit, summary=user.username, changes=changes)
    return user


def reset_password(actor: User, user: User, new_password: str) -> User:
    _require_manages(actor, user)
    check_password_strength(new_password)
    user.set_password(new_password)  # ends the user's sessions
    revoked = sessions.revoke_all_tokens(user)
    record(actor, "user.reset_password", "user", user.id, unit=user.unit, summary=user.username,
           changes={"tokens_revoked": revoked})
    return user


def change_own_password(user: User, current: str, new: str) -> None:
    if not user.check_password(current or ""):
        raise ValidationError(_("Mật khẩu hiện tại không đúng."))
    check_password_strength(new)
    user.set_password(new)  # ends the user's sessions; the view opens this one again
    revoked = sessions.revoke_all_tokens(user)
    record(user, "user.change_password", "user", user.id, unit=user.unit, summary=user.username,
           changes={"tokens_revoked": revoked})


def end_sessions_of(actor: User, user: User) -> None:
    """An administrator's "sign out everywhere" for a user of their subtree, or anyone's own."""
    if actor.id != user.id:
        _require_manages(actor, user)
    sessions.end_everywhere(actor, user)


def move_users(actor, unit: Unit, target: Unit, on: date) -> int:
    """Move every user of `unit`, which no longer exists on day `on`, to `target`, which does,
    in one step: their accounts, sign-ins and history stay; each move is in the audit log.
    Returns how many users moved."""
    require("manage", unit, user=actor)
    require("manage", target, user=actor)
    if unit.exists_on(on):
        raise ValidationError(_("%(name)s vẫn đang hoạt động; hãy đổi đơn vị của từng người dùng.",
                                name=unit.name), {"fields": {"unit": unit.code}})
    if not target.exists_on(on):
        message = _("%(name)s không còn hoạt động ngày %(day)s.", name=target.name,
                    day=on.strftime("%d/%m/%Y"))
        raise ValidationError(message, {"fields": {"target": message}})
    users = list(db.session.scalars(sa.select(User).where(User.unit_id == unit.id).order_by(User.username)))
    for user in users:  # all refused, or all moved
        _require_manages(actor, user)
    for user in users:
        user.unit = target
        record(actor, "user.move", "user", user.id, unit=target, summary=user.username,
               changes={"unit": [unit.code, target.code], "unit_name": [unit.name, target.name]})
    db.session.flush()
    return len(users)
