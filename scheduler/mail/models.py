from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db

MAIL_STATUSES = ("queued", "sending", "sent", "failed")


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mail"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {MAIL_STATUSES}", name="status_known"),
        sa.Index("ix_outgoing_mail_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_outgoing_mail_meeting_id", "meeting_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the Message-ID header, fixed at queueing so that every attempt sends the same one
    message_id: Mapped[str | None] = mapped_column(sa.String(255))
    recipients: Mapped[list] = mapped_column(sa.JSON)
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str | None] = mapped_column(sa.Text)
    # an iCalendar part (text/calendar; method=REQUEST or CANCEL) that mail clients show as an invitation
    ical: Mapped[str | None] = mapped_column(sa.Text)
    ical_method: Mapped[str | None] = mapped_column(sa.String(10))
    # attachments: [{"filename", "content_type", "data_b64"}]
    attachments: Mapped[list | None] = mapped_column(sa.JSON)
    purpose: Mapped[str] = mapped_column(sa.String(50), default="")
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meeting.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    # what the job runner still has to build before sending (body and iCalendar part), e.g.
    # {"kind": "invitation", "change": "created", "unit_id": 7}: bookings store one small row
    # per message instead of rendering 50 invitations inside the request; null once built
    render: Mapped[dict | None] = mapped_column(sa.JSON)
    # a message useless after this moment (a reminder once its meeting has started) is not sent
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
