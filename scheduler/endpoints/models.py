"""Video-conference endpoints (điểm cầu), the state history their probes leave, and the
ward's network facts that come with them (the dated changes read by endpoints/facts.py and the
coverage report)."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.timeutil import utcnow
from ..core.types import UTCDateTime
from ..extensions import db

PROTOCOLS = ("sip", "h323", "webrtc")
STATES = ("reachable", "unreachable", "unknown")
CHECK_SOURCES = ("probe", "demo")
FACTS = ("wan", "vc")


class Endpoint(db.Model):
    __tablename__ = "endpoint"
    __table_args__ = (
        sa.CheckConstraint(f"protocol IN {PROTOCOLS}", name="protocol_known"),
        sa.CheckConstraint(f"state IN {STATES}", name="state_known"),
        sa.CheckConstraint("port IS NULL OR (port > 0 AND port < 65536)", name="port_range"),
        sa.Index("ix_endpoint_unit_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(sa.String(200))
    host: Mapped[str | None] = mapped_column(sa.String(255))
    port: Mapped[int | None]
    protocol: Mapped[str] = mapped_column(sa.String(10), default="sip")
    active: Mapped[bool] = mapped_column(default=True)
    # connection facts (null date = not connected / not deployed)
    wan_connected_on: Mapped[date | None] = mapped_column(sa.Date)
    vc_deployed_on: Mapped[date | None] = mapped_column(sa.Date)
    # live state from monitoring
    state: Mapped[str] = mapped_column(sa.String(12), default="unknown")
    last_checked: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latency_ms: Mapped[float | None]
    # the outage in progress: its first failed probe and how many probes failed in a row
    # (the alert waits for two, so one lost packet does not wake anybody)
    down_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_probes: Mapped[int] = mapped_column(default=0, server_default="0")

    unit = relationship("Unit")

    @property
    def wan_connected(self) -> bool:
        return self.wan_connected_on is not None

    @property
    def vc_deployed(self) -> bool:
        return self.vc_deployed_on is not None


class EndpointCheck(db.Model):
    """The state history of an endpoint: one row per probe. `source` tells a real probe from
    the made-up history the demo data set ships with, so nobody mistakes one for the other."""

    __tablename__ = "endpoint_check"
    __table_args__ = (
        sa.CheckConstraint("state IN ('reachable', 'unreachable')", name="state_known"),
        sa.CheckConstraint(f"source IN {CHECK_SOURCES}", name="source_known"),
        sa.Index("ix_endpoint_check_endpoint_id_at", "endpoint_id", "at"),
        sa.Index("ix_endpoint_check_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("endpoint.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(sa.String(12))
    latency_ms: Mapped[float | None]
    source: Mapped[str] = mapped_column(sa.String(10), default="probe", server_default="probe")

    endpoint = relationship("Endpoint")


class ConnectionFactChange(db.Model):
    """A ward's WAN connection or video-conference deployment as of `effective_on` (true =
    connected/deployed from that day, false = lost from that day)."""

    __tablename__ = "connection_fact_change"
    __table_args__ = (
        sa.CheckConstraint(f"fact IN {FACTS}", name="fact_known"),
        sa.Index("ix_connection_fact_change_lookup", "unit_id", "fact", "effective_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("unit.id"))
    fact: Mapped[str] = mapped_column(sa.String(3))
    value: Mapped[bool]
    effective_on: Mapped[date] = mapped_column(sa.Date)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")
    recorded_by = relationship("User")
