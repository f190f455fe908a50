"""Who may do what, and where: the one place that answers the access question.

A permission is granted to a role over a reach: `own` (the user's unit only), `subtree` (the
user's unit and every unit below it) or `all`. Everything that decides what a user may see or
change asks `reach()`: `allowed()` for one unit; for lists, searches, feeds and reports the
same answer as SQL over `Unit` is in units/access.py. An inactive user reaches nothing.
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


def reach(user, permission: str) -> str | None:
    """How far `user` holds `permission`: OWN, SUBTREE, ALL, or None (not at all)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return None
    return PERMISSIONS[permission].get(user.role)


def allowed(user, permission: str, unit=None) -> bool:
    """True when `user` holds `permission` over `unit` (or anywhere, when unit is None)."""
    how_far = reach(user, permission)
    if how_far is None:
        return False
    if how_far == ALL or unit is None:
        return True
    if how_far == OWN:
        return unit.id == user.unit_id
    return unit.is_within(user.unit)


def allowed_units(user, permission: str):
    """`allowed(user, permission, unit)` as a function of the unit alone, the user's reach
    worked out once: what a list of a thousand meetings asks of every unit it names."""
    how_far = reach(user, permission)
    if how_far is None:
        return lambda unit: False
    if how_far == ALL:
        return lambda unit: True
    if how_far == OWN:
        own = user.unit_id
        return lambda unit: unit.id == own
    prefix = user.unit.path
    return lambda unit: unit.path.startswith(prefix)


def require(permission: str, unit=None, user=None) -> None:
    """Raise Forbidden (a 403 page or JSON error) unless the user holds the permission."""
    if not allowed(user if user is not None else current_user, permission, unit):
        raise Forbidden(_("Bạn không có quyền thực hiện thao tác này."))


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
