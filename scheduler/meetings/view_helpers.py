"""What the meeting pages share: the units and rooms within a user's reach, the week and month
arithmetic of the calendars, and reading occurrences through the booking service."""
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager
from flask import request
from flask_babel import gettext as _
from flask_login import current_user

from ..core.access import allowed, get_or_404
from ..core.requests import day_arg
from ..core.timeutil import LOCAL_TZ, local_day_bounds, today_local
from ..core.types import parse_id
from ..extensions import db
from ..rooms.models import Room
from ..units.models import Unit
from ..units.services import get_unit
from . import queries

KIND_ORDER = {"city": 0, "department": 1, "district": 2, "ward": 3}


def rooms_in_reach(user, permission: str = "view") -> list[Room]:
    query = (sa.select(Room).join(Unit, Room.unit_id == Unit.id)
             .options(contains_eager(Room.unit))  # the pickers name each room's unit
             .where(Room.active.is_(True), Unit.in_reach(user, permission))
             .order_by(Unit.code, Room.name))
    return list(db.session.scalars(query))


def picker_units(user, around: Unit, permission: str = "view") -> list:
    """The calendars' unit picker: the shown unit, the units above it and its units one level
    down, those the user may see, and the user's own unit — one step at a time through the
    tree, so the page stays small for a province of five hundred wards. Rows (id, code, name,
    kind), not ORM objects: a calendar page asks for them on every cache miss."""
    today = today_local()
    ids = [int(part) for part in around.path.strip("/").split("/") if part]
    near = sa.or_(Unit.id.in_(ids + [user.unit_id]), Unit.parent_id == around.id)
    units = db.session.execute(sa.select(Unit.id, Unit.code, Unit.name, Unit.kind).where(
        near, Unit.in_reach(user, permission), Unit.active_on(today)))
    return sorted(units, key=lambda u: (KIND_ORDER.get(u.kind, 9), u.code))


def picker_rooms(user, around: Unit, room: Room | None = None) -> list:
    """The calendars' room picker: the active rooms of the shown unit (and the shown room), as
    rows (id, name, unit_name)."""
    query = (sa.select(Room.id, Room.name, Unit.name.label("unit_name"))
             .join(Unit, Room.unit_id == Unit.id)
             .where(Room.active.is_(True), Unit.in_reach(user, "view"),
                    sa.or_(Room.unit_id == around.id, Room.id == getattr(room, "id", None)))
             .order_by(Unit.code, Room.name))
    return list(db.session.execute(query))


def all_active_units(on: date | None = None) -> list[Unit]:
    """The tree of day `on` (today by default): who may host or be invited that day."""
    units = db.session.scalars(sa.select(Unit).where(Unit.active_on(on or today_local())))
    return sorted(units, key=lambda u: (KIND_ORDER.get(u.kind, 9), u.code))


def requested_unit(param: str = "unit") -> Unit:
    """The unit named in the query string (the user's own by default), which the user must be
    allowed to view."""
    code = (request.args.get(param) or "").strip()
    if not code:
        return current_user.unit
    return get_unit(code, may="view")


def requested_room() -> Room | None:
    value = (request.args.get("room") or "").strip()
    if not value:
        return None
    return get_or_404(Room, parse_id(value), _("Không tìm thấy phòng họp."), may="view")


def requested_day(param: str = "date") -> date:
    return day_arg(request.args, param, None) or today_local()


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def occurrences_between(viewer, first_day: date, last_day: date, unit=None, room=None,
                        rooms=None, with_agenda: bool = False, brief: bool = False) -> list:
    """Occurrences on the local days first_day..last_day, in time order, cancelled ones left out
    (they block nothing and offices do not want them on the wall); `brief`: only what the
    calendars' chips show (see queries.find_occurrences)."""
    start, end = local_day_bounds(first_day, last_day)
    found = queries.find_occurrences(viewer, start, end, unit=unit, room=room, rooms=rooms,
                                      with_agenda=with_agenda, brief=brief)
    return sorted((o for o in found if o.status != "cancelled"), key=lambda o: o.start_at)


def local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ)


def may_book_somewhere(user=None) -> bool:
    """Whether to offer booking links (the form itself checks the unit)."""
    return allowed(user if user is not None else current_user, "book")
