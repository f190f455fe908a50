"""The main menu: each entry shows only to users who hold its permission somewhere. Daily work
sits in the bar; the management pages are grouped under one "Quản trị" menu so the bar fits on
one line at office screen widths."""
import secrets
from collections.abc import Callable, Hashable
from typing import NamedTuple

import sqlalchemy as sa
from flask import current_app, render_template, request
from flask_babel import get_locale, lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup, escape

from ..extensions import db
from .access import allowed
from .cache import Cache

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


# the statements of each signed-in user's counts, built once: constructing one and working out
# its cache key cost as much as running it (the menu shows on every page). The badges' queries
# depend on the user alone (their id, role and unit's place in the tree): kept under those.
COUNT_STATEMENTS: Cache[tuple] = Cache(
    "menu count statements", store="process", size=4096,
    stale_when="nothing: what a user's statements are built from (id, role, unit, path) is the key")


def _user_key(user) -> tuple:
    return (user.id, user.role, user.active, user.unit_id, user.unit.path if user.unit else None)


def _count_columns(user) -> tuple[list[str], list]:
    """(badge names, one labelled scalar subquery per count the user has) of this user."""
    def build():
        queries = {name: count_query(user) for name, count_query in BADGES.items()}
        return list(queries), [query.scalar_subquery().label(name)
                               for name, query in queries.items() if query is not None]
    return COUNT_STATEMENTS.get(("columns", _user_key(user)), build)


def read_menu_counts_beside(key: Hashable, columns: tuple, params: dict):
    """(row, counts): SELECT `columns` (scalar reads of the page, with `params`) and the
    signed-in user's menu counts, in one round trip. For a page whose own reads before the
    menu are scalars (the calendar tags of a cached week). `key` names the columns by value
    (the same key always comes with the same columns): the combined statement is kept
    under it."""
    user = current_user._get_current_object()
    names, counts = _count_columns(user)
    statement = COUNT_STATEMENTS.get(("beside", key, _user_key(user)),
                                     lambda: sa.select(*columns, *counts))
    row = db.session.execute(statement, params).one()
    return row, {name: int(row._mapping.get(name) or 0) for name in names}


def menu_counts() -> dict[str, int]:
    """Every registered count of the signed-in user, read in one statement (each count a
    scalar subquery): the menu shows on every page, so it costs one round trip, not one per
    badge."""
    if not current_user.is_authenticated:
        return {}
    user = current_user._get_current_object()
    names, columns = _count_columns(user)
    if not columns:
        return dict.fromkeys(names, 0)
    statement = COUNT_STATEMENTS.get(("alone", _user_key(user)), lambda: sa.select(*columns))
    row = db.session.execute(statement).one()._mapping
    return {name: int(row.get(name) or 0) for name in names}


# -- the bar itself ---------------------------------------------------------------------------
# What changes on every request is written into the kept bar afterwards: the CSRF token (its
# signature carries a timestamp) and the page's own address (the language switch comes back
# to it). Random per process, so no user's text can contain them.
_SLOT = secrets.token_hex(8)
CSRF_SLOT, NEXT_SLOT = f"csrf-{_SLOT}", f"next-{_SLOT}"
MENU_BARS = Cache(
    "menu bars", store="process", size=2048,  # a bar is about 5 kB
    stale_when="nothing: every fact the bar shows is its key "
               "(BarFacts: user, counts, locale, page)")


class BarFacts(NamedTuple):
    """Everything _menu_bar.html shows: the bar is kept under exactly these."""
    locale: str
    script_root: str  # where url_for's links start
    endpoint: str | None  # the page's own entry is marked active
    signed_in: bool
    username: str = ""
    full_name: str = ""
    unit_name: str = ""
    role: str = ""  # the entries shown (nav_items asks the role's permissions)
    approvals: int = 0
    unread: int = 0


def _bar_facts(counts: dict | None) -> BarFacts:
    common = (str(get_locale()), request.script_root, request.endpoint)
    if not current_user.is_authenticated:
        return BarFacts(*common, signed_in=False)
    user = current_user._get_current_object()
    counts = menu_counts() if counts is None else counts
    return BarFacts(*common, signed_in=True, username=user.username, full_name=user.full_name or "",
                    unit_name=user.unit.name if user.unit else "", role=user.role,
                    approvals=counts.get("approvals", 0), unread=counts.get("unread", 0))


@pass_context
def menu_bar(context) -> Markup:
    """The menu bar of this page. Rendering it took a third of a cached week page (two dozen
    translations and links); it is rendered once per set of facts in each process, and only
    the CSRF token and the page's address are written in on each request. The counts are
    read here unless the view read them already (`menu_counts` in the template's context,
    from read_menu_counts_beside)."""
    facts = _bar_facts(context.get("menu_counts"))
    html = MENU_BARS.get(facts, lambda: render_template(
        "_menu_bar.html", bar=facts, menu=nav_items(), csrf_slot=CSRF_SLOT, next_slot=NEXT_SLOT))
    filled = html.replace(CSRF_SLOT, str(escape(generate_csrf()))).replace(
        NEXT_SLOT, str(escape(request.full_path)))
    return Markup(filled)  # nosec B704 - our template's output, the two values escaped above
