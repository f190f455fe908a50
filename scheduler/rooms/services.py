"""Managing rooms: listing them within the user's reach, creating, changing, deactivating.

Every write is authorised against the room's unit (and the target unit when a room moves) and
recorded in the audit log with the changed fields; callers commit.
"""
import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from flask_babel import gettext as _

from ..audit.services import diff, record, snapshot
from ..core.access import get_or_404, require
from ..core.errors import ValidationError
from ..core.textsearch import contains
from ..extensions import db
from ..units.models import Unit
from .models import Room

ROOM_FIELDS = ("name", "capacity", "paperless", "has_endpoint", "requires_approval",
               "open_from", "open_until", "max_duration_minutes", "max_advance_days")


def rooms_query(user, *, unit: Unit | None = None, subtree: bool = True, permission: str = "view",
                include_inactive: bool = False, search: str | None = None):
    """A select of the rooms of the units where `user` holds `permission`; narrowed to `unit`
    (and, with `subtree`, the units below it), which must itself lie within reach; `search`
    finds words of the room's name, ignoring case and Vietnamese marks."""
    query = (sa.select(Room).join(Room.unit).options(contains_eager(Room.unit))
             .where(Unit.in_reach(user, permission)))
    if unit is not None:
        require(permission, unit, user=user)
        query = query.where(Unit.in_subtree(unit) if subtree else Room.unit_id == unit.id)
    if not include_inactive:
        query = query.where(Room.active.is_(True))
    if search:
        query = query.where(contains(Room.name, search))
    return query.order_by(Room.active.desc(), Unit.code, Room.name, Room.id)


def list_rooms(user, *, page: tuple[int, int] | None = None, **filters) -> list[Room]:
    """The rooms of rooms_query, each with its unit; `page` = (offset, limit) reads a part."""
    query = rooms_query(user, **filters)
    if page is not None:
        query = query.offset(page[0]).limit(page[1])
    return list(db.session.scalars(query))


def get_room(room_id: int, actor=None, may: str | None = None) -> Room:
    """The room; with `may`, when `actor` holds that permission over its unit (another unit's
    room is a 403, never a 404)."""
    return get_or_404(Room, room_id, _("Không tìm thấy phòng họp."), actor, may)


def get_managed_room(actor, room_id: int) -> Room:
    return get_room(room_id, actor, "manage")


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError(message, {"field": field})


def _clean(values: dict) -> dict:
    """Checked and normalised room fields; raises ValidationError naming the field."""
    name = (values.get("name") or "").strip()
    if not name:
        raise _invalid("name", _("Cần nhập tên phòng họp."))
    if len(name) > 200:
        raise _invalid("name", _("Tên phòng họp dài tối đa 200 ký tự."))
    capacity = values.get("capacity")
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0 or capacity > 10000:
        raise _invalid("capacity", _("Sức chứa phải là số nguyên từ 0 đến 10000."))
    for field in ("max_duration_minutes", "max_advance_days"):
        value = values.get(field)
        if value is not None and (not isinstance(value, int) or value <= 0):
            raise _invalid(field, _("Giá trị phải là số nguyên dương."))
    open_from, open_until = values.get("open_from"), values.get("open_until")
    if open_from is not None and open_until is not None and open_from >= open_until:
        raise _invalid("open_until", _("Giờ kết thúc phải sau giờ bắt đầu."))
    cleaned = {field: values.get(field) for field in ROOM_FIELDS}
    cleaned.update(name=name, capacity=capacity)
    for flag in ("paperless", "has_endpoint", "requires_approval"):
        cleaned[flag] = bool(values.get(flag))
    return cleaned


def create_room(actor, unit: Unit, values: dict) -> Room:
    require("manage", unit, user=actor)
    cleaned = _clean(values)
    room = Room(unit=unit, **cleaned)
    db.session.add(room)
    db.session.flush()
    record(actor, "room.create", "room", room.id, unit=unit, summary=room.name,
           changes={**cleaned, "unit": unit.code})
    return room


def update_room(actor, room: Room, unit: Unit, values: dict) -> Room:
    """Change the room's fields; moving it to `unit` needs the right over both units."""
    require("manage", room.unit, user=actor)
    require("manage", unit, user=actor)
    cleaned = _clean(values)
    before = {**snapshot(room, ROOM_FIELDS), "unit": room.unit.code}
    for field, value in cleaned.items():
        setattr(room, field, value)
    room.unit = unit
    db.session.flush()
    changes = diff(before, {**snapshot(room, ROOM_FIELDS), "unit": unit.code})
    if changes:
        record(actor, "room.update", "room", room.id, unit=unit, summary=room.name, changes=changes)
    return room


def set_room_active(actor, room: Room, active: bool) -> Room:
    require("manage", room.unit, user=actor)
    if room.active != active:
        room.active = active
        record(actor, "room.reactivate" if active else "room.deactivate", "room", room.id,
               unit=room.unit, summary=room.name, changes={"active": [not active, active]})
    return room


def room_to_dict(room: Room) -> dict:
    return {
        "id": room.id,
        "unit": room.unit.code,
        "name": room.name,
        "capacity": room.capacity,
        "paperless": room.paperless,
        "has_endpoint": room.has_endpoint,
        "requires_approval": room.requires_approval,
    }
