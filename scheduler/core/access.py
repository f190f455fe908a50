"""Who may do what, and where: the one place that answers the access question.

A permission is granted to a role over a reach: `own` (the user's unit only), `subtree` (the
user's unit and every unit below it) or `all`. Everything that decides what a user may see or
change asks `reach()`: `allowed()` for one unit; for lists, searches, feeds and reports the
same answer as SQL is `Unit.in_reach(user, permission)`. An inactive user reaches nothing.

The models ask it for their own rows (`Unit.can_view(user)`, `Meeting.can_change(user)`,
`Meeting.visible_to(user)`), and `get_or_404` finds a row and asks it in one call.
"""
from functools import wraps

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from .errors import Forbidden, NotFound

OWN, SUBTREE, ALL = "own", "subtree", "all"
# every role a user may hold (the database's ck_user_role_known), in the order forms list them
ROLES = ("staff", "unit_admin", "viewer", "admin")

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


def roles_with(permission: str, *reaches: str) -> tuple[str, ...]:
    """The roles granted `permission` (over one of `reaches` only, when given): for the
    queries that find the users to tell, the roles read as data rather than named."""
    return tuple(role for role, reach_of in PERMISSIONS[permission].items()
                 if not reaches or reach_of in reaches)


def role_holds(role: str, permission: str) -> bool:
    """The role is granted `permission` anywhere, whether or not its holder is signed in or
    active (only an administrator changes an administrator's account, even a locked one)."""
    return role in PERMISSIONS[permission]


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


def get_or_404(model, ident, missing: str, user=None, may: str | None = None,
               refused: str | None = None, within: dict | None = None, **options):
    """The row of `model` with id `ident`, else NotFound(`missing`) (an id that is no integer
    finds nothing, nor does a row whose columns differ from `within`: another user's token,
    another meeting's sitting, whose very existence is nobody else's business). With `may`
    ("view", "change"...), the row's `can_<may>(user)` must hold (a row without one, a room or
    an endpoint, is reached as its unit is), else Forbidden(`refused`, by default require()'s
    message): another unit's row is a 403, never a 404. `options` go to Session.get
    (with_for_update, populate_existing)."""
    row = (db.session.get(model, ident, **options)
           if isinstance(ident, int) and not isinstance(ident, bool) else None)
    if row is None or any(getattr(row, k) != v for k, v in (within or {}).items()):
        raise NotFound(missing)
    if may is None:
        return row
    owner = row if hasattr(row, f"can_{may}") else row.unit
    if not getattr(owner, f"can_{may}")(user if user is not None else current_user):
        raise Forbidden(refused or _("Bạn không có quyền thực hiện thao tác này."))
    return row
