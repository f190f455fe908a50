"""Helpers for the booking tests: a valid booking request to vary, and times in Hà Nội."""
import threading
from datetime import datetime, timedelta

import pytest

from scheduler.core.timeutil import LOCAL_TZ, today_local
from scheduler.extensions import db


def at(days: int, hh: int = 8, mm: int = 0) -> datetime:
    """A Hà Nội wall-clock time `days` from today, on a weekday that is not a public holiday
    when days > 0 (tests must not depend on the calendar they run on)."""
    from scheduler.meetings.rules import holiday_name

    day = today_local() + timedelta(days=days)
    while days > 0 and (day.weekday() >= 5 or holiday_name(day)):
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=LOCAL_TZ)


def weekly_start(days: int, count: int, hh: int = 8) -> datetime:
    """The start of a weekly series of `count` sittings beginning `days` from today (or a few days
    earlier), none of whose sittings falls on a public holiday. For past series keep `days` such
    that the split between past and coming sittings does not depend on the hour the suite runs."""
    from scheduler.meetings.rules import holiday_name

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


@pytest.fixture
def rooms(tree, create_room):
    """A room of Phúc Xá, one of Ba Đình (district), and one of Ba Đình that needs approval."""
    made = {
        "phuc_xa": create_room(tree.phuc_xa, "Phòng họp tầng 2"),
        "ba_dinh": create_room(tree.ba_dinh, "Hội trường quận"),
        "gated": create_room(tree.ba_dinh, "Phòng họp lớn", requires_approval=True),
    }
    db.session.commit()
    return made


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
