"""The main menu: each entry shows only to users who hold its permission somewhere. Daily work
sits in the bar; the management pages are grouped under one "Quản trị" menu so the bar fits on
one line at office screen widths."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

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
