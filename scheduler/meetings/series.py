"""Series of meetings: RFC 5545 RRULEs expanded with python-dateutil, within firm bounds.

Instances are computed in Hà Nội wall time (a weekly 08:00 meeting stays at 08:00) and stored
in UTC. The first instance of the rule becomes the meeting's start (its DTSTART), so that an
iCalendar client expanding RRULE from DTSTART sees the same dates we stored.
"""
from datetime import date, datetime, timedelta

from dateutil import rrule as du_rrule
from flask_babel import gettext as _

from ..core.timeutil import LOCAL_TZ, UTC

MAX_OCCURRENCES = 370
MAX_SPAN = timedelta(days=731)  # two years
ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


class SeriesError(ValueError):
    """An RRULE that cannot be used; the message is for the user."""


def normalise_rule(text: str) -> str:
    """Upper case, no "RRULE:" prefix, and UNTIL in UTC as RFC 5545 requires next to a DTSTART
    with a time zone; an UNTIL given as a date includes that whole (Hà Nội) day."""
    rule = text.strip().upper()
    if rule.startswith("RRULE:"):
        rule = rule[6:]
    parts = rule.split(";")
    for index, part in enumerate(parts):
        name, _sep, value = part.partition("=")
        if name == "UNTIL" and not value.endswith("Z"):
            parts[index] = f"UNTIL={_until_utc(value)}"
    return ";".join(parts)


def _until_utc(value: str) -> str:
    try:
        if len(value) == 8:
            local = datetime.strptime(value, "%Y%m%d").replace(hour=23, minute=59, second=59)
        else:
            local = datetime.strptime(value, "%Y%m%dT%H%M%S")
    except ValueError:
        return value  # left for the parser to refuse with its own message
    return local.replace(tzinfo=LOCAL_TZ).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _parse(rule: str, start_local: datetime):
    if "DTSTART" in rule or "\n" in rule or "\r" in rule:
        raise SeriesError(_("Quy tắc lặp chỉ gồm một dòng RRULE, không kèm DTSTART."))
    parts = dict(p.split("=", 1) for p in rule.split(";") if "=" in p)
    if parts.get("FREQ") not in ALLOWED_FREQS:
        raise SeriesError(_("Tần suất lặp phải là hằng ngày, hằng tuần, hằng tháng hoặc hằng năm."))
    # dateutil insists that UNTIL has the same awareness as DTSTART; try both readings
    errors = []
    for dtstart in (start_local.replace(tzinfo=None), start_local):
        try:
            return du_rrule.rrulestr(rule, dtstart=dtstart)
        except (ValueError, TypeError) as err:
            errors.append(err)
    raise SeriesError(_("Quy tắc lặp không hợp lệ: %(error)s", error=str(errors[0])))


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
    except (ValueError, OverflowError) as err:
        raise SeriesError(_("Quy tắc lặp không hợp lệ: %(error)s", error=str(err))) from None
    if not found:
        raise SeriesError(_("Quy tắc lặp không sinh ra buổi họp nào trong 2 năm tới."))
    if len(found) > MAX_OCCURRENCES:
        raise SeriesError(_("Chuỗi cuộc họp vượt quá %(n)d lần họp.", n=MAX_OCCURRENCES))
    if beyond:
        raise SeriesError(_("Chuỗi cuộc họp không được kéo dài quá 2 năm; hãy đặt UNTIL hoặc COUNT."))
    instances = [(v if v.tzinfo else v.replace(tzinfo=LOCAL_TZ)).astimezone(UTC) for v in found]
    return [(value, value + duration) for value in instances]


def local_day(value: datetime) -> date:
    return value.astimezone(LOCAL_TZ).date()
