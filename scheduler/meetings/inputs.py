"""Reading a booking request (API JSON or form data) into checked values.

Every field is checked and every problem reported at once, as ValidationError
details={"fields": {name: message}}, so a form can mark each field and an API client can fix
all of them in one go. Nothing here writes to the database.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.errors import ValidationError
from ..core.timeutil import format_date_vi, to_utc
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
FIELDS = ("title", "category", "host_unit", "chair", "start", "end", "mode", "paperless",
          "rooms", "participants", "agenda", "conclusion", "rrule", "skip_dates", "on_conflict",
          "skip_holidays", "holiday_override_reason")


@dataclass
class MeetingInput:
    title: str = ""
    category: str = ""
    host_unit: Unit | None = None
    chair: str = ""
    start: datetime | None = None
    end: datetime | None = None
    mode: str = ""
    paperless: bool = False
    rooms: list = field(default_factory=list)
    participants: list = field(default_factory=list)
    agenda: str = ""
    conclusion: str = ""
    rrule: str | None = None
    skip_dates: set = field(default_factory=set)
    on_conflict: str = "fail"
    skip_holidays: bool = False
    holiday_override_reason: str | None = None
    instances: list = field(default_factory=list)  # (start, end) UTC of every RRULE instance

    @property
    def duration(self):
        return self.end - self.start


def parse_datetime(value) -> datetime:
    """An aware UTC datetime from a datetime or an ISO 8601 string; naive = Hà Nội time."""
    if isinstance(value, datetime):
        return to_utc(value)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a string")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    if len(text) <= 10:  # a bare date is not a meeting time
        raise ValueError("date without time")
    return to_utc(datetime.fromisoformat(text))


def _text(errors, data, name, maximum, required=False, default=""):
    value = data.get(name, default)
    if value is None:
        value = default
    if not isinstance(value, str):
        errors[name] = _("Giá trị phải là chuỗi ký tự.")
        return default
    value = value.strip()
    if _CONTROL.search(value):
        errors[name] = _("Có ký tự điều khiển không hợp lệ.")
        return default
    if required and not value:
        errors[name] = _("Không được để trống.")
    elif len(value) > maximum:
        errors[name] = _("Tối đa %(n)d ký tự (đang có %(m)d).", n=maximum, m=len(value))
    return value


def _unit_codes(errors, name, codes, on: date | None = None) -> list[Unit]:
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        errors[name] = _("Cần một danh sách mã đơn vị.")
        return []
    units, unknown = [], []
    found = _holders(list(dict.fromkeys(c.strip() for c in codes)), on)
    for code in dict.fromkeys(c.strip() for c in codes):
        unit = found.get(code)
        (units.append(unit) if unit is not None else unknown.append(code))
    if unknown:
        errors[name] = _("Không có đơn vị mã: %(codes)s", codes=", ".join(unknown))
    return units


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


def _rooms(errors, ids) -> list[Room]:
    if not isinstance(ids, list) or not all(isinstance(i, int) and not isinstance(i, bool)
                                            and 1 <= i <= MAX_ID for i in ids):
        errors["rooms"] = _("Cần một danh sách mã số phòng họp.")
        return []
    wanted = list(dict.fromkeys(ids))
    found = {r.id: r for r in db.session.scalars(
        sa.select(Room).where(Room.id.in_(wanted), Room.active.is_(True)))} if wanted else {}
    unknown = [str(i) for i in wanted if i not in found]
    if unknown:
        errors["rooms"] = _("Không có phòng họp số: %(ids)s", ids=", ".join(unknown))
    return [found[i] for i in wanted if i in found]


def _skip_dates(errors, values) -> set:
    if values is None:
        return set()
    if not isinstance(values, list):
        errors["skip_dates"] = _("Cần một danh sách ngày (YYYY-MM-DD).")
        return set()
    days = set()
    for value in values:
        try:
            days.add(value if isinstance(value, date) else date.fromisoformat(str(value)[:10]))
        except ValueError:
            errors["skip_dates"] = _("Ngày không hợp lệ: %(value)s", value=value)
    return days


def range_problem(value: datetime) -> str | None:
    """Why a meeting time is outside what can be booked (None when it is not)."""
    from ..core.timeutil import utcnow

    if not EARLIEST <= value <= utcnow() + BOOKING_HORIZON:
        return _("Ngày họp phải từ năm 2000 đến tối đa 3 năm tới.")
    return None


def _times(errors, values: MeetingInput, data) -> None:
    for name in ("start", "end"):
        raw = data.get(name)
        if raw in (None, ""):
            errors[name] = _("Không được để trống.")
            continue
        try:
            setattr(values, name, parse_datetime(raw))
        except (ValueError, TypeError, OverflowError):
            errors[name] = _("Không đọc được ngày giờ '%(value)s' (cần dạng 2026-03-05T08:00+07:00).",
                             value=str(raw)[:40])
    for name in ("start", "end"):
        value = getattr(values, name)
        problem = value is not None and range_problem(value)
        if problem:
            errors[name] = problem
            setattr(values, name, None)
    if values.start and values.end and values.end <= values.start:
        errors["end"] = (_("Thời gian kết thúc phải sau thời gian bắt đầu.") if values.end < values.start
                         else _("Cuộc họp không thể kéo dài 0 phút."))
    elif values.start and values.end and values.end - values.start > timedelta(hours=MAX_MEETING_HOURS):
        errors["end"] = _("Một cuộc họp không kéo dài quá %(n)d giờ; hãy đặt chuỗi họp hằng ngày.",
                          n=MAX_MEETING_HOURS)


def _choices(errors, values: MeetingInput, data) -> None:
    values.category = data.get("category") or ""
    if values.category not in CATEGORIES:
        errors["category"] = _("Loại cuộc họp không hợp lệ: '%(value)s'.", value=values.category)
    values.mode = data.get("mode") or ""
    if values.mode not in MODES:
        errors["mode"] = _("Hình thức họp không hợp lệ: '%(value)s'.", value=values.mode)
    paperless = data.get("paperless", False)
    if not isinstance(paperless, bool):
        errors["paperless"] = _("Giá trị phải là true hoặc false.")
    values.paperless = bool(paperless) if isinstance(paperless, bool) else False
    skip_holidays = data.get("skip_holidays", False)
    if not isinstance(skip_holidays, bool):
        errors["skip_holidays"] = _("Giá trị phải là true hoặc false.")
    values.skip_holidays = skip_holidays is True
    values.on_conflict = data.get("on_conflict") or "fail"
    if values.on_conflict not in ("fail", "skip"):
        errors["on_conflict"] = _("on_conflict chỉ nhận 'fail' hoặc 'skip'.")


def parse_meeting_input(data: dict) -> MeetingInput:
    """Check a complete set of meeting fields (a PATCH merges onto the current values first)."""
    if not isinstance(data, dict):
        raise ValidationError(_("Dữ liệu cuộc họp không hợp lệ."))
    errors: dict[str, str] = {}
    values = MeetingInput()
    _texts(errors, values, data)
    _choices(errors, values, data)
    values.rooms = _rooms(errors, data.get("rooms") or [])
    values.skip_dates = _skip_dates(errors, data.get("skip_dates"))
    _times(errors, values, data)
    _units(errors, values, data)
    _instances(errors, values, data.get("rrule") or None)
    check_units_exist(errors, values)
    if errors:
        raise invalid(errors)
    return values


def _texts(errors, values: MeetingInput, data) -> None:
    values.title = _text(errors, data, "title", TITLE_MAX, required=True)
    values.chair = _text(errors, data, "chair", CHAIR_MAX)
    values.agenda = _text(errors, data, "agenda", AGENDA_MAX)
    values.conclusion = _text(errors, data, "conclusion", AGENDA_MAX)
    values.holiday_override_reason = _text(errors, data, "holiday_override_reason",
                                           REASON_MAX) or None


def _units(errors, values: MeetingInput, data) -> None:
    """The host and the participants; a code names the unit holding it on the day of the
    (first) sitting."""
    on = local_day(values.start) if values.start else None
    host = data.get("host_unit")
    if not isinstance(host, str) or not host.strip():
        errors["host_unit"] = _("Cần mã đơn vị chủ trì cuộc họp.")
    else:
        hosts = _unit_codes(errors, "host_unit", [host], on)
        values.host_unit = hosts[0] if hosts else None
    values.participants = [u for u in _unit_codes(errors, "participants",
                                                  data.get("participants") or [], on)
                           if values.host_unit is None or u.id != values.host_unit.id]


def _instances(errors, values: MeetingInput, rule) -> None:
    """Every sitting's (start, end): the RRULE's instances, or the one meeting."""
    if rule is not None and not isinstance(rule, str):
        errors["rrule"] = _("Quy tắc lặp phải là chuỗi RRULE.")
    elif rule:
        values.rrule = series.normalise_rule(rule)
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


def check_units_exist(errors: dict[str, str], values: MeetingInput) -> None:
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
