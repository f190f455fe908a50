"""Checking a planned booking: every rule once, every problem returned together.

The second step of the booking path (plan -> check -> apply, see services.py). The rules are
pure: what they need from the database (the reservations already overlapping the plan) is read
before and passed in. `check` returns a list of problems; an empty list lets the booking be
written. The delivery of the refusal (one 422 naming every field, else the 409 of the clash) is
booking.refuse's.
"""
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _

from . import rules
from .planning import Plan, clashing_instances

MAX_MESSAGES_PER_FIELD = 5


@dataclass(frozen=True)
class Problem:
    """One reason a booking cannot be written: a field's problem (`field` set, reported as
    422), or a clash with other bookings (`clashes`, the reservations found, reported as 409)."""
    field: str | None
    message: str = ""
    units_without_vc: tuple[str, ...] | None = None  # set on the video-conference problem
    clashes: tuple = ()


def video_conference_problems(plan: Plan, host_unit) -> list[Problem]:
    """An online meeting needs every unit to have video conference deployed (a hybrid one only
    the host): the units that cannot join are named, and their codes given, so that the form
    can offer to remove them in one click."""
    missing = plan.without_vc
    if not missing:
        return []
    host_missing = any(u.id == host_unit.id for u in missing)
    field = "host_unit" if host_missing and len(missing) == 1 else "participants"
    names = ", ".join(f"{u.name} ({u.code})" for u in missing)
    message = _("Đơn vị chưa triển khai hội nghị truyền hình, không thể họp trực tuyến: "
                "%(names)s", names=names)
    if field == "participants" and not host_missing:
        message += " " + _("Chọn hình thức trực tiếp kết hợp trực tuyến để các đơn vị này dự "
                           "trực tiếp, hoặc bỏ các đơn vị này khỏi thành phần.")
    return [Problem(field, message,
                    units_without_vc=tuple(u.code for u in missing if u.id != host_unit.id))]


def nothing_left_problems(plan: Plan) -> list[Problem]:
    """A booking must keep at least one sitting."""
    if plan.sittings:
        return []
    if plan.change:
        return [Problem("rrule", _("Không còn buổi họp nào sắp tới theo lịch mới."))]
    return [Problem("skip_dates", _("Không còn buổi họp nào sau khi bỏ các ngày đã chọn."))]


def room_rule_problems(rooms, plan: Plan, today: date, holiday_reason) -> list[Problem]:
    """The rooms' opening hours, longest booking, how far ahead, and public holidays, over every
    sitting; one problem per field, each message once."""
    messages: dict[str, list[str]] = {}
    for sitting in plan.sittings:
        for field, message in rules.slot_problems(rooms, sitting.start, sitting.end, today,
                                                  holiday_reason):
            if message not in messages.setdefault(field, []):
                messages[field].append(message)
    return [Problem(field, " ".join(found[:MAX_MESSAGES_PER_FIELD]))
            for field, found in messages.items()]


def clash_problems(plan: Plan, found: list[dict]) -> list[Problem]:
    """Reservations of other bookings overlapping the plan's. A series booked "skip the
    clashing dates" leaves those dates out instead, unless every one of them clashes."""
    if not found:
        return []
    clashing = clashing_instances(found)
    if plan.skips_clashes and clashing != {s.instance for s in plan.sittings}:
        return []
    return [Problem(None, clashes=tuple(found))]


def check(plan: Plan, rooms, host_unit, holiday_reason, today: date,
          found: list[dict]) -> list[Problem]:
    """Every rule of a booking, in the order a booker reads them: who can join online, whether
    any sitting is left, the rooms' own rules, then clashes with other bookings."""
    return [*video_conference_problems(plan, host_unit), *nothing_left_problems(plan),
            *room_rule_problems(rooms, plan, today, holiday_reason),
            *clash_problems(plan, found)]


def field_errors(problems: list[Problem]) -> dict[str, str]:
    """The fields' problems as the API's and the form's {field: message}."""
    errors: dict[str, list[str]] = {}
    for problem in problems:
        if problem.field is not None:
            errors.setdefault(problem.field, []).append(problem.message)
    return {field: " ".join(messages) for field, messages in errors.items()}
