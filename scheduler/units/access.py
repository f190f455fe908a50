"""The access question of core/access.py asked as SQL over `Unit`: which units a user reaches
with a permission, for lists, searches, feeds and reports. Each asks `access.reach()`, the one
place that decides."""
import sqlalchemy as sa

from ..core import access
from .models import Unit


def reach_condition(user, permission: str = "view"):
    """SQL condition on Unit: the units where `user` holds `permission` (an indexed path prefix
    for a subtree, so a list stays one query whatever the depth of the tree)."""
    how_far = access.reach(user, permission)
    if how_far is None:
        return sa.false()
    if how_far == access.ALL:
        return sa.true()
    if how_far == access.OWN:
        return Unit.id == user.unit_id
    return Unit.in_subtree(user.unit)


def unit_ids_in_reach(user, permission: str = "view"):
    """SQL selectable of the ids of the units in reach; None when that is every unit (so the
    caller adds no filter at all)."""
    if access.reach(user, permission) == access.ALL:
        return None
    return sa.select(Unit.id).where(reach_condition(user, permission))
