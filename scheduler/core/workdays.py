"""Working days in Việt Nam: Monday to Friday, except public holidays (holidays.Vietnam), and
with the year's swapped days (hoán đổi ngày làm việc): the government often gives a bridging
weekday off and has it worked on a Saturday.

The `holidays` package knows the days off of the swaps it has recorded but not the Saturdays
worked in exchange; those come from its own swap table, and an installation adds the swaps
announced after its release in WORKDAY_SWAPS: [("2027-02-11", "2027-02-20"), ...], each pair
(day off, working day), ISO dates.
"""
from datetime import date, timedelta

import holidays
from flask import has_app_context

from .cache import pure_function
from .settings import settings


# asked once per day counted (series, deadlines): a pure function, kept at lru_cache's cost
@pure_function("public holidays of a year", size=16,
               stale_when="nothing while the process runs: "
                          "the installed holidays package's calendar")
def _vietnam_holidays(year: int) -> holidays.HolidayBase:
    return holidays.Vietnam(years=year)


# asked for every sitting a booking checks against the rooms' holiday rule
@pure_function("public holiday names of a year", size=16,
               stale_when="nothing while the process runs: "
                          "the installed holidays package's calendar")
def _holiday_names(year: int) -> dict:
    return dict(holidays.Vietnam(years=year, language="vi"))


def holiday_name(day: date) -> str | None:
    """The Vietnamese name of the public holiday `day` is, or None."""
    return _holiday_names(day.year).get(day)


# asked beside _vietnam_holidays, once per day counted
@pure_function("Saturdays worked of a year", size=16,
               stale_when="nothing while the process runs: "
                          "the installed holidays package's swaps")
def _package_worked_days(year: int) -> frozenset[date]:
    """The Saturdays worked in exchange for the package's substituted days off of `year`."""
    try:
        from holidays.countries.vietnam import VietnamStaticHolidays

        table = VietnamStaticHolidays.special_public_holidays
    except (ImportError, AttributeError):  # another release of the package: its days off only
        return frozenset()
    worked = set()
    for entry_year, entries in table.items():
        swaps = entries if isinstance(entries[0], tuple) else (entries,)
        for swap in swaps:
            if len(swap) >= 4:
                worked_year = swap[4] if len(swap) > 4 else entry_year
                if worked_year == year:
                    worked.add(date(worked_year, swap[2], swap[3]))
    return frozenset(worked)


def configured_swaps(swaps=None) -> tuple[set[date], set[date]]:
    """(extra days off, extra working days) of WORKDAY_SWAPS (or of `swaps` when given)."""
    if swaps is None:
        swaps = settings().workday_swaps if has_app_context() else ()
    days_off, working = set(), set()
    for day_off, workday in swaps or []:
        days_off.add(day_off if isinstance(day_off, date) else date.fromisoformat(day_off))
        working.add(workday if isinstance(workday, date) else date.fromisoformat(workday))
    return days_off, working


def is_working_day(day: date, swaps=None) -> bool:
    days_off, working = configured_swaps(swaps)
    if day in days_off:
        return False
    if day in working or day in _package_worked_days(day.year):
        return True
    return day.weekday() < 5 and day not in _vietnam_holidays(day.year)


def add_working_days(day: date, count: int, swaps=None) -> date:
    """The `count`-th working day after `day` (`day` itself not counted)."""
    days_off, working = configured_swaps(swaps)  # read once, not per day
    found = 0
    while found < count:
        day += timedelta(days=1)
        if day in days_off:
            continue
        if day in working or is_working_day(day, swaps=[]):
            found += 1
    return day


def first_working_day(year: int, month: int) -> date:
    day = date(year, month, 1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_month(day: date) -> tuple[date, date]:
    """First and last day of the calendar month before `day`'s month."""
    last = day.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last
