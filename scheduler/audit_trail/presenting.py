"""The audit log as people read it: the action and each changed field by name, units and rooms
by name rather than code or id, times in Hà Nội, codes as their labels, and for lists (rooms,
participants) what was added and what was removed.

Entries store what the services recorded (`{field: [old, new]}` or `{field: value}`, plain JSON);
this module only reads them, so old entries read as well as new ones.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..core.labels import label
from ..core.numbers import short_decimal
from ..core.timeutil import format_datetime_vi
from ..core.recurrence import describe
from ..extensions import db
from ..rooms.models import Room
from ..units.models import Unit

ACTIONS = {
    "meeting.create": _l("Đặt lịch họp"), "meeting.update": _l("Sửa cuộc họp"),
    "meeting.cancel": _l("Hủy cuộc họp"), "meeting.withdraw": _l("Rút lại cuộc họp không diễn ra"),
    "meeting.approve": _l("Duyệt cuộc họp"), "meeting.decline": _l("Từ chối cuộc họp"),
    "meeting.held": _l("Ghi nhận đã họp"), "meeting.held_mode": _l("Sửa hình thức đã họp"),
    "meeting.occurrence_cancel": _l("Hủy một buổi họp"),
    "meeting.occurrence_move": _l("Dời một buổi họp"),
    "meeting.occurrence_restore": _l("Khôi phục buổi họp đã bỏ"),
    "mail.resend": _l("Gửi lại thư mời"),
    "room.create": _l("Thêm phòng họp"), "room.update": _l("Sửa phòng họp"),
    "room.deactivate": _l("Ngừng sử dụng phòng họp"), "room.reactivate": _l("Mở lại phòng họp"),
    "endpoint.create": _l("Thêm điểm cầu"), "endpoint.update": _l("Sửa điểm cầu"),
    "endpoint.deactivate": _l("Ngừng sử dụng điểm cầu"),
    "endpoint.reactivate": _l("Mở lại điểm cầu"),
    "user.create": _l("Thêm người dùng"), "user.update": _l("Sửa người dùng"),
    "user.deactivate": _l("Khóa người dùng"), "user.reactivate": _l("Mở khóa người dùng"),
    "user.reset_password": _l("Đặt lại mật khẩu"), "user.change_password": _l("Đổi mật khẩu"),
    "unit.update": _l("Sửa đơn vị"), "unit.contacts": _l("Sửa thông tin liên hệ đơn vị"),
    "unit.import": _l("Nhập danh sách đơn vị"),
    "connection_fact.record": _l("Ghi nhận kết nối của phường, xã"),
    "target.update": _l("Sửa chỉ tiêu"), "target.threshold": _l("Đặt ngưỡng chỉ tiêu"),
    "target.threshold_delete": _l("Xóa ngưỡng chỉ tiêu"),
    "token.create": _l("Cấp mã truy cập API"), "demo.seed": _l("Nạp dữ liệu mẫu"),
    "feed_token.regenerate": _l("Đổi liên kết lịch"),
    "feed_token.revoke": _l("Thu hồi liên kết lịch"),
}

FIELDS = {
    "title": _l("Tên cuộc họp"), "category": _l("Loại cuộc họp"), "host_unit": _l("Đơn vị chủ trì"),
    "chair": _l("Người chủ trì"), "start": _l("Bắt đầu"), "end": _l("Kết thúc"),
    "mode": _l("Hình thức"), "paperless": _l("Họp không giấy tờ"), "rooms": _l("Phòng họp"),
    "participants": _l("Đơn vị tham dự"), "agenda": _l("Nội dung, chương trình"),
    "conclusion": _l("Kết luận"), "rrule": _l("Lặp lại"), "status": _l("Trạng thái"),
    "join_url": _l("Đường dẫn tham gia"), "holiday_override_reason": _l("Lý do họp vào ngày nghỉ"),
    "reason": _l("Lý do"), "held_mode": _l("Hình thức đã họp"), "occurrence": _l("Buổi họp"),
    "skipped": _l("Buổi đã bỏ"), "occurrences_held": _l("Số buổi đã họp"),
    "name": _l("Tên"), "capacity": _l("Sức chứa"), "has_endpoint": _l("Có điểm cầu"),
    "requires_approval": _l("Cần phê duyệt"), "open_from": _l("Mở cửa từ"),
    "open_until": _l("Đến"), "max_duration_minutes": _l("Thời lượng tối đa (phút)"),
    "max_advance_days": _l("Đặt trước tối đa (ngày)"), "host": _l("Địa chỉ"), "port": _l("Cổng"),
    "protocol": _l("Giao thức"), "wan_connected_on": _l("Ngày kết nối mạng diện rộng"),
    "vc_deployed_on": _l("Ngày triển khai hội nghị truyền hình"), "unit": _l("Đơn vị"),
    "unit_id": _l("Đơn vị"), "role": _l("Vai trò"), "full_name": _l("Họ tên"), "email": _l("Thư điện tử"),
    "phone": _l("Điện thoại"), "tech_name": _l("Cán bộ kỹ thuật"),
    "tech_phone": _l("Điện thoại kỹ thuật"), "tech_email": _l("Thư điện tử kỹ thuật"),
    "active": _l("Đang sử dụng"), "mail": _l("Thư"), "last_error": _l("Lỗi gần nhất"),
}
LABELLED = {"category": "category", "mode": "mode", "held_mode": "mode", "status": "status",
            "role": "role", "protocol": "protocol"}
UNIT_CODES = ("host_unit", "participants", "unit")
TIMES = ("start", "end", "occurrence", "skipped")
LISTS = ("rooms", "participants")  # recorded as lists of ids, shown by name


@dataclass
class Change:
    label: str
    old: str | None = None
    new: str | None = None
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    single: bool = False  # one value recorded, not a before and after


@dataclass
class Entry:
    entry: object
    action: str
    changes: list[Change]


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


class _Names:
    """Unit names by code and id, room names by id, for one page of entries (two queries)."""

    def __init__(self, entries):
        codes, unit_ids, room_ids = set(), set(), set()
        for entry in entries:
            for key, value in (entry.changes or {}).items():
                flat = _flatten(value)
                if key in UNIT_CODES:
                    codes |= {v for v in flat if isinstance(v, str)}
                elif key == "unit_id":
                    unit_ids |= {v for v in flat if isinstance(v, int)}
                elif key == "rooms":
                    room_ids |= {v for v in flat if isinstance(v, int)}
        self.units = {}
        if codes or unit_ids:
            rows = db.session.execute(sa.select(Unit.id, Unit.code, Unit.name).where(
                sa.or_(Unit.code.in_(codes), Unit.id.in_(unit_ids))).order_by(Unit.valid_from))
            for unit_id, code, name in rows:
                self.units[code] = self.units[unit_id] = name
        self.rooms = {row.id: row.name for row in db.session.execute(
            sa.select(Room.id, Room.name).where(Room.id.in_(room_ids)))} if room_ids else {}

    def unit(self, key):
        return self.units.get(key, str(key))

    def room(self, key):
        return self.rooms.get(key, f"#{key}")


def _flatten(value) -> list:
    if isinstance(value, list):
        return [x for v in value for x in (v if isinstance(v, list) else [v])]
    return [value]


def _when(text: str) -> str:
    try:
        moment = datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return str(text)
    if moment.tzinfo is None:
        return moment.strftime("%d/%m/%Y %H:%M")
    return format_datetime_vi(moment)


def _value(key: str, value, names: _Names) -> str | None:
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, bool):
        return _("có") if value else _("không")
    if key in LABELLED:
        return label(value, LABELLED[key])
    if key in UNIT_CODES or key == "unit_id":
        return names.unit(value)
    if key in TIMES:
        return _when(value)
    if key == "rrule":
        return describe(value)
    if isinstance(value, float):
        return short_decimal(value)
    if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}(:00)?", value):
        return value[:5]  # a time of day (room hours), on the 24-hour clock
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def _field_label(key: str) -> str:
    if key.startswith("threshold_"):
        return _("Ngưỡng năm %(year)s", year=key.removeprefix("threshold_"))
    return str(FIELDS.get(key, key.replace("_", " ")))


def _is_pair(key: str, value) -> bool:
    """Whether `value` is `[old, new]`. Two rooms or two units recorded as one list are a single
    value; as a pair, each side is a list (or None)."""
    if not (isinstance(value, list) and len(value) == 2):
        return False
    return key not in LISTS or any(isinstance(v, list) or v is None for v in value)


def _list_change(text: str, key: str, value: list, names: _Names, pair: bool) -> Change:
    """Rooms or participants by name: the list recorded, or what was added and removed."""
    show = names.room if key == "rooms" else names.unit
    if not pair:
        return Change(text, new=", ".join(show(v) for v in value) or None, single=True)
    old, new = value[0] or [], value[1] or []
    return Change(text, added=[show(v) for v in new if v not in old],
                  removed=[show(v) for v in old if v not in new])


def _change(key: str, value, names: _Names) -> Change:
    text = _field_label(key)
    pair = _is_pair(key, value)
    if key in LISTS and isinstance(value, list):
        return _list_change(text, key, value, names, pair)
    if not pair:
        return Change(text, new=_value(key, value, names), single=True)
    old, new = value
    return Change(text, old=_value(key, old, names), new=_value(key, new, names))


def present(entries) -> list[Entry]:
    """Entries ready to show: labels, names, local times, and what changed."""
    entries = list(entries)
    names = _Names(entries)
    return [Entry(e, action_label(e.action),
                  [_change(k, v, names) for k, v in sorted((e.changes or {}).items())])
            for e in entries]
