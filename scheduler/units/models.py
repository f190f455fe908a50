"""The administrative unit tree: city, departments, districts, wards — any depth, effective-dated."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import access
from ..core.cache import pure_function
from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db

UNIT_KINDS = ("city", "department", "district", "ward")
# the two-level local government (Resolution 1656/NQ-UBTVQH15 for Hà Nội): no districts and no
# towns (thị trấn) from this day, only communes and wards under the province or city
TWO_LEVEL_SINCE = date(2025, 7, 1)


class Unit(db.Model):
    """One administrative unit for the span [valid_from, valid_to] (both inclusive, null = open).

    GSO codes are reused after mergers (Phường Ba Đình of 2025 carries 00004, the code of the old
    Phường Trúc Bạch), so a code identifies a unit only together with a date: two rows may share a
    code as long as their validity does not overlap. Meetings, users and rooms point at the row id,
    which keeps history intact when the tree changes.

    `path` is the materialised chain of ids from the root ("/1/5/230/"), so a subtree is one
    indexed prefix match whatever the depth.
    """

    __tablename__ = "unit"
    __table_args__ = (
        sa.UniqueConstraint("code", "valid_from", name="uq_unit_code_valid_from"),
        sa.CheckConstraint(f"kind IN {UNIT_KINDS}", name="kind_known"),
        sa.CheckConstraint("valid_to IS NULL OR valid_from IS NULL OR valid_to >= valid_from",
                           name="validity_ordered"),
        sa.Index("ix_unit_path", "path"),
        # a subtree is `path LIKE '/1/5/%'`: under a non-C collation PostgreSQL can use a B-tree
        # for that prefix only with the pattern operator class
        sa.Index("ix_unit_path_pattern", "path",
                 postgresql_ops={"path": "varchar_pattern_ops"}).ddl_if(dialect="postgresql"),
        # the calendar feeds' version read takes max(updated_at)
        sa.Index("ix_unit_updated_at", "updated_at"),
        sa.Index("ix_unit_parent_id", "parent_id"),
        sa.Index("ix_unit_code", "code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[str] = mapped_column(sa.String(20))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id"))
    path: Mapped[str] = mapped_column(sa.String(255), default="")
    valid_from: Mapped[date | None] = mapped_column(sa.Date)
    valid_to: Mapped[date | None] = mapped_column(sa.Date)

    # contacts: the office mailbox that receives invitations, and the endpoint's technician
    email: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    tech_name: Mapped[str | None] = mapped_column(sa.String(200))
    tech_phone: Mapped[str | None] = mapped_column(sa.String(50))
    tech_email: Mapped[str | None] = mapped_column(sa.String(200))
    # secret of the unit's calendar feed (/calendar/unit/<token>.ics); null = no feed
    feed_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # last change of the row (names, contacts…): calendar feeds that show it are stale after it
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    parent: Mapped["Unit | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.code")

    def __repr__(self) -> str:
        return f"<Unit {self.code} {self.name}>"

    # -- access: core/access.py decides, for one unit and as SQL for lists ---------------
    @classmethod
    def in_reach(cls, user, permission: str = "view"):
        """SQL condition: the units where `user` holds `permission` (an indexed path prefix
        for a subtree, so a list stays one query whatever the depth of the tree)."""
        how_far = access.reach(user, permission)
        if how_far is None:
            return sa.false()
        if how_far == access.ALL:
            return sa.true()
        return cls.id == user.unit_id if how_far == access.OWN else cls.in_subtree(user.unit)

    @classmethod
    def ids_in_reach(cls, user, permission: str = "view"):
        """SELECT of the ids of the units in reach; None when that is every unit (so the
        caller adds no filter at all)."""
        if access.reach(user, permission) == access.ALL:
            return None
        return sa.select(cls.id).where(cls.in_reach(user, permission))

    def can_view(self, user) -> bool:
        """May see the unit's meetings, rooms, endpoints and calendars."""
        return access.allowed(user, "view", self)

    def can_book(self, user) -> bool:
        """May book, change and cancel the meetings the unit hosts."""
        return access.allowed(user, "book", self)

    def can_manage(self, user) -> bool:
        """May manage the unit's rooms, endpoints, contacts and users, and approve bookings."""
        return access.allowed(user, "manage", self)

    def can_report(self, user) -> bool:
        return access.allowed(user, "report", self)

    # -- effective dating ------------------------------------------------------------------
    def exists_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or self.valid_to >= day)

    @classmethod
    def active_on(cls, day: date):
        """SQL condition: the unit exists on `day`."""
        return sa.and_(sa.or_(cls.valid_from.is_(None), cls.valid_from <= day),
                       sa.or_(cls.valid_to.is_(None), cls.valid_to >= day))

    @classmethod
    def overlapping_span(cls, start: date, end: date):
        """SQL condition: the unit existed on at least one day of [start, end]."""
        return sa.and_(sa.or_(cls.valid_from.is_(None), cls.valid_from <= end),
                       sa.or_(cls.valid_to.is_(None), cls.valid_to >= start))

    # -- tree ------------------------------------------------------------------------------
    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent is not None else "/"
        return f"{prefix}{self.id}/"

    def is_within(self, ancestor: "Unit") -> bool:
        """True when this unit is `ancestor` or lies below it."""
        return self.path.startswith(ancestor.path)

    @classmethod
    def in_subtree(cls, root: "Unit"):
        """SQL condition: the unit is `root` or below it (an indexed prefix match)."""
        return cls.path.startswith(root.path, autoescape=True)

    @classmethod
    def by_code(cls, code: str, on: date | None = None) -> "Unit | None":
        """The unit carrying `code` on the given day; without a day, the current one or, for a
        retired code, the most recent holder."""
        params = {"code": code} if on is None else {"code": code, "on": on}
        return db.session.scalars(_unit_by_code(on is not None), params).first()

    def ancestors(self) -> list["Unit"]:
        ids = [int(part) for part in self.path.strip("/").split("/") if part][:-1]
        if not ids:
            return []
        found = {u.id: u for u in db.session.scalars(sa.select(Unit).where(Unit.id.in_(ids)))}
        return [found[i] for i in ids if i in found]


