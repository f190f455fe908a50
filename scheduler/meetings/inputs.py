"""A booking request (API JSON or form data) read into checked values, in two steps.

Its shape — types, required fields, lengths, choices, date-times, lists — is the marshmallow
schema below, declared once: the booking service loads every body through it and the API's
OpenAPI document is built from it. What needs the database — the units holding the codes on
the day, the rooms, the sittings of a series — is read after it (`read_meeting`), and the
problems of both steps are reported at once, as ValidationError details={"fields": {name:
message}}, so a form can mark each field and an API client can fix all of them in one go.
Nothing here writes to the database.
"""
import copy
import re
from functools import partial
from types import SimpleNamespace
from datetime import date, datetime, timedelta, timezone

import marshmallow
import sqlalchemy as sa
from flask_babel import gettext as _
from marshmallow import EXCLUDE, fields, validate, validates_schema
from marshmallow.utils import missing

from ..core.errors import ValidationError
from ..core.timeutil import format_date_vi, to_utc, utcnow
from ..extensions import db
from ..core.types import MAX_ID
from ..rooms.models import Room
from ..units.models import Unit
from . import series
from .rules import holidays_of_series
from .series import local_day
from .models import CATEGORIES, MAX_MEETING_HOURS, MODES  # noqa: F401 (re-exported)

TITLE_MAX = 300
AGENDA_MAX = 20_000
CHAIR_MAX = 200
REASON_MAX = 500
# meetings are booked at most this far ahead (series end within two years as well); in the
# past, records go back to the year 2000
BOOKING_HORIZON = timedelta(days=3 * 366)
EARLIEST = datetime(2000, 1, 1, tzinfo=timezone.utc)
# control characters other than tab and line breaks: PostgreSQL refuses NUL in text, and
# none of them belongs in a title or an agenda
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
Refused = marshmallow.ValidationError


def parse_datetime(value) -> datetime:
    """An aware UTC datetime from a datetime or an ISO 8601 string; naive = Hà Nội time."""
    if isinstance(value, datetime):
        return to_utc(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a string")
    raw = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if len(raw) <= 10:  # a bare date is not a meeting time
        raise ValueError("date without time")
    return to_utc(datetime.fromisoformat(raw))


def text_value(value, maximum: int, required: bool = False, default=""):
    """A stripped text of at most `maximum` characters without control characters (None and
    a missing value are the default); what is wrong with it raises `Refused`."""
    if value is None or value is missing:
        value = default
    if not isinstance(value, str):
        raise Refused(_("Giá trị phải là chuỗi ký tự."))
    value = value.strip()
    if _CONTROL.search(value):
        raise Refused(_("Có ký tự điều khiển không hợp lệ."))
    if required and not value:
        raise Refused(_("Không được để trống."))
    if len(value) > maximum:
        raise Refused(_("Tối đa %(n)d ký tự (đang có %(m)d).", n=maximum, m=len(value)))
    return value


def text_field(errors: dict, data: dict, name: str, maximum: int, required=False, default=""):
    """data[name] as text_value reads it; its problem goes to errors[name] (the paperless
    bodies, read by their services)."""
    try:
        return text_value(data.get(name, default), maximum, required, default)
    except Refused as err:
        errors[name] = err.messages[0]
        return default


# -- the readers of the fields: the value given (marshmallow's `missing` when there is none)
# becomes the loaded one, or Refused with the field's message
def _text(maximum: int, required: bool = False, default=""):
    return lambda value: text_value(value, maximum, required) or default


def _choice(choices, message, default=""):
    def read(value):
        value = default if value is None or value is missing or value == "" else value
        if value not in choices:
            raise Refused(message(value))
        return value
    return read


def _flag(value) -> bool:
    if value is missing:
        return False
    if not isinstance(value, bool):
        raise Refused(_("Giá trị phải là true hoặc false."))
    return value


def _moment(value) -> datetime:
    if value is None or value is missing or value == "":
        raise Refused(_("Không được để trống."))
    try:
        when = parse_datetime(value)
    except (ValueError, TypeError, OverflowError):
        raise Refused(_("Không đọc được ngày giờ '%(value)s' (cần dạng 2026-03-05T08:00+07:00).",
                        value=str(value)[:40])) from None
    if not EARLIEST <= when <= utcnow() + BOOKING_HORIZON:
        raise Refused(_("Ngày họp phải từ năm 2000 đến tối đa 3 năm tới."))
    return when


def _codes(value) -> list[str]:
    value = value or []
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise Refused(_("Cần một danh sách mã đơn vị."))
    return list(dict.fromkeys(c.strip() for c in value))


def _ids(value) -> list[int]:
    value = value or []
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                              and 1 <= i <= MAX_ID for i in value):
        raise Refused(_("Cần một danh sách mã số phòng họp."))
    return list(dict.fromkeys(value))


