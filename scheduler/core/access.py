"""Who may do what, and where: the single authorisation check every view and API route uses.

A permission is granted to a role over a reach: `own` (the user's unit only), `subtree` (the
user's unit and every unit below it) or `all`.
"""
from functools import wraps

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from .errors import Forbidden

OWN, SUBTREE, ALL = "own", "subtree", "all"

PERMISSIONS: dict[str, dict[str, str]] = {
    # see a unit's meetings, rooms, endpoints and calendars
    "view": {"staff": OWN, "unit_admin": SUBTREE, "viewer": SUBTREE, "admin": ALL},
    # book, change and cancel meetings hosted by the unit
    "book": {"staff": OWN, "unit_admin": SUBTREE, "admin": ALL},
    # manage the unit's rooms, endpoints, contacts and users; approve bookings
    "manage": {"unit_admin": SUBTREE, "admin": ALL},
    # read the unit's reports
    "report": {"unit_admin": SUBTREE, "viewer": SUBTREE, "admin": ALL},
    # city-wide administration: units, targets, the audit log
    "administer": {"admin": ALL},
}


def allowed(user, permission: str, unit=None) -> bool:
    """True when `user` holds `permission` over `unit` (or anywhere, when unit is None)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    reach = PERMISSIONS[permission].get(user.role)
    if reach is None:
        return False
    if reach == ALL or unit is None:
        return True
    if reach == OWN:
        return unit.id == user.unit_id
    return unit.is_within(user.unit)


def require(permission: str, unit=None, user=None) -> None:
    """Raise Forbidden (a 403 page or JSON error) unless the user holds the permission."""
    if not allowed(user if user is not None else current_user, permission, unit):
        raise Forbidden(_("Bạn không có quyền thực hiện thao tác này."))


def scope_root(user, permission: str = "view"):
    """The unit at the top of what the user may reach with `permission` (None = everything)."""
    reach = PERMISSIONS[permission].get(user.role)
    if reach == ALL:
        return None
    return user.unit


def permission_required(permission: str):
    """View decorator: the user must hold `permission` somewhere (the unit is checked inside)."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                # the sign-in page for a page, a JSON 401 for the API (auth/__init__.py)
                return current_app.login_manager.unauthorized()
            require(permission)
            return view(*args, **kwargs)
        return wrapped
    return decorator
