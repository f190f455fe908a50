"""Working days in Việt Nam: Monday to Friday, except public holidays (holidays.Vietnam,
which also knows the substituted days off the government announces)."""
from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=16)
def _vietnam_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Vietnam(years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _vietnam_holidays(day.year)


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_month(day: date) -> tuple[date, date]:
    """First and last day of the calendar month before `day`'s month."""
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last
