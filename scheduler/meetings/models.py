"""Meetings (cuộc họp), their occurrences and the reservations that keep rooms and endpoints
from being double-booked.

Every meeting has at least one `Occurrence` (a single meeting exactly one; a series one per date
of its RRULE, within a bounded horizon). Reports, calendars and reminders work on occurrences,
so "each occurrence of a series counts as one meeting" is a plain SQL count.

`Reservation` rows hold, per occurrence, the interval each room and each endpoint is taken for
(an endpoint from the connection test, ENDPOINT_TEST_LEAD_MINUTES before the start). On
PostgreSQL an exclusion constraint forbids two active overlapping reservations of one resource,
so that of two concurrent bookings at most one can commit.
"""
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.access import allowed_units
from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db
from ..units.models import Unit

CATEGORIES = ("trien_khai", "so_ket", "tong_ket", "tap_huan", "giao_ban", "lam_viec", "khac")
MODES = ("in_person", "online", "hybrid")
ONLINE_MODES = ("online", "hybrid")
STATUSES = ("pending", "scheduled", "held", "cancelled")
# longer gatherings are booked as a daily series; the bound also gives every window query a
# lower end on start_at, so the index range stays small however long the history grows
MAX_MEETING_HOURS = 72
LONGEST_SITTING = timedelta(hours=MAX_MEETING_HOURS)

meeting_participant = sa.Table(
    "meeting_participant",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("unit_id", sa.ForeignKey("unit.id"), primary_key=True),
    sa.Index("ix_meeting_participant_unit_id", "unit_id"),
)