def _days(value) -> set[date]:
    if value is None or value is missing:
        return set()
    if not isinstance(value, list):
        raise Refused(_("Cần một danh sách ngày (YYYY-MM-DD)."))
    days, bad = set(), None
    for item in value:
        try:
            days.add(item if isinstance(item, date) else date.fromisoformat(str(item)[:10]))
        except ValueError:
            bad = item
    if bad is not None:
        raise Refused(_("Ngày không hợp lệ: %(value)s", value=bad))
    return days


def _host(value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Refused(_("Cần mã đơn vị chủ trì cuộc họp."))
    return value.strip()


def _rule(value) -> str | None:
    if value is None or value is missing or value == "":
        return None
    if not isinstance(value, str):
        raise Refused(_("Quy tắc lặp phải là chuỗi RRULE."))
    return series.normalise_rule(value)


def read_by(field: fields.Field, reader) -> fields.Field:
    """`field`, whose type, format and limits the OpenAPI document states, loaded by `reader`."""
    field.deserialize = lambda value, attr=None, data=None, **kw: reader(value)
    return field


def text(description: str = "", format: str | None = None, **kw) -> fields.String:
    metadata = {"format": format} if format else {}
    return fields.String(metadata={**metadata, **({"description": description} if description
                                                  else {})}, **kw)


# an ISO 8601 date-time as the API writes it (with its offset; _moment reads one without as
# Hà Nội time), and a date
moment, day = partial(text, format="date-time"), partial(text, format="date")


class Move(marshmallow.Schema):
    """A meeting's or a sitting's times: each within what can be booked, the end after the
    start, at most MAX_MEETING_HOURS apart."""
    class Meta:
        unknown = EXCLUDE
        ordered = True

    start = read_by(moment("ISO 8601; without offset = Asia/Ho_Chi_Minh", required=True),
                    _moment)
    end = read_by(moment(required=True), _moment)

    @validates_schema(skip_on_field_errors=False)
    def _length(self, data, **kw):
        start, end = data.get("start"), data.get("end")
        if start is None or end is None:
            return
        if end <= start:
            raise Refused(_("Thời gian kết thúc phải sau thời gian bắt đầu.") if end < start
                          else _("Cuộc họp không thể kéo dài 0 phút."), "end")
        if end - start > timedelta(hours=MAX_MEETING_HOURS):
            raise Refused(_("Một cuộc họp không kéo dài quá %(n)d giờ; hãy đặt chuỗi họp hằng ngày.",
                            n=MAX_MEETING_HOURS), "end")


def load(schema: type[marshmallow.Schema], data: dict) -> dict:
    """data as `schema` loads it; its problems refused as every input's (invalid)."""
    try:
        return schema().load(data)
    except Refused as err:
        raise invalid(first_messages(err.messages)) from None


def read_times(start, end) -> tuple[datetime, datetime]:
    loaded = load(Move, {"start": start, "end": end})
    return loaded["start"], loaded["end"]


def _mode(value) -> str:
    return _("Hình thức họp không hợp lệ: '%(value)s'.", value=str(value)[:40])


def _instant(value) -> datetime:
    try:
        return parse_datetime(value)
    except (ValueError, TypeError, OverflowError):
        raise Refused(_("Không đọc được ngày giờ.")) from None


# a skipped date of a series to take back, and the mode a sitting was actually held in
Restore = marshmallow.Schema.from_dict(
    {"original_start": read_by(moment(required=True), _instant)}, name="Restore")
HeldMode = marshmallow.Schema.from_dict({"held_mode": read_by(
    text(required=True, validate=validate.OneOf(MODES)), _choice(MODES, _mode))}, name="HeldMode")


class NewMeeting(Move):
    """A meeting to book; a change is merged onto the meeting's current fields and loaded
    through it too."""

    title = read_by(text(required=True, validate=validate.Length(1, TITLE_MAX)),
                    _text(TITLE_MAX, required=True))
    category = read_by(text(required=True, validate=validate.OneOf(CATEGORIES)),
                       _choice(CATEGORIES, lambda value: _(
                           "Loại cuộc họp không hợp lệ: '%(value)s'.", value=value)))
    host_unit = read_by(text("unit code", required=True), _host)
    chair = read_by(text(validate=validate.Length(max=CHAIR_MAX)), _text(CHAIR_MAX))
    mode = read_by(text(required=True, validate=validate.OneOf(MODES)), _choice(MODES, _mode))
    paperless = read_by(fields.Boolean(), _flag)
    rooms = read_by(fields.List(fields.Integer()), _ids)
    participants = read_by(fields.List(fields.String()), _codes)
    agenda = read_by(text(validate=validate.Length(max=AGENDA_MAX)), _text(AGENDA_MAX))
    conclusion = read_by(text("kết luận (usually recorded once the meeting is held)",
                              validate=validate.Length(max=AGENDA_MAX)), _text(AGENDA_MAX))
    rrule = read_by(text("RFC 5545 RRULE without DTSTART, e.g. FREQ=WEEKLY;BYDAY=MO;COUNT=10 "
                         "(at most 370 sittings within 2 years)", allow_none=True), _rule)
    skip_dates = read_by(fields.List(day()), _days)
    on_conflict = read_by(text(validate=validate.OneOf(["fail", "skip"]), load_default="fail"),
                          _choice(("fail", "skip"), lambda value: _(
                              "on_conflict chỉ nhận 'fail' hoặc 'skip'."), default="fail"))
    skip_holidays = read_by(fields.Boolean(load_default=False, metadata={
        "description": "a series leaves out its sittings on Vietnamese public holidays "
                       "(listed in `skipped`)"}), _flag)
    holiday_override_reason = read_by(text(validate=validate.Length(max=REASON_MAX)),
                                      _text(REASON_MAX, default=None))

def _optional(field: fields.Field) -> fields.Field:
    field = copy.copy(field)
    field.required = False
    return field


# a change (PATCH) gives any of the fields: as documented; it is read as NewMeeting once merged
MeetingInput = NewMeeting.from_dict(
    {name: _optional(field) for name, field in NewMeeting._declared_fields.items()},
    name="MeetingInput")


FIELDS = tuple(NewMeeting().fields)


class Booking(SimpleNamespace):
    """A booking's values once read: NewMeeting's fields, the host unit, participants and rooms
    found, and `instances`, the (start, end) UTC of every sitting."""


def first_messages(messages: dict) -> dict[str, str]:
    """marshmallow's messages, field -> its first message."""
    found = {}
    for name, listed in messages.items():
        while isinstance(listed, (list, dict)):
            listed = next(iter(listed.values() if isinstance(listed, dict) else listed))
        found[name] = str(listed)
    return found


def read_meeting(data: dict) -> Booking:
    """A complete set of meeting fields (a PATCH merges onto the current values first), its
    shape checked by NewMeeting and then what it names found in the database."""
    if not isinstance(data, dict):
        raise ValidationError(_("Dữ liệu cuộc họp không hợp lệ."))
    try:
        loaded, errors = NewMeeting().load(data), {}
    except Refused as err:
        loaded, errors = err.valid_data or {}, first_messages(err.messages)
    values = Booking(**{"start": None, "end": None, "rrule": None, "skip_dates": set(),
                        "skip_holidays": False, **loaded, "host_unit": None, "instances": []})
    values.rooms = _rooms(errors, loaded.get("rooms") or [])
    _units(errors, values, loaded)
    _instances(errors, values)
    check_units_exist(errors, values)
    if errors:
        raise invalid(errors)
    return values


def _unit_codes(errors, name, codes: list[str], on: date | None = None) -> list[Unit]:
    found = _holders(codes, on)
    unknown = [code for code in codes if code not in found]
    if unknown:
        errors[name] = _("Không có đơn vị mã: %(codes)s", codes=", ".join(unknown))
    return [found[code] for code in codes if code in found]


def _holders(codes: list[str], on: date | None) -> dict[str, Unit]:
    """code -> unit, in one query for all the codes: the unit holding the code on day `on` (GSO
    codes are reused after mergers: 00004 is Phường Trúc Bạch in 2024 and Phường Ba Đình since
    1 July 2025). A code nobody holds that day names the holder nearest to it, so that the
    validity check can say when that unit ended or begins. Without a day, as Unit.by_code picks
    it: the current holder, else the most recent one."""
    if not codes:
        return {}
    rows = db.session.scalars(sa.select(Unit).where(Unit.code.in_(codes)))
    earliest = date.min

    def rank(unit):
        if on is not None:
            if unit.exists_on(on):
                return (2, date.min)
            if unit.valid_to is not None and unit.valid_to < on:
                return (1, unit.valid_to)  # the latest one to end before the day
            return (0, date.max - (unit.valid_from - earliest))  # the first one to begin after
        return (unit.valid_to is None, unit.valid_to or earliest, unit.valid_from or earliest)

    best: dict[str, Unit] = {}
    for unit in rows:
        if unit.code not in best or rank(unit) > rank(best[unit.code]):
            best[unit.code] = unit
    return best


def _rooms(errors, wanted: list[int]) -> list[Room]:
    found = {r.id: r for r in db.session.scalars(
        sa.select(Room).where(Room.id.in_(wanted), Room.active.is_(True)))} if wanted else {}
    unknown = [str(i) for i in wanted if i not in found]
    if unknown:
        errors["rooms"] = _("Không có phòng họp số: %(ids)s", ids=", ".join(unknown))
    return [found[i] for i in wanted if i in found]


def _units(errors, values: Booking, loaded: dict) -> None:
    """The host and the participants; a code names the unit holding it on the day of the
    (first) sitting."""
    on = local_day(values.start) if values.start else None
    if "host_unit" in loaded:
        hosts = _unit_codes(errors, "host_unit", [loaded["host_unit"]], on)
        values.host_unit = hosts[0] if hosts else None
    values.participants = [u for u in _unit_codes(errors, "participants",
                                                  loaded.get("participants") or [], on)
                           if values.host_unit is None or u.id != values.host_unit.id]


def _instances(errors, values: Booking) -> None:
    """Every sitting's (start, end): the RRULE's instances, or the one meeting."""
    if values.rrule:
        if "start" not in errors and "end" not in errors:
            try:
                values.instances = series.expand(values.rrule, values.start, values.end)
            except series.SeriesError as err:
                errors["rrule"] = str(err)
    if not values.rrule and values.start and values.end:
        values.instances = [(values.start, values.end)]
    if values.rrule and values.skip_holidays:
        # the sittings on public holidays become skipped dates (EXDATE), listed on the meeting
        values.skip_dates |= {day for day, _name in holidays_of_series(values.instances)}


def check_units_exist(errors: dict[str, str], values: Booking) -> None:
    """The host and every participant must exist on the day of each sitting (a ward closed on
    30/06/2025 hosts nothing in 2026); a series whose sittings fall on both sides of a unit's
    first or last day — the reform of 1 July 2025 — is refused as a whole."""
    days = sorted({local_day(start) for start, _end in values.instances} - values.skip_dates)
    if not days:
        return
    first, last = days[0], days[-1]
    problems: dict[str, list[str]] = {"host_unit": [], "participants": []}
    crossing = None
    units = [("host_unit", values.host_unit)] if values.host_unit else []
    for field_name, unit in units + [("participants", u) for u in values.participants]:
        if unit.exists_on(first) and unit.exists_on(last):
            continue
        problems[field_name].append(_validity_problem(unit, first, last))
        if values.rrule and crossing is None and any(unit.exists_on(d) for d in days):
            crossing = unit
    for field_name, found in problems.items():
        if found and field_name not in errors:
            errors[field_name] = " ".join(found)
    if crossing is not None and "rrule" not in errors:
        boundary = (crossing.valid_to + timedelta(days=1) if crossing.valid_to and crossing.valid_to < last
                    else crossing.valid_from)
        errors["rrule"] = _("Chuỗi họp vượt qua ngày %(day)s, khi %(name)s thay đổi hiệu lực: hãy kết "
                            "thúc chuỗi trước ngày đó và đặt chuỗi mới với các đơn vị từ ngày đó.",
                            day=format_date_vi(boundary), name=crossing.name)


def _validity_problem(unit: Unit, first: date, last: date) -> str:
    if unit.valid_to is not None and unit.valid_to < last:
        return _("%(name)s (%(code)s) chỉ có hiệu lực đến ngày %(end)s, không thể dự họp ngày %(day)s.",
                 name=unit.name, code=unit.code, end=format_date_vi(unit.valid_to),
                 day=format_date_vi(max(first, unit.valid_to + timedelta(days=1))))
    return _("%(name)s (%(code)s) chỉ có hiệu lực từ ngày %(start)s, không thể dự họp ngày %(day)s.",
             name=unit.name, code=unit.code, start=format_date_vi(unit.valid_from),
             day=format_date_vi(first))


def invalid(errors: dict[str, str]) -> ValidationError:
    names = ", ".join(errors)
    first = next(iter(errors.values()))
    return ValidationError(_("Dữ liệu không hợp lệ (%(names)s): %(first)s", names=names, first=first),
                           {"fields": errors})
