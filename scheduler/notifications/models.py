"""The notices delivered (the exactly-once ledger the jobs and listeners claim a notice in
before sending it) and the in-app notifications (the bell) each user reads."""
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db

NOTICE_KINDS = ("reminder", "tech_reminder", "monthly_report", "endpoint_down", "endpoint_up",
                "meeting_unreachable", "conclusion_overdue")


class NoticeDelivery(db.Model):
    """The ledger that makes every notice go out once. A job inserts the row (ON CONFLICT DO
    NOTHING) in the same transaction as the notifications and e-mails it creates; a conflict
    means another run already delivered it. `key` spells the event: for a reminder the
    occurrence, kind, offset *and* the start time it announced, so a moved meeting gets fresh
    reminders while a repeated run gets none."""

    __tablename__ = "notice_delivery"
    __table_args__ = (
        sa.UniqueConstraint("key", name="uq_notice_delivery_key"),
        sa.CheckConstraint(f"kind IN {NOTICE_KINDS}", name="kind_known"),
        sa.Index("ix_notice_delivery_delivered_at", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    occurrence_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("occurrence.id", ondelete="SET NULL"))
    offset_minutes: Mapped[int | None]
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(default=0)
    summary: Mapped[str] = mapped_column(sa.String(300), default="")

    occurrence = relationship("Occurrence")

    @staticmethod
    def reminder_key(kind: str, meeting_id: int, offset_minutes: int, start_at: datetime) -> str:
        """One notice per meeting, sitting start and offset. Keyed by the meeting and the
        start rather than the occurrence row: changing a meeting's end or its series rebuilds
        the coming occurrence rows with new ids, and their reminders must not go out again."""
        start = start_at.astimezone(timezone.utc).strftime("%Y%m%dT%H%MZ")
        return f"{kind}:m{meeting_id}:{offset_minutes}:{start}"


class Notification(db.Model):
    """An entry of a user's in-app notification list (the bell in the page header)."""

    __tablename__ = "notification"
    __table_args__ = (
        sa.Index("ix_notification_user_id_read_at", "user_id", "read_at"),
        sa.Index("ix_notification_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"))
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    meeting = relationship("Meeting")

    @classmethod
    def unread_query(cls, user_id: int):
        """SELECT of the user's unread count (the menu reads it with its other counts)."""
        return sa.select(sa.func.count()).select_from(cls).where(
            cls.user_id == user_id, cls.read_at.is_(None))

    @classmethod
    def unread_count(cls, user_id: int) -> int:
        return db.session.scalar(cls.unread_query(user_id)) or 0
