"""Recurrence rules (RFC 5545 RRULE) as text: normalised for storing, split into parts, and
said the way office staff say them ("Hằng tuần vào Thứ Hai, Thứ Năm; 6 lần"). A date format,
so it lives in core: the meetings' series (meetings/series.py) expand and check the rules, the
audit log and the pages describe them."""
import re
from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .timeutil import LOCAL_TZ, UTC

WEEKDAY = re.compile(r"^([+-]?[1-5])?(MO|TU|WE|TH|FR|SA|SU)$")


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


def rule_parts(rule: str) -> dict[str, str]:
    """{"FREQ": "WEEKLY", "BYDAY": "MO,TH", …} of a normalised rule."""
    return dict(part.split("=", 1) for part in rule.split(";") if "=" in part)


WEEKDAY_NAMES = {"MO": _l("Thứ Hai"), "TU": _l("Thứ Ba"), "WE": _l("Thứ Tư"), "TH": _l("Thứ Năm"),
                  "FR": _l("Thứ Sáu"), "SA": _l("Thứ Bảy"), "SU": _l("Chủ nhật")}


def describe(rule: str | None) -> str:
    """The rule as office staff would say it: "Hằng tuần vào Thứ Hai, Thứ Năm; 6 lần"."""
    if not rule:
        return ""
    parts = rule_parts(normalise_rule(rule))
    interval = int(parts.get("INTERVAL", "1")) if ascii_number(parts.get("INTERVAL", "1")) else 1
    freq = parts.get("FREQ")
    every = {
        "DAILY": (_("Hằng ngày"), _("%(n)d ngày một lần")),
        "WEEKLY": (_("Hằng tuần"), _("%(n)d tuần một lần")),
        "MONTHLY": (_("Hằng tháng"), _("%(n)d tháng một lần")),
        "YEARLY": (_("Hằng năm"), _("%(n)d năm một lần")),
    }.get(freq)
    if every is None:
        return rule
    text = every[0] if interval == 1 else every[1] % {"n": interval}
    if parts.get("BYDAY"):
        days = []
        for item in parts["BYDAY"].split(","):
            match = WEEKDAY.match(item)
            if not match:
                return rule
            position, name = match.groups()
            day = str(WEEKDAY_NAMES[name])
            if not position and ascii_number(parts.get("BYSETPOS", "").lstrip("-")):
                position = parts["BYSETPOS"]  # the form's "Thứ Hai of the 2nd week"
            if position:
                number = int(position)
                # never "Thứ Ba thứ 2": "thứ 2" is also Monday
                day = (_("%(day)s cuối cùng của tháng", day=day) if number == -1
                       else _("%(day)s đầu tiên của tháng", day=day) if number == 1
                       else _("%(day)s, lần %(n)d trong tháng", day=day, n=number))
            days.append(day)
        text += " " + _("vào %(days)s", days=", ".join(days))
    if parts.get("BYMONTHDAY"):
        text += " " + _("vào ngày %(days)s", days=parts["BYMONTHDAY"].replace(",", ", "))
    if ascii_number(parts.get("COUNT", "")):
        text += "; " + _("%(n)d lần", n=int(parts["COUNT"]))
    elif parts.get("UNTIL"):
        value = parts["UNTIL"]
        try:
            if value.endswith("Z"):  # stored in UTC: the Hà Nội day it falls on
                until = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).astimezone(LOCAL_TZ).date()
            else:
                until = datetime.strptime(value[:8], "%Y%m%d").date()
        except ValueError:
            return rule
        text += "; " + _("đến ngày %(day)s", day=until.strftime("%d/%m/%Y"))
    return text


def ascii_number(text: str) -> bool:
    """Digits int() reads ("²" passes str.isdigit() and then fails int())."""
    return text.isascii() and text.isdigit() and len(text) < 10
