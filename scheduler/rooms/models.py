"""Meeting rooms (phòng họp) of a unit, with their booking rules."""
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db


class Room(db.Model):
    __tablename__ = "room"
    __table_args__ = (
        sa.CheckConstraint("capacity >= 0", name="capacity_not_negative"),
        sa.CheckConstraint("max_duration_minutes IS NULL OR max_duration_minutes > 0",
                           name="max_duration_positive"),
        sa.CheckConstraint("max_advance_days IS NULL OR max_advance_days > 0",
                           name="max_advance_positive"),
        sa.Index("ix_room_unit_id", "unit_id"),
        # the rooms whose bookings wait for approval: the menu's count on every page
        sa.Index("ix_room_approval_unit_id", "unit_id", postgresql_where=sa.text("requires_approval"),
                 sqlite_where=sa.text("requires_approval = 1")),
        sa.Index("ix_room_updated_at", "updated_at"),  # the calendar feeds' version read
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    capacity: Mapped[int] = mapped_column(default=0)
    paperless: Mapped[bool] = mapped_column(default=False)
    has_endpoint: Mapped[bool] = mapped_column(default=False)
    requires_approval: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    # booking rules (null = no rule)
    open_from: Mapped[time | None] = mapped_column(sa.Time)
    open_until: Mapped[time | None] = mapped_column(sa.Time)
    max_duration_minutes: Mapped[int | None]
    max_advance_days: Mapped[int | None]
    feed_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # last change of the row (names, contacts…): calendar feeds that show it are stale after it
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit = relationship("Unit")

    def __repr__(self) -> str:
        return f"<Room {self.id} {self.name}>"
