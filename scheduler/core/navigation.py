"""The main menu: each entry shows only to users who hold its permission somewhere."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .access import allowed

MENU = [
    ("units.home", _l("Trang chủ"), None),
    ("meetings.week", _l("Lịch họp"), "view"),
    ("meetings.schedule", _l("Lịch công tác tuần"), "view"),
    ("meetings.new", _l("Đặt lịch họp"), "book"),
    # feeds for Outlook / Google Calendar, and the .ics import linked from there
    ("calendar.subscriptions", _l("Đăng ký lịch"), "view"),
    ("units.tree", _l("Đơn vị"), None),
    ("rooms.index", _l("Phòng họp"), "manage"),
    ("endpoints.index", _l("Điểm cầu"), "manage"),
    ("auth.users", _l("Người dùng"), "manage"),
    ("reports.targets", _l("Báo cáo"), "report"),
    ("audit.index", _l("Nhật ký"), "administer"),
    ("jobs.index", _l("Tác vụ nền"), "administer"),
]


def nav_items():
    if not current_user.is_authenticated:
        return []
    rules = current_app.view_functions
    return [(endpoint, text) for endpoint, text, permission in MENU
            if endpoint in rules and (permission is None or allowed(current_user, permission))]
