"""Targets as data: what each target measures, which meeting categories it counts, and its
threshold for each year (each year's plan changes them), and the running counts of sittings.
The dated history of the wards' WAN and video-conference facts the coverage report reads lives
with the endpoints (endpoints/models.py: ConnectionFactChange)."""
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

# `share`: held-online share of the meetings of the target's categories;
# `paperless`: held-paperless share of the meetings of the target's categories;
# `ward_vc` / `ward_wan`: share of existing wards with video conference deployed / WAN connected.
MEASURES = ("share", "ward_vc", "ward_wan", "paperless")
MEETING_MEASURES = ("share", "paperless")  # the shares of meetings, with their drill-down


class Target(db.Model):
    __tablename__ = "target"
    __table_args__ = (
        sa.CheckConstraint(f"measure IN {MEASURES}", name="measure_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(30), unique=True)
    name: Mapped[str] = mapped_column(sa.String(300))
    measure: Mapped[str] = mapped_column(sa.String(12))
    position: Mapped[int] = mapped_column(default=0)

    category_rows: Mapped[list["TargetCategory"]] = relationship(
        back_populates="target", cascade="all, delete-orphan", order_by="TargetCategory.category")
    thresholds: Mapped[list["TargetThreshold"]] = relationship(
        back_populates="target", cascade="all, delete-orphan", order_by="TargetThreshold.year")

    @property
    def counts_meetings(self) -> bool:
        """A share of meetings (online or paperless), as opposed to a share of wards."""
        return self.measure in MEETING_MEASURES

    @property
    def categories(self) -> list[str]:
        return [row.category for row in self.category_rows]

    def threshold_for(self, year: int) -> Decimal | None:
        """The threshold of `year`, or of the latest earlier year that has one."""
        earlier = [t for t in self.thresholds if t.year <= year]
        return earlier[-1].percent if earlier else None

    def __repr__(self) -> str:
        return f"<Target {self.code}>"


class TargetCategory(db.Model):
    __tablename__ = "target_category"

    target_id: Mapped[int] = mapped_column(sa.ForeignKey("target.id", ondelete="CASCADE"),
                                           primary_key=True)
    category: Mapped[str] = mapped_column(sa.String(20), primary_key=True)

    target: Mapped[Target] = relationship(back_populates="category_rows")


class TargetThreshold(db.Model):
    __tablename__ = "target_threshold"
    __table_args__ = (
        sa.UniqueConstraint("target_id", "year", name="uq_target_threshold_target_year"),
        sa.CheckConstraint("percent >= 0 AND percent <= 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(sa.ForeignKey("target.id", ondelete="CASCADE"))
    year: Mapped[int]
    percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 1))

    target: Mapped[Target] = relationship(back_populates="thresholds")


class OccurrenceTally(db.Model):
    """Running counts of meeting sittings for the target reports, kept in step with every
    change of a sitting or its meeting (reports/tally.py): per unit — counting the meetings
    hosted anywhere in its subtree — per half month (days 1-14 and 15-end, of which both the
    calendar months and the 15th-to-14th months of Decree 09/2019 are made) and per category,
    the sittings held and still scheduled, each also counted when online or hybrid and
    when paperless.

    A year's report of the city then reads a few thousand of these rows instead of every
    sitting of the year (benchmarks/reports.py)."""

    __tablename__ = "occurrence_tally"

    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    half_month: Mapped[int] = mapped_column(primary_key=True)  # (year*12 + month-1)*2 + (day >= 15)
    category: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    held: Mapped[int] = mapped_column(default=0)
    held_online: Mapped[int] = mapped_column(default=0)
    scheduled: Mapped[int] = mapped_column(default=0)
    scheduled_online: Mapped[int] = mapped_column(default=0)
    # the paperless share's numerators (a column default: added to a table that had rows)
    held_paperless: Mapped[int] = mapped_column(default=0, server_default="0")
    scheduled_paperless: Mapped[int] = mapped_column(default=0, server_default="0")
