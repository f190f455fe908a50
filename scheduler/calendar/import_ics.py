"""Reading an uploaded .ics file into bookings for the user's unit.

The whole file is parsed and every event turned into booking data before anything is booked,
so a file that cannot be read writes nothing. Each event is then booked through the booking
service like a form submission (permission, validation and conflict checks included); an event
it refuses is reported with the service's reason and does not stop the others.

A booked event keeps the file's UID (Meeting.source_uid), so importing the same file again is
refused instead of booking every meeting twice. A changed or cancelled sitting of a series (an
event with RECURRENCE-ID) is applied to the series booked from its master in the same file,
once the master is booked.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from icalendar import Calendar

from ..core.errors import ValidationError
from ..core.timeutil import LOCAL_TZ, UTC, format_datetime_vi
from ..extensions import db
from ..meetings.lifecycle import cancel_occurrence, move_occurrence
from ..meetings.models import CATEGORIES, MODES, Meeting
from ..rooms.models import Room
from ..units.models import Unit

MAX_BYTES = 2 * 1024 * 1024
MAX_EVENTS = 500
UID_MAX = 255  # the width of Meeting.source_uid
# properties that carry an online meeting's link in exports of common calendar programs
ONLINE_HINTS = ("X-MICROSOFT-SKYPETEAMSMEETINGURL", "X-GOOGLE-CONFERENCE",
                "X-MICROSOFT-ONLINEMEETINGCONFLINK", "CONFERENCE")


class Refusal(ValueError):
    """Why one event cannot become a booking (the message is for the user)."""


@dataclass
class ParsedEvent:
    index: int
    title: str
    start: datetime | None = None
    end: datetime | None = None
    data: dict = field(default_factory=dict)
    problem: str | None = None  # why the event cannot be booked, known before booking
    uid: str = ""
    recurring: bool = False  # has an RRULE: may be the master of overrides in the file
    # an override of one sitting of a series: the instant it replaces, and whether it
    # cancels that sitting (otherwise it moves it to start-end)
    override: bool = False
    recurrence_id: datetime | None = None
    cancelled: bool = False
    master_index: int | None = None  # the event of the file it overrides


def parse_file(raw: bytes) -> list:
    """The VEVENTs of a file, as (still unbooked) ParsedEvents. ValidationError for a file that
    is not an iCalendar file at all."""
    if not raw or not raw.strip():
        raise ValidationError(_("Tệp trống."))
    if len(raw) > MAX_BYTES:
        raise ValidationError(_("Tệp quá lớn (tối đa 2 MB)."))
    if b"BEGIN:VCALENDAR" not in raw[:4096].upper():
        raise ValidationError(_("Đây không phải tệp lịch iCalendar (.ics): thiếu BEGIN:VCALENDAR."))
    try:
        calendars = Calendar.from_ical(raw, multiple=True)
        events = [c for cal in calendars for c in cal.walk("VEVENT")]
    except (ValueError, KeyError, IndexError, TypeError) as err:
        raise ValidationError(_("Không đọc được tệp lịch: %(error)s", error=str(err)[:200])) from None
    if not events:
        raise ValidationError(_("Tệp lịch không có sự kiện (VEVENT) nào."))
    if len(events) > MAX_EVENTS:
        raise ValidationError(_("Tệp có %(n)d sự kiện; mỗi lần nhập tối đa %(max)d.",
                                n=len(events), max=MAX_EVENTS))
    items = [_read_event(index, event) for index, event in enumerate(events, start=1)]
    _link_series(items)
    return items


def _link_series(items: list) -> None:
    """Refuse the second event of a UID (or of a UID and RECURRENCE-ID), and tie each
    override to its series master in the file."""
    first_of = {}
    for item in items:
        if not item.uid or (item.override and item.recurrence_id is None):
            continue  # an override whose RECURRENCE-ID could not be read is refused already
        first = first_of.setdefault((item.uid, item.recurrence_id), item)
        if first is not item and not item.problem:
            item.problem = _("Trùng UID với sự kiện #%(n)d trong cùng tệp.", n=first.index)
    for item in items:
        if not item.override or item.problem:
            continue
        master = first_of.get((item.uid, None)) if item.uid else None
        if master is None or not master.recurring:
            item.problem = _("Đây là thay đổi của một buổi trong chuỗi; hãy nhập cả chuỗi.")
        elif master.problem:
            item.problem = master_refused(master.index)
        else:
            item.master_index = master.index


def master_refused(index: int) -> str:
    return _("Chuỗi gốc (sự kiện #%(n)d) không được tạo nên không áp dụng được thay đổi "
             "của buổi này.", n=index)


def _aware(value) -> datetime:
    # a floating time (no TZID, no Z) is Hà Nội wall time, what an office would mean
    return (value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)).astimezone(UTC)


def _times(event) -> tuple[datetime, datetime]:
    start_prop = event.get("DTSTART")
    if start_prop is None:
        raise Refusal(_("Thiếu thời gian bắt đầu (DTSTART)."))
    start = start_prop.dt
    if not isinstance(start, datetime):
        raise Refusal(_("Sự kiện cả ngày không có giờ họp; hãy đặt giờ bắt đầu và kết thúc."))
    if event.get("DTEND") is not None:
        end = event["DTEND"].dt
    elif event.get("DURATION") is not None:
        end = start + event["DURATION"].dt
    else:
        raise Refusal(_("Thiếu thời gian kết thúc (DTEND hoặc DURATION)."))
    if not isinstance(end, datetime) or not isinstance(end - start, timedelta):
        raise Refusal(_("Thời gian kết thúc không hợp lệ."))
    return _aware(start), _aware(end)


def _read_event(index: int, event) -> ParsedEvent:
    title = str(event.get("SUMMARY") or "").strip()
    item = ParsedEvent(index=index, title=title or _("(không có tiêu đề)"),
                       uid=str(event.get("UID") or "").strip()[:UID_MAX])
    try:
        item.override = event.get("RECURRENCE-ID") is not None
        item.recurring = event.get("RRULE") is not None
        if item.override:
            _read_override(item, event)
            return item
        item.start, item.end = _times(event)
        if str(event.get("STATUS") or "").upper() == "CANCELLED":
            raise Refusal(_("Sự kiện đã bị hủy."))
        if item.uid and _known_uid(item.uid):
            raise Refusal(_("Cuộc họp này đã có trong hệ thống (cùng UID)."))
        item.data = _booking_data(event, title, item.start, item.end)
    except Refusal as err:
        item.problem = str(err)
    except (ValueError, TypeError, AttributeError) as err:
        # a property the parser could not read (a date such as "notadate")
        item.problem = _("Không đọc được sự kiện: %(error)s", error=str(err)[:200])
    return item


def _known_uid(uid: str) -> bool:
    """A meeting not cancelled was exported with this UID or imported from it (a cancelled
    one may be booked again)."""
    return db.session.scalar(sa.select(Meeting.id).where(
        sa.or_(Meeting.uid == uid, Meeting.source_uid == uid),
        Meeting.status != "cancelled").limit(1)) is not None


def _read_override(item: ParsedEvent, event) -> None:
    prop = event["RECURRENCE-ID"]
    if str(prop.params.get("RANGE") or "").upper() == "THISANDFUTURE":
        raise Refusal(_("Chưa nhập được thay đổi áp dụng cho một buổi và các buổi sau nó "
                        "(RANGE=THISANDFUTURE)."))
    if not isinstance(prop.dt, datetime):
        raise Refusal(_("Sự kiện cả ngày không có giờ họp; hãy đặt giờ bắt đầu và kết thúc."))
    item.recurrence_id = _aware(prop.dt)
    item.cancelled = str(event.get("STATUS") or "").upper() == "CANCELLED"
    if item.cancelled:  # only the instant matters; some programs write no DTEND here
        item.start = item.recurrence_id
    else:
        item.start, item.end = _times(event)


def apply_override(actor, meeting: Meeting, item: ParsedEvent):
    """Cancel or move the sitting of the series booked from the override's master whose RRULE
    instant is the RECURRENCE-ID; returns ("cancelled" or "moved", the sitting). Refusal, or
    the service's DomainError (a conflict at the new time), when it cannot; only flushes."""
    occurrence = next((o for o in meeting.occurrences
                       if o.original_start == item.recurrence_id), None)
    if occurrence is None:
        raise Refusal(_("Chuỗi không có buổi họp nào vào %(when)s.",
                        when=format_datetime_vi(item.recurrence_id)))
    if item.cancelled:
        return "cancelled", cancel_occurrence(actor, occurrence)
    if (item.start, item.end) == (occurrence.start_at, occurrence.end_at):
        # an override that changes only the text of one sitting (a meeting has one title)
        raise Refusal(_("Buổi %(when)s không đổi giờ; chỉ nhập được việc dời hoặc hủy một "
                        "buổi, buổi này giữ như trong chuỗi.",
                        when=format_datetime_vi(item.recurrence_id)))
    return "moved", move_occurrence(actor, occurrence, item.start.isoformat(),
                                    item.end.isoformat())


