"""The main menu: each entry shows only to users who hold its permission somewhere. Daily work
sits in the bar; the management pages are grouped under one "Quản trị" menu so the bar fits on
one line at office screen widths."""
from collections.abc import Callable

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..extensions import db
from .access import allowed

ADMIN = _l("Quản trị")

# (endpoint, label, permission needed somewhere or None, group or None)
MENU = [
    ("units.home", _l("Trang chủ"), None, None),
    ("meetings.week", _l("Lịch họp"), "view", None),
    ("meetings.schedule", _l("Lịch công tác tuần"), "view", None),
    ("meetings.new", _l("Đặt lịch họp"), "book", None),
    ("meetings.approvals", _l("Duyệt lịch"), "manage", None),
    ("units.tree", _l("Đơn vị"), None, None),
    ("reports.targets", _l("Báo cáo"), "report", None),
    ("rooms.index", _l("Phòng họp"), "manage", ADMIN),
    ("endpoints.index", _l("Điểm cầu"), "manage", ADMIN),
    ("auth.users", _l("Người dùng"), "manage", ADMIN),
    ("audit.index", _l("Nhật ký"), "administer", ADMIN),
    ("jobs.index", _l("Tác vụ nền"), "administer", ADMIN),
]


def nav_items() -> list[dict]:
    """The menu of the signed-in user: links {"endpoint", "text"} and groups {"text", "links"},
    in MENU order, a group where its first visible entry is."""
    if not current_user.is_authenticated:
        return []
    rules = current_app.view_functions
    entries, groups = [], {}
    for endpoint, text, permission, group in MENU:
        if endpoint not in rules or (permission is not None and not allowed(current_user, permission)):
            continue
        link = {"endpoint": endpoint, "text": text}
        if group is None:
            entries.append(link)
        elif str(group) in groups:
            groups[str(group)]["links"].append(link)
        else:
            groups[str(group)] = {"text": group, "links": [link]}
            entries.append(groups[str(group)])
    return entries


# name -> function(user) giving a SELECT of one count for the menu (or None: nothing to count)
BADGES: dict[str, Callable] = {}


def menu_badge(name: str):
    """Registers a count shown in the menu bar (the bell's unread notifications, the bookings
    waiting for approval): the function takes the signed-in user and returns a one-count
    SELECT, or None when the user has nothing of the kind."""
    def register(count_query: Callable) -> Callable:
        BADGES[name] = count_query
        return count_query
    return register


def menu_counts() -> dict[str, int]:
    """Every registered count of the signed-in user, read in one statement (each count a
    scalar subquery): the menu shows on every page, so it costs one round trip, not one per
    badge. base.html calls it once per page."""
    if not current_user.is_authenticated:
        return {}
    queries = {name: count_query(current_user) for name, count_query in BADGES.items()}
    columns = [query.scalar_subquery().label(name) for name, query in queries.items()
               if query is not None]
    row = db.session.execute(sa.select(*columns)).one()._mapping if columns else {}
    return {name: int(row.get(name) or 0) for name in queries}
