"""Video-conference endpoints (điểm cầu) and the ward's network facts that come with them."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.types import UTCDateTime
from ..extensions import db

PROTOCOLS = ("sip", "h323", "webrtc")
STATES = ("reachable", "unreachable", "unknown")


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