def _hint(event, name: str, allowed) -> str | None:
    value = str(event.get(name) or "").strip().lower()
    return value if value in allowed else None


def _is_online(event) -> bool:
    return event.get("URL") is not None or any(event.get(name) is not None for name in ONLINE_HINTS)


def _booking_data(event, title: str, start: datetime, end: datetime) -> dict:
    data = {
        "title": title,
        "category": _hint(event, "X-LICHHOP-CATEGORY", CATEGORIES) or "khac",
        "mode": _hint(event, "X-LICHHOP-MODE", MODES) or ("online" if _is_online(event) else "in_person"),
        "start": start.isoformat(),
        "end": end.isoformat(),
        "agenda": str(event.get("DESCRIPTION") or "").strip(),
        "location": str(event.get("LOCATION") or "").strip(),
        "attendees": _attendee_addresses(event),
    }
    if event.get("RRULE") is not None:
        data["rrule"] = event["RRULE"].to_ical().decode()
        data["skip_dates"] = sorted({d.isoformat() for d in _exdates(event)})
    return data


def _attendee_addresses(event) -> list[str]:
    values = event.get("ATTENDEE") or []
    if not isinstance(values, list):
        values = [values]
    return [str(v).removeprefix("mailto:").removeprefix("MAILTO:").strip().lower() for v in values]


