"""The paperless meeting (họp không giấy tờ): agenda items, documents and who opened them,
attendance per invited unit, named votes and their ballots, and the minutes with the
conclusion notice.

Everything hangs off a meeting and goes with it (ON DELETE CASCADE). One ballot per person and
vote is a UNIQUE constraint, so two simultaneous ballots of one person cannot both be stored.
"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db

ATTENDANCE_STATUSES = ("present_in_person", "present_online", "absent", "not_checked_in")
CHOICES = ("dong_y", "khong_dong_y", "phieu_trang")
VOTE_STATUSES = ("open", "closed")


class AgendaItem(db.Model):
    __tablename__ = "agenda_item"
    __table_args__ = (
        sa.CheckConstraint("minutes IS NULL OR minutes > 0", name="minutes_positive"),
        sa.Index("ix_agenda_item_meeting_id_position", "meeting_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"))
    position: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(300))
    presenter: Mapped[str] = mapped_column(sa.String(200), default="")
    minutes: Mapped[int | None]


class MeetingDocument(db.Model):
    """A file distributed before the meeting. The bytes live under DOCUMENT_DIR (instance/,
    never static/), named by `storage_key`; `name` is what the uploader called it."""

    __tablename__ = "meeting_document"
    __table_args__ = (
        sa.Index("ix_meeting_document_meeting_id", "meeting_id"),
        sa.Index("ix_meeting_document_agenda_item_id", "agenda_item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meeting = relationship("Meeting")
    agenda_item = relationship("AgendaItem")
    uploaded_by = relationship("User")
    reads: Mapped[list["DocumentRead"]] = relationship(
        order_by="DocumentRead.first_opened_at", cascade="all, delete-orphan",
        passive_deletes=True)


class DocumentRead(db.Model):
    """Who opened a document: once per user, with the first and the latest time."""

    __tablename__ = "document_read"
    __table_args__ = (
        sa.UniqueConstraint("document_id", "user_id", name="uq_document_read_document_user"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting_document.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    first_opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    times: Mapped[int] = mapped_column(default=1)

    user = relationship("User")


class Attendance(db.Model):
    """One invited unit's attendance; a unit without a row has not checked in."""

    __tablename__ = "attendance"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "unit_id", name="uq_attendance_meeting_unit"),
        sa.CheckConstraint(f"status IN {ATTENDANCE_STATUSES}", name="status_known"),
        sa.CheckConstraint("status <> 'absent' OR reason <> ''", name="absence_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    status: Mapped[str] = mapped_column(sa.String(20))
    person: Mapped[str] = mapped_column(sa.String(200), default="")
    substitute: Mapped[str] = mapped_column(sa.String(200), default="")
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit = relationship("Unit")


class Vote(db.Model):
    __tablename__ = "vote"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {VOTE_STATUSES}", name="status_known"),
        sa.Index("ix_vote_meeting_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"))
    agenda_item_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agenda_item.id", ondelete="SET NULL"))
    question: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(10), default="open")
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting = relationship("Meeting")
    agenda_item = relationship("AgendaItem")
    ballots: Mapped[list["Ballot"]] = relationship(
        order_by="Ballot.cast_at", cascade="all, delete-orphan", passive_deletes=True)


class Ballot(db.Model):
    """One person's named ballot (phiếu biểu quyết) in one vote."""

    __tablename__ = "ballot"
    __table_args__ = (
        sa.UniqueConstraint("vote_id", "user_id", name="uq_ballot_vote_user"),
        sa.CheckConstraint(f"choice IN {CHOICES}", name="choice_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vote_id: Mapped[int] = mapped_column(sa.ForeignKey("vote.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    choice: Mapped[str] = mapped_column(sa.String(20))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


class Minutes(db.Model):
    """The minutes (biên bản họp, fields of Decision 45/2018/QĐ-TTg) and the conclusion notice
    (thông báo kết luận). Time, chair, attendees and vote results come from the meeting, its
    attendance and its votes; what is written here is the rest."""

    __tablename__ = "minutes"

    meeting_id: Mapped[int] = mapped_column(
        sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    secretary: Mapped[str] = mapped_column(sa.String(200), default="")
    discussion: Mapped[str] = mapped_column(sa.Text, default="")
    opinions: Mapped[str] = mapped_column(sa.Text, default="")
    conclusions: Mapped[str] = mapped_column(sa.Text, default="")
    conclusion_issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
