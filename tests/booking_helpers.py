"""Helpers of the tests that book through the booking service: days and times in Hà Nội that
no public holiday spoils, a valid booking request to vary, and bookings committed as a view
would. Meetings that must skip the booking rules come from `create_meeting`
(tests/factories.py)."""
import threading
from datetime import date, datetime, timedelta

from scheduler.core.timeutil import LOCAL_TZ, today_local
from scheduler.extensions import db
from scheduler.meetings import services
from scheduler.meetings.rules import holiday_name


def at(days: int, hh: int = 8, mm: int = 0) -> datetime:
    """A Hà Nội wall-clock time `days` from today, on a weekday that is not a public holiday
    when days > 0 (tests must not depend on the calendar they run on)."""
    day = today_local() + timedelta(days=days)
    while days > 0 and (day.weekday() >= 5 or holiday_name(day)):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=LOCAL_TZ)


def weekly_start(days: int, count: int, hh: int = 8) -> datetime:
    """The start of a weekly series of `count` sittings beginning `days` from today (or a few days
    earlier), none of whose sittings falls on a public holiday. For past series keep `days` such
    that the split between past and coming sittings does not depend on the hour the suite runs."""
    while any(holiday_name(at(days + 7 * k).date()) for k in range(count)):
        days -= 1
    return at(days, hh)


def request_for(unit, start: datetime, minutes: int = 60, **kw) -> dict:
    data = {"title": "Họp giao ban tuần", "category": "giao_ban", "host_unit": unit.code,
            "chair": "Chủ tịch UBND", "start": start.isoformat(),
            "end": (start + timedelta(minutes=minutes)).isoformat(), "mode": "in_person",
            "paperless": False, "rooms": [], "participants": [], "agenda": "1. Tình hình tuần"}
    data.update(kw)
    return data


def on(day: date, hour: int, minute: int = 0) -> datetime:
    """`day` at a Hà Nội wall-clock time."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_TZ)


def working_monday(weeks_ahead: int = 3) -> date:
    """A Monday some weeks ahead that is not a Vietnamese public holiday."""
    day = date.today() + timedelta(weeks=weeks_ahead)
    day += timedelta(days=(7 - day.weekday()) % 7)
    while holiday_name(day):
        day += timedelta(days=7)
    return day


def quiet_week() -> date:
    """A Monday a few weeks ahead whose days are no public holiday."""
    monday = today_local() + timedelta(days=21)
    monday -= timedelta(days=monday.weekday())
    while any(holiday_name(monday + timedelta(days=i)) for i in range(7)):
        monday += timedelta(days=7)
    return monday


def holiday_ahead() -> date:
    """A public holiday on a weekday at least two weeks ahead (a series starts a week before)."""
    day = today_local() + timedelta(days=14)
    while day.weekday() >= 5 or not holiday_name(day) or holiday_name(day - timedelta(days=7)) \
            or holiday_name(day + timedelta(days=7)):
        day += timedelta(days=1)
    return day


def book(user, data: dict):
    """`data` booked by `user` through the booking service and committed, as a view would."""
    meeting = services.book_meeting(user, data)
    db.session.commit()
    return meeting


def book_with_guests(tree, user=None, **data):
    """Phúc Xá's weekly meeting on a working Monday, 08:00–09:30, with Trúc Bạch and Ba Đình
    invited (the invitations' tests), booked by its staff unless `user` is given."""
    day = working_monday()
    payload = {"title": "Họp giao ban tuần", "category": "giao_ban", "host_unit": "00001",
               "start": on(day, 8).isoformat(), "end": on(day, 9, 30).isoformat(),
               "mode": "in_person", "participants": ["00004", "001"], "rooms": [],
               "agenda": "1. Tình hình tuần\n2. Kế hoạch"}
    payload.update(data)
    return book(user or tree.users.ward_staff, payload)


def race(count_: int, work) -> list:
    """Run work(i) in `count_` threads released together by a barrier; each result, or the
    exception the worker raised."""
    barrier = threading.Barrier(count_)
    results: list = [None] * count_

    def run(index):
        try:
            prepared = work.prepare(index) if hasattr(work, "prepare") else None
            barrier.wait(timeout=20)
            results[index] = work(index, prepared)
        except BaseException as err:  # noqa: B036  (reported by the test's assertions)
            results[index] = err

    threads = [threading.Thread(target=run, args=(i,), name=f"booker-{i}") for i in range(count_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a booking never finished (deadlock?)"
    return results


def booking_form(day, **values) -> dict:
    """What the booking page posts for a one-off meeting on `day` (dd/mm/yyyy, HH:MM: the
    form's own formats), with `values` changed or added."""
    data = {"title": "Họp giao ban tuần", "category": "giao_ban", "host_unit": "00001",
            "chair": "Ông Nguyễn Văn A", "day": day.strftime("%d/%m/%Y"), "start": "09:00",
            "end": "10:00", "mode": "in_person", "agenda": "Điểm 1: tình hình tuần",
            "rrule": "none", "interval": "1", "setpos": "1", "setpos_weekday": "MO"}
    data.update(values)
    return data
