"""A room's booking rules (opening hours, longest booking, how far ahead) and public holidays.

Rooms are closed on Vietnamese public holidays (the `holidays` package's calendar, lunar Tết
included) unless the booking gives a reason for the exception; meetings without a room are not
held to this, since no room needs to be opened.
"""
from datetime import date, datetime, timedelta

from flask_babel import gettext as _

from ..core.timeutil import LOCAL_TZ, format_date_vi
from ..core.workdays import holiday_name


def holidays_of_series(instances) -> list[tuple[date, str]]:
    """(local day, holiday name) of the sittings that start on a public holiday."""
    found = []
    for start, _end in instances:
        day = start.astimezone(LOCAL_TZ).date()
        name = holiday_name(day)
        if name:
            found.append((day, name))
    return found


def _local_days(start: datetime, end: datetime) -> list[date]:
    first = start.astimezone(LOCAL_TZ).date()
    last = (end - timedelta(microseconds=1)).astimezone(LOCAL_TZ).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _hours_problem(room, start: datetime, end: datetime) -> str | None:
    if room.open_from is None and room.open_until is None:
        return None
    local_start, local_end = start.astimezone(LOCAL_TZ), end.astimezone(LOCAL_TZ)
    opens = room.open_from.strftime("%H:%M") if room.open_from else "00:00"
    closes = room.open_until.strftime("%H:%M") if room.open_until else "24:00"
    same_day = local_start.date() == local_end.date() or (
        local_end.time() == datetime.min.time() and room.open_until is None
        and local_end.date() == local_start.date() + timedelta(days=1))
    too_early = room.open_from is not None and local_start.time() < room.open_from
    too_late = room.open_until is not None and (not same_day or local_end.time() > room.open_until)
    if not same_day or too_early or too_late:
        return _("Phòng %(room)s chỉ mở cửa từ %(opens)s đến %(closes)s.",
                 room=room.name, opens=opens, closes=closes)
    return None


def slot_problems(rooms, start: datetime, end: datetime, today: date,
                  holiday_reason: str | None) -> list[tuple[str, str]]:
    """Why the rooms cannot be booked for [start, end), as (form field, message) pairs: "rooms"
    for a room's own rules, "start" for a closed day. Empty when they can."""
    problems = []
    for room in rooms:
        hours = _hours_problem(room, start, end)
        if hours:
            problems.append(("rooms", hours))
        minutes = (end - start).total_seconds() / 60
        if room.max_duration_minutes and minutes > room.max_duration_minutes:
            problems.append(("rooms", _("Phòng %(room)s chỉ cho đặt tối đa %(n)d phút mỗi lần.",
                                        room=room.name, n=room.max_duration_minutes)))
        if room.max_advance_days and (start.astimezone(LOCAL_TZ).date() - today).days > room.max_advance_days:
            problems.append(("rooms", _("Phòng %(room)s chỉ nhận đặt trước tối đa %(n)d ngày.",
                                        room=room.name, n=room.max_advance_days)))
    if rooms and not holiday_reason:
        for day in _local_days(start, end):
            name = holiday_name(day)
            if name:
                problems.append(("start", _("Ngày %(day)s là ngày nghỉ lễ (%(name)s): phòng họp đóng "
                                            "cửa; cần nêu lý do để đặt ngoại lệ.",
                                            day=format_date_vi(day), name=name)))
    return problems


def next_allowed_start(rooms, start: datetime, end: datetime) -> datetime | None:
    """None when the rooms' rules allow [start, end); otherwise the earliest later start worth
    trying (opening time, or the next day's), or `start` itself when waiting cannot help."""
    from ..core.timeutil import today_local

    today = today_local()
    problems_now = slot_problems(rooms, start, end, today, None)
    if not problems_now:
        return None
    duration = end - start
    local = start.astimezone(LOCAL_TZ)
    opening = max((r.open_from for r in rooms if r.open_from), default=None)
    if any(r.max_duration_minutes and duration.total_seconds() / 60 > r.max_duration_minutes
           for r in rooms):
        return start
    if any(r.max_advance_days and (local.date() - today).days > r.max_advance_days for r in rooms):
        return start  # later is only worse
    if opening is not None and local.time() < opening:
        return datetime.combine(local.date(), opening, LOCAL_TZ).astimezone(start.tzinfo)
    next_day = local.date() + timedelta(days=1)
    return datetime.combine(next_day, opening or datetime.min.time(), LOCAL_TZ).astimezone(start.tzinfo)