def _exdates(event) -> list[date]:
    values = event.get("EXDATE") or []
    if not isinstance(values, list):
        values = [values]
    days = []
    for prop in values:
        for item in prop.dts:
            value = item.dt
            days.append(_aware(value).astimezone(LOCAL_TZ).date() if isinstance(value, datetime)
                        else value)
    return days


def booking_request(actor, item: ParsedEvent) -> dict:
    """The data book_meeting takes, for the actor's unit: the LOCATION matched against the
    unit's rooms by name, ATTENDEEs against units' office mailboxes."""
    unit = actor.unit
    data = {k: v for k, v in item.data.items() if k not in ("location", "attendees")}
    data.update(host_unit=unit.code, rooms=[], participants=[])
    location = item.data.get("location", "").lower()
    if location:
        rooms = db.session.scalars(sa.select(Room).where(Room.unit_id == unit.id, Room.active))
        data["rooms"] = [r.id for r in rooms if location.startswith(r.name.lower())][:1]
    addresses = [a for a in item.data.get("attendees", []) if "@" in a]
    if addresses:
        units = db.session.scalars(sa.select(Unit).where(
            sa.func.lower(Unit.email).in_(addresses), Unit.id != unit.id,
            Unit.active_on(datetime.now(LOCAL_TZ).date())))
        data["participants"] = sorted({u.code for u in units})
    return data