meeting_room = sa.Table(
    "meeting_room",
    db.metadata,
    sa.Column("meeting_id", sa.ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("room_id", sa.ForeignKey("room.id"), primary_key=True),
    sa.Index("ix_meeting_room_room_id", "room_id"),
)


class Meeting(db.Model):
    __tablename__ = "meeting"
    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.CheckConstraint(f"category IN {CATEGORIES}", name="category_known"),
        sa.CheckConstraint(f"mode IN {MODES}", name="mode_known"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        sa.Index("ix_meeting_host_unit_id_start_at", "host_unit_id", "start_at"),
        sa.Index("ix_meeting_start_at", "start_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    category: Mapped[str] = mapped_column(sa.String(20))
    host_unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    chair: Mapped[str] = mapped_column(sa.String(200), default="")
    # first occurrence (for a series: the DTSTART of the RRULE)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    mode: Mapped[str] = mapped_column(sa.String(12))
    paperless: Mapped[bool] = mapped_column(default=False)
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    conclusion: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[str] = mapped_column(sa.String(12), default="scheduled")
    rrule: Mapped[str | None] = mapped_column(sa.String(500))
    join_url: Mapped[str | None] = mapped_column(sa.String(500))
    sequence: Mapped[int] = mapped_column(default=0)
    # raised by every change of the meeting or its sittings: the API's ETag, the edit form's
    # guard against overwriting someone else's change
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    uid: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # UID of the event in another calendar system this meeting was imported from (.ics import),
    # so that importing the same file again is recognised
    source_uid: Mapped[str | None] = mapped_column(sa.String(255), index=True)
    # approval of a booking in a room that requires it
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(sa.String(500))
    holiday_override_reason: Mapped[str | None] = mapped_column(sa.String(500))
    # dates of the series skipped at booking (EXDATE): ISO UTC datetimes of the RRULE instances
    # that have no Occurrence row; restore_occurrence takes one back
    exdates: Mapped[list] = mapped_column(sa.JSON, default=list)
    cancel_reason: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    host_unit = relationship("Unit", foreign_keys=[host_unit_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    participants = relationship("Unit", secondary=meeting_participant, order_by="Unit.code")
    rooms = relationship("Room", secondary=meeting_room, order_by="Room.id")
    # the paperless agenda (scheduler/paperless); read here for invites and schedules
    agenda_items = relationship("AgendaItem", order_by="AgendaItem.position", viewonly=True)
    occurrences: Mapped[list["Occurrence"]] = relationship(
        back_populates="meeting", order_by="Occurrence.start_at", cascade="all, delete-orphan")

    @classmethod
    def involving(cls, unit_ids):
        """SQL condition: hosted by or taking part is a unit among `unit_ids` (ids or a select
        of them). A UNION of two id sets, each read from its own index (meeting's
        host_unit_id, meeting_participant's unit_id): an OR of the two would make PostgreSQL
        scan every meeting."""
        hosted = sa.select(cls.id).where(cls.host_unit_id.in_(unit_ids))
        taking_part = (sa.select(meeting_participant.c.meeting_id)
                       .where(meeting_participant.c.unit_id.in_(unit_ids)))
        return cls.id.in_(sa.union(hosted, taking_part))

    # -- access: core/access.py decides over the units, these say which units count --------
    @classmethod
    def visible_to(cls, user):
        """SQL condition: the meetings whose details `user` may see (Meeting.can_view)."""
        in_reach = Unit.ids_in_reach(user, "view")
        return sa.true() if in_reach is None else cls.involving(in_reach)

    def can_view(self, user, sees=None) -> bool:
        """May see the details (agenda, participants, rooms, join link): the host or an
        invited unit is within the user's view; others see only the public facts. `sees`: the
        user's allowed_units(user, "view"), worked out once for a list."""
        sees = sees or allowed_units(user, "view")
        return sees(self.host_unit) or any(sees(unit) for unit in self.participants)

    def can_change(self, user) -> bool:
        """May change, cancel and run the meeting (its agenda, documents, votes, minutes)."""
        return self.host_unit.can_book(user)

    def can_vote(self, user) -> bool:
        """May cast a ballot: the user's own unit is the host or an invited one (seeing the
        meeting from above is not enough)."""
        return (getattr(user, "is_authenticated", False) and user.active and user.unit_id in
                {self.host_unit_id, *(unit.id for unit in self.participants)})

    def can_approve(self, user) -> bool:
        """May approve or decline it: manages the unit of every room of it that requires
        approval (the host unit when none does)."""
        gated = [room for room in self.rooms if room.requires_approval]
        return approves(user, gated) if gated else self.host_unit.can_manage(user)

    @property
    def is_online(self) -> bool:
        return self.mode in ONLINE_MODES

    @property
    def location(self) -> str:
        """Where it sits, in words (invitations, iCalendar LOCATION, the minutes): its rooms,
        each with its unit, or "Trực tuyến" for an online meeting without a room."""
        places = [f"{room.name} ({room.unit.name})" if room.unit is not None else room.name
                  for room in self.rooms]
        if not places and self.is_online:
            return "Trực tuyến"
        return "; ".join(places)

    def __repr__(self) -> str:
        return f"<Meeting {self.id} {self.title!r}>"


def approves(user, rooms) -> bool:
    """`user` may approve every room of `rooms` that requires approval, so that a sitting they
    move there does not wait again. A new booking, or a gated room newly taken, waits whoever
    makes it (planning.py): the approval is a decision of its own, recorded as one."""
    return all(room.unit.can_manage(user) for room in rooms if room.requires_approval)


class Occurrence(db.Model):
    """One sitting of a meeting. `original_start` is the RRULE date it stands for (the
    RECURRENCE-ID of a moved occurrence); `held_mode` is the mode it was actually held in."""

    __tablename__ = "occurrence"
    __table_args__ = (
        sa.CheckConstraint("end_at > start_at", name="end_after_start"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        sa.CheckConstraint(f"held_mode IS NULL OR held_mode IN {MODES}", name="held_mode_known"),
        sa.UniqueConstraint("meeting_id", "original_start", name="uq_occurrence_meeting_original"),
        sa.Index("ix_occurrence_start_at", "start_at"),
        sa.Index("ix_occurrence_status_end_at", "status", "end_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meeting.id", ondelete="CASCADE"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    original_start: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(sa.String(12), default="scheduled")
    held_mode: Mapped[str | None] = mapped_column(sa.String(12))
    moved: Mapped[bool] = mapped_column(default=False)

    meeting: Mapped[Meeting] = relationship(back_populates="occurrences")
    reservations: Mapped[list["Reservation"]] = relationship(
        back_populates="occurrence", cascade="all, delete-orphan")

    @classmethod
    def overlapping(cls, start: datetime, end: datetime):
        """SQL condition: the sitting overlaps [start, end). No sitting lasts longer than
        LONGEST_SITTING, so the start is bounded on both sides (an index range on start_at)."""
        return sa.and_(cls.start_at < end, cls.start_at > start - LONGEST_SITTING,
                       cls.end_at > start)



class CalendarTag(db.Model):
    """The current tag of each unit's calendar: a random number drawn anew, in the same
    transaction, by every change of a meeting that the unit hosts or takes part in or that
    uses one of its rooms (scheduler/meetings/calendar_tags.py). Unit id 0 stands for every
    calendar at once: units and rooms (their names and paths) and bulk statements draw it.
    What the calendar pages and the API's lists cache is valid while the tags it was read
    under are; a unit without a row has never changed since the table began (tag 0)."""

    __tablename__ = "calendar_tag"

    unit_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    tag: Mapped[int] = mapped_column(sa.BigInteger)


class Reservation(db.Model):
    __tablename__ = "reservation"
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_starts"),
        sa.CheckConstraint("resource_kind IN ('room', 'endpoint')", name="resource_kind_known"),
        sa.Index("ix_reservation_resource", "resource_kind", "resource_id", "starts_at"),
        sa.Index("ix_reservation_occurrence_id", "occurrence_id"),
        postgresql.ExcludeConstraint(
            (sa.column("resource_kind"), "="),
            (sa.column("resource_id"), "="),
            (sa.text("tstzrange(starts_at, ends_at, '[)')"), "&&"),
            where=sa.text("active"),
            using="gist",
            name="ex_reservation_no_overlap",
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(sa.ForeignKey("occurrence.id", ondelete="CASCADE"))
    resource_kind: Mapped[str] = mapped_column(sa.String(10))
    resource_id: Mapped[int]
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)

    occurrence: Mapped[Occurrence] = relationship(back_populates="reservations")


# SQLite has no exclusion constraints: these triggers enforce the same rule as
# ex_reservation_no_overlap, so that a code path that forgets the free check still cannot
# double-book. The lower bound on starts_at keeps each check a short range of
# ix_reservation_resource; it is exact because no reservation may last longer than it (the
# first statement; bookings are at most MAX_MEETING_HOURS plus the connection test).
RESERVATION_MAX_DAYS = 7
_OVERLAP_CHECK = """
  SELECT RAISE(ABORT, 'ex_reservation_no_overlap: a reservation lasts at most {days} days')
   WHERE julianday(NEW.ends_at) - julianday(NEW.starts_at) > {days};
  SELECT RAISE(ABORT, 'ex_reservation_no_overlap')
   WHERE EXISTS (SELECT 1 FROM reservation AS r
                  WHERE r.resource_kind = NEW.resource_kind AND r.resource_id = NEW.resource_id
                    AND r.active AND r.starts_at < NEW.ends_at AND r.ends_at > NEW.starts_at
                    AND r.starts_at >= strftime('%Y-%m-%d %H:%M:%S', NEW.starts_at, '-{days} days')
                    {other});
"""
SQLITE_RESERVATION_TRIGGERS = (
    "CREATE TRIGGER tr_reservation_no_overlap_insert BEFORE INSERT ON reservation "
    "WHEN NEW.active BEGIN" + _OVERLAP_CHECK.format(days=RESERVATION_MAX_DAYS, other="")
    + "END",
    "CREATE TRIGGER tr_reservation_no_overlap_update BEFORE UPDATE OF active, starts_at, "
    "ends_at, resource_kind, resource_id ON reservation WHEN NEW.active BEGIN"
    + _OVERLAP_CHECK.format(days=RESERVATION_MAX_DAYS, other="AND r.id != NEW.id") + "END",
)
for _trigger in SQLITE_RESERVATION_TRIGGERS:
    sa.event.listen(Reservation.__table__, "after_create",
                    sa.DDL(_trigger.replace("%", "%%")).execute_if(dialect="sqlite"))