# two statements (dated or not), the same for every request: nothing makes them stale
@pure_function("unit by code statements", size=None)
def _unit_by_code(dated: bool) -> sa.Select:
    """Unit.by_code's statement, built once: every page naming a unit runs it, and building a
    statement and its cache key cost SQLAlchemy as much as running it."""
    query = sa.select(Unit).where(Unit.code == sa.bindparam("code"))
    if dated:
        query = query.where(Unit.active_on(sa.bindparam("on", type_=sa.Date)))
    return query.order_by(Unit.valid_to.is_(None).desc(), Unit.valid_to.desc(),
                          Unit.valid_from.desc()).limit(1)


class UnitSuccession(db.Model):
    """One former unit (wholly or in part) became part of a later one: the wards and communes
    that formed each unit of the 2025 reform ("Thành lập từ …" / "Sáp nhập vào …"), and the
    link that reports follow to show a new unit's figures before its creation."""

    __tablename__ = "unit_succession"
    __table_args__ = (
        sa.UniqueConstraint("predecessor_id", "successor_id", name="uq_unit_succession_pair"),
        sa.CheckConstraint("predecessor_id <> successor_id", name="distinct_units"),
        sa.Index("ix_unit_succession_successor_id", "successor_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    predecessor_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    successor_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"))
    # False: only part of the former unit's area went to this successor
    whole: Mapped[bool] = mapped_column(sa.Boolean, default=True)

    predecessor: Mapped[Unit] = relationship(foreign_keys=[predecessor_id])
    successor: Mapped[Unit] = relationship(foreign_keys=[successor_id])

    @classmethod
    def predecessors_of(cls, unit: Unit) -> list["UnitSuccession"]:
        return list(db.session.scalars(
            sa.select(cls).join(Unit, Unit.id == cls.predecessor_id)
            .where(cls.successor_id == unit.id).order_by(cls.whole.desc(), Unit.code)))

    @classmethod
    def successors_of(cls, unit: Unit) -> list["UnitSuccession"]:
        return list(db.session.scalars(
            sa.select(cls).join(Unit, Unit.id == cls.successor_id)
            .where(cls.predecessor_id == unit.id).order_by(cls.whole.desc(), Unit.code)))
