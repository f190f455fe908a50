"""Series of meetings: RFC 5545 RRULEs expanded with python-dateutil, within firm bounds.

Instances are computed in Hà Nội wall time (a weekly 08:00 meeting stays at 08:00) and stored
in UTC. The first instance of the rule becomes the meeting's start (its DTSTART), so that an
iCalendar client expanding RRULE from DTSTART sees the same dates we stored.
"""
from datetime import date, datetime, timedelta

from dateutil import rrule as du_rrule
from flask_babel import gettext as _

from ..core.recurrence import WEEKDAY, normalise_rule, rule_parts
from ..core.timeutil import LOCAL_TZ, UTC

MAX_OCCURRENCES = 370
MAX_SPAN = timedelta(days=731)  # two years
ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
# the parts a meeting series may use: one sitting a day at the meeting's own time, so no
# BYHOUR / BYMINUTE / BYSECOND (several sittings a day would overlap in one room)
ALLOWED_PARTS = {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH",
                 "BYSETPOS", "WKST"}
MAX_INTERVAL = 99


class SeriesError(ValueError):
    """An RRULE that cannot be used; the message is for the user."""


def _parse(rule: str, start_local: datetime):
    if "DTSTART" in rule or "\n" in rule or "\r" in rule:
        raise SeriesError(_("Quy tắc lặp chỉ gồm một dòng RRULE, không kèm DTSTART."))
    parts = rule_parts(rule)
    if parts.get("FREQ") not in ALLOWED_FREQS:
        raise SeriesError(_("Tần suất lặp phải là hằng ngày, hằng tuần, hằng tháng hoặc hằng năm."))
    _check_parts(parts)
    # dateutil insists that UNTIL has the same awareness as DTSTART; try both readings
    errors = []
    for dtstart in (start_local.replace(tzinfo=None), start_local):
        try:
            return du_rrule.rrulestr(rule, dtstart=dtstart)
        except (ValueError, TypeError) as err:
            errors.append(err)
    raise SeriesError(_("Quy tắc lặp không hợp lệ: %(error)s", error=str(errors[0])))


def _integers(value: str, low: int, high: int, nonzero: bool = False) -> bool:
    try:
        numbers = [int(v) for v in value.split(",")]
    except ValueError:
        return False
    return all(low <= n <= high and not (nonzero and n == 0) for n in numbers)


def _check_parts(parts: dict) -> None:
    """Refuse, with a clear message, what dateutil would loop on for ever (INTERVAL=0), crash
    on (BYDAY=9MO) or what makes no sense for meetings (several sittings a day)."""
    unknown = sorted(set(parts) - ALLOWED_PARTS)
    if unknown:
        raise SeriesError(_("Quy tắc lặp không dùng được %(parts)s: mỗi ngày họp nhiều nhất một buổi, "
                            "vào giờ của cuộc họp.", parts=", ".join(unknown)))
    if "INTERVAL" in parts and not _integers(parts["INTERVAL"], 1, MAX_INTERVAL):
        raise SeriesError(_("Khoảng lặp (INTERVAL) phải là số nguyên từ 1 đến %(n)d.", n=MAX_INTERVAL))
    if "COUNT" in parts and not _integers(parts["COUNT"], 1, 10 ** 9):  # too many: see expand()
        raise SeriesError(_("Số lần họp (COUNT) không hợp lệ: cần một số nguyên dương."))
    if "BYDAY" in parts and not all(WEEKDAY.match(d) for d in parts["BYDAY"].split(",")):
        raise SeriesError(_("Ngày trong tuần (BYDAY) không hợp lệ: %(value)s.", value=parts["BYDAY"]))
    if "BYMONTHDAY" in parts and not _integers(parts["BYMONTHDAY"], -31, 31, nonzero=True):
        raise SeriesError(_("Ngày trong tháng (BYMONTHDAY) không hợp lệ: %(value)s.",
                            value=parts["BYMONTHDAY"]))
    if "BYMONTH" in parts and not _integers(parts["BYMONTH"], 1, 12):
        raise SeriesError(_("Tháng (BYMONTH) không hợp lệ: %(value)s.", value=parts["BYMONTH"]))
    if "BYSETPOS" in parts and not _integers(parts["BYSETPOS"], -366, 366, nonzero=True):
        raise SeriesError(_("Vị trí (BYSETPOS) không hợp lệ: %(value)s.", value=parts["BYSETPOS"]))


def expand(rule_text: str, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The (start, end) pairs in UTC of every instance of the rule, the first one at or after
    `start`. Raises SeriesError when the rule is unusable or the series exceeds the bounds."""
    rule = normalise_rule(rule_text)
    start_local = start.astimezone(LOCAL_TZ)
    duration = end - start
    parsed = _parse(rule, start_local)
    # bounded iteration: a rule matching no date (30 February) would otherwise run to year 9999
    first = start_local if parsed._dtstart.tzinfo else start_local.replace(tzinfo=None)
    try:
        found = parsed.between(first, first + MAX_SPAN, inc=True)
        beyond = found and parsed.after(first + MAX_SPAN) is not None
    except (ValueError, OverflowError, IndexError) as err:
        raise SeriesError(_("Quy tắc lặp không hợp lệ: %(error)s", error=str(err))) from None
    if not found:
        raise SeriesError(_("Quy tắc lặp không sinh ra buổi họp nào trong 2 năm tới."))
    if len(found) > MAX_OCCURRENCES:
        raise SeriesError(_("Chuỗi cuộc họp vượt quá %(n)d lần họp.", n=MAX_OCCURRENCES))
    if beyond:
        raise SeriesError(_("Chuỗi cuộc họp không được kéo dài quá 2 năm; hãy đặt UNTIL hoặc COUNT."))
    instances = [(v if v.tzinfo else v.replace(tzinfo=LOCAL_TZ)).astimezone(UTC) for v in found]
    if any(later < earlier + duration for earlier, later in zip(instances, instances[1:])):
        raise SeriesError(_("Các buổi họp của chuỗi chồng lên nhau; hãy rút ngắn buổi họp hoặc "
                            "giãn khoảng lặp."))
    return [(value, value + duration) for value in instances]


def local_day(value: datetime) -> date:
    return value.astimezone(LOCAL_TZ).date()
