"""Building blocks of the notices the application sends: the exactly-once ledger, in-app notifications
and the text of meeting reminders."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..auth.models import User
from ..core.labels import label
from ..core.timeutil import format_datetime_vi, to_local
from ..core.settings import settings
from ..extensions import db
from .models import NoticeDelivery, Notification


def _insert_ignoring_conflict(model, values: dict, unique_column: str):
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=[unique_column])


def claim_delivery(key: str, kind: str, now: datetime, *, occurrence_id: int | None = None,
                   offset_minutes: int | None = None, start_at: datetime | None = None) -> bool:
    """Record in the current transaction that the notice `key` is being delivered. False when
    it already was (by an earlier run or by another runner): the caller then sends nothing.
    On PostgreSQL a concurrent claim of the same key waits for the first one to commit."""
    statement = _insert_ignoring_conflict(NoticeDelivery, {
        "key": key, "kind": kind, "occurrence_id": occurrence_id,
        "offset_minutes": offset_minutes, "start_at": start_at, "delivered_at": now,
        "recipients": 0, "summary": "",
    }, "key").returning(NoticeDelivery.id)
    # RETURNING rather than rowcount: the ORM's execute path does not report rowcount on psycopg
    return db.session.execute(statement).scalar() is not None


def claim_deliveries(rows: list[dict]) -> list[str]:
    """claim_delivery for many notices at once: the keys claimed now (the others were
    delivered before). Each row carries key, kind, delivered_at and whatever else. One
    executemany, which SQLAlchemy batches into multi-row INSERT ... RETURNING statements."""
    if not rows:
        return []
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    defaults = {"occurrence_id": None, "offset_minutes": None, "start_at": None,
                "recipients": 0, "summary": ""}
    statement = (insert(NoticeDelivery).on_conflict_do_nothing(index_elements=["key"])
                 .returning(NoticeDelivery.key))
    return list(db.session.scalars(statement, [{**defaults, **row} for row in rows]))


def complete_delivery(key: str, recipients: int, summary: str) -> None:
    db.session.execute(sa.update(NoticeDelivery).where(NoticeDelivery.key == key)
                       .values(recipients=recipients, summary=summary[:300]))


def active_users_of(unit_ids, roles=None) -> list[int]:
    query = sa.select(User.id).where(User.unit_id.in_(list(unit_ids)), User.active.is_(True))
    if roles:
        query = query.where(User.role.in_(list(roles)))
    return list(db.session.scalars(query.order_by(User.id)))


def notify_users(user_ids, kind: str, title: str, body: str, now: datetime,
                 meeting_id: int | None = None) -> int:
    rows = [{"user_id": uid, "kind": kind, "title": title[:300], "body": body,
             "meeting_id": meeting_id, "created_at": now} for uid in user_ids]
    if rows:
        db.session.execute(sa.insert(Notification), rows)
    return len(rows)


def meeting_units(meeting) -> list:
    """The host unit first, then the participating units, each once."""
    units = [meeting.host_unit] + [u for u in meeting.participants if u.id != meeting.host_unit_id]
    return [u for u in units if u is not None]


def _when(occurrence) -> str:
    start, end = to_local(occurrence.start_at), to_local(occurrence.end_at)
    if start.date() == end.date():
        return f"{format_datetime_vi(occurrence.start_at)} – {end.strftime('%H:%M')}"
    return f"{format_datetime_vi(occurrence.start_at)} – {format_datetime_vi(occurrence.end_at)}"


def meeting_facts(meeting, occurrence) -> list[str]:
    lines = [
        _("Cuộc họp: %(title)s", title=meeting.title),
        _("Thời gian: %(when)s", when=_when(occurrence)),
        _("Đơn vị chủ trì: %(unit)s", unit=meeting.host_unit.name),
    ]
    if meeting.chair:
        lines.append(_("Chủ trì: %(chair)s", chair=meeting.chair))
    lines.append(_("Hình thức: %(mode)s", mode=label(meeting.mode, "mode")))
    if meeting.rooms:
        lines.append(_("Địa điểm: %(rooms)s", rooms=", ".join(r.name for r in meeting.rooms)))
    participants = [u.name for u in meeting.participants]
    if participants:
        lines.append(_("Thành phần: %(units)s", units=", ".join(participants)))
    if meeting.is_online and meeting.join_url:
        lines.append(_("Đường dẫn tham gia: %(url)s", url=meeting.join_url))
    return lines


LATE_MINUTES = 15  # a reminder later than this says how much time is really left


def ahead_words(minutes: int) -> str:
    """1440 as "1 ngày", 120 as "2 giờ", 90 as "90 phút"."""
    if minutes % 1440 == 0:
        return _("%(n)d ngày", n=minutes // 1440)
    if minutes % 60 == 0:
        return _("%(n)d giờ", n=minutes // 60)
    return _("%(n)d phút", n=minutes)


def reminder_text(meeting, occurrence, offset_minutes: int, now: datetime | None = None
                  ) -> tuple[str, str]:
    """Subject and body of the reminder due `offset_minutes` before the start. One sent late
    (the runner was down) says the real time left rather than claiming 'one day ahead'."""
    subject = _("Nhắc lịch họp: %(title)s – %(when)s", title=meeting.title,
                when=format_datetime_vi(occurrence.start_at))
    left = None if now is None else int((occurrence.start_at - now).total_seconds() // 60)
    if left is not None and left < offset_minutes - LATE_MINUTES:
        rounded = round(left / 60) * 60 if left >= 120 else max(left, 1)
        intro = _("Nhắc lịch: cuộc họp sau đây bắt đầu lúc %(when)s, chỉ còn khoảng %(left)s.",
                  when=format_datetime_vi(occurrence.start_at), left=ahead_words(rounded))
    else:
        intro = _("Nhắc lịch: cuộc họp sau đây bắt đầu lúc %(when)s (nhắc trước %(ahead)s).",
                  when=format_datetime_vi(occurrence.start_at), ahead=ahead_words(offset_minutes))
    body = "\n".join([intro, ""] + meeting_facts(meeting, occurrence) + ["", _footer()])
    return subject, body


def tech_reminder_text(meeting, occurrence, lead_minutes: int) -> tuple[str, str]:
    test_at = occurrence.start_at - timedelta(minutes=lead_minutes)
    subject = _("Kết nối thử điểm cầu: %(title)s – %(when)s", title=meeting.title,
                when=format_datetime_vi(occurrence.start_at))
    intro = _("Đề nghị cán bộ kỹ thuật kết nối thử điểm cầu hội nghị truyền hình từ %(test)s "
              "(trước giờ họp %(lead)d phút) và giữ kết nối đến khi cuộc họp bắt đầu.",
              test=format_datetime_vi(test_at), lead=lead_minutes)
    body = "\n".join([intro, ""] + meeting_facts(meeting, occurrence) + ["", _footer()])
    return subject, body


def _footer() -> str:
    return _("Thư tự động từ hệ thống Lịch họp trực tuyến: %(url)s",
             url=settings().base_url)
