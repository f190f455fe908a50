"""Time zone and date helpers. Everything is stored in UTC and shown in Asia/Ho_Chi_Minh."""
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
UTC = timezone.utc

WEEKDAY_NAMES_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def today_local() -> date:
    return datetime.now(LOCAL_TZ).date()


def to_local(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value.astimezone(LOCAL_TZ)


def to_utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken as local (Asia/Ho_Chi_Minh) wall time,
    which is what people type into forms."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=LOCAL_TZ)
    return value.astimezone(UTC)


def local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), LOCAL_TZ).astimezone(UTC)


def local_day_bounds(start_day: date, end_day: date) -> tuple[datetime, datetime]:
    """UTC [start, end) covering the local days start_day..end_day inclusive."""
    return local_midnight_utc(start_day), local_midnight_utc(end_day + timedelta(days=1))


def format_date_vi(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime("%d/%m/%Y")


def format_datetime_vi(value: datetime | None) -> str:
    if value is None:
        return ""
    return to_local(value).strftime("%H:%M %d/%m/%Y")


def official_date_line(place: str, day: date) -> str:
    """The dateline of an official document: 'Hà Nội, ngày 05 tháng 02 năm 2026'."""
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"
