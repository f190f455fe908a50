"""What the probes learnt about an endpoint over a period: its state changes, latency and uptime,
and the same per unit of a coverage report.

Uptime is the share of the probes of the period that reached the endpoint (probes run at a
fixed interval, so it is also the share of the time); with no probe in the period it is
unknown (None), never 0 or 1.
"""
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from ..core.access import require
from ..core.errors import ValidationError
from ..core.timeutil import local_day_bounds, to_local, today_local
from ..extensions import db
from ..core.sql import child_id_under
from ..units.models import Unit
from .models import Endpoint, EndpointCheck

DEFAULT_DAYS = 7
MAX_DAYS = 400
CHART_BUCKETS = 168  # one an hour over the default week


def period_bounds(start: date | datetime | None, end: date | datetime | None
                  ) -> tuple[datetime, datetime]:
    """[start, end) in UTC from local dates (end day included) or aware datetimes; the last
    DEFAULT_DAYS days by default."""
    try:
        return _period_bounds(start, end)
    except OverflowError:  # the day after 31/12/9999, or before 01/01/0001
        raise ValidationError(_("Ngày ngoài phạm vi."),
                              {"fields": {"start": _("Ngày ngoài phạm vi.")}}) from None


def _period_bounds(start, end) -> tuple[datetime, datetime]:
    if end is None:
        end = today_local()
    if start is None:
        start = (end if isinstance(end, date) and not isinstance(end, datetime)
                 else to_local(end).date()) - timedelta(days=DEFAULT_DAYS - 1)
    start_at = start if isinstance(start, datetime) else local_day_bounds(start, start)[0]
    end_at = end if isinstance(end, datetime) else local_day_bounds(end, end)[1]
    for name, value in (("start", start_at), ("end", end_at)):
        if value.tzinfo is None:
            raise ValidationError(_("Thời điểm %(name)s cần có múi giờ.", name=name),
                                  {"fields": {name: _("Cần có múi giờ.")}})
    if end_at <= start_at:
        raise ValidationError(_("Thời điểm kết thúc phải sau thời điểm bắt đầu."),
                              {"fields": {"end": _("Phải sau start.")}})
    if end_at - start_at > timedelta(days=MAX_DAYS):
        raise ValidationError(_("Khoảng thời gian dài tối đa %(n)d ngày.", n=MAX_DAYS),
                              {"fields": {"end": _("Khoảng thời gian quá dài.")}})
    return start_at, end_at


def _reached():
    return sa.case((EndpointCheck.state == "reachable", 1.0), else_=0.0)


def uptime(endpoint_id: int, start_at: datetime, end_at: datetime) -> float | None:
    value = db.session.scalar(sa.select(sa.func.avg(_reached())).where(
        EndpointCheck.endpoint_id == endpoint_id, EndpointCheck.at >= start_at,
        EndpointCheck.at < end_at))
    return None if value is None else round(float(value), 4)


def state_changes(endpoint_id: int, start_at: datetime, end_at: datetime) -> list[dict]:
    """The probes of the period whose state differs from the probe before (the first probe of
    the period counts as a change when nothing earlier is known or the state differed)."""
    previous = sa.func.lag(EndpointCheck.state).over(order_by=(EndpointCheck.at, EndpointCheck.id))
    checks = (sa.select(EndpointCheck.at, EndpointCheck.state, EndpointCheck.latency_ms,
                        EndpointCheck.source, previous.label("previous"))
              .where(EndpointCheck.endpoint_id == endpoint_id, EndpointCheck.at < end_at)
              .subquery())
    rows = db.session.execute(
        sa.select(checks).where(checks.c.at >= start_at,
                                sa.or_(checks.c.previous.is_(None),
                                       checks.c.previous != checks.c.state))
        .order_by(checks.c.at))
    return [{"at": r.at, "state": r.state, "latency_ms": r.latency_ms, "source": r.source}
            for r in rows]


def timeline(endpoint_id: int, start_at: datetime, end_at: datetime) -> list[dict]:
    """The period cut into CHART_BUCKETS slices: per slice the probes, how many reached the
    endpoint and their mean latency (None for a slice without a probe)."""
    width = (end_at - start_at) / CHART_BUCKETS
    buckets = [{"start": start_at + width * i, "probes": 0, "reached": 0, "latency": None}
               for i in range(CHART_BUCKETS)]
    latencies: list[list[float]] = [[] for _i in range(CHART_BUCKETS)]
    for at, state, latency in db.session.execute(
            sa.select(EndpointCheck.at, EndpointCheck.state, EndpointCheck.latency_ms)
            .where(EndpointCheck.endpoint_id == endpoint_id, EndpointCheck.at >= start_at,
                   EndpointCheck.at < end_at)):
        index = min(int((at - start_at) / width), CHART_BUCKETS - 1)
        buckets[index]["probes"] += 1
        if state == "reachable":
            buckets[index]["reached"] += 1
            if latency is not None:
                latencies[index].append(latency)
    for bucket, values in zip(buckets, latencies):
        if values:
            bucket["latency"] = round(sum(values) / len(values), 1)
    return buckets


def has_demo_history(endpoint_id: int) -> bool:
    return db.session.scalar(sa.select(sa.literal(True)).where(
        EndpointCheck.endpoint_id == endpoint_id, EndpointCheck.source == "demo").limit(1)) or False


def endpoint_history(actor, endpoint: Endpoint, start_at: datetime, end_at: datetime) -> dict:
    """The API's answer for GET /endpoints/<id>/history."""
    require("view", endpoint.unit, user=actor)
    return {"id": endpoint.id, "start": to_local(start_at).isoformat(),
            "end": to_local(end_at).isoformat(),
            "uptime": uptime(endpoint.id, start_at, end_at),
            "changes": [{**change, "at": to_local(change["at"]).isoformat()}
                        for change in state_changes(endpoint.id, start_at, end_at)]}


def uptime_by_child(scope: Unit, child_ids: list[int], start_at: datetime, end_at: datetime
                    ) -> dict[int | None, float | None]:
    """Share of the probes of the period that reached the endpoints of the wards under each
    child of the scope ({child id: share}), and under the whole scope (key None)."""
    child = child_id_under(Unit.path, scope).label("child_id")
    base = (sa.select(child, EndpointCheck.state)
            .join(Endpoint, Endpoint.id == EndpointCheck.endpoint_id)
            .join(Unit, Unit.id == Endpoint.unit_id)
            .where(Unit.kind == "ward", Unit.in_subtree(scope), EndpointCheck.at >= start_at,
                   EndpointCheck.at < end_at).subquery())
    reached = sa.case((base.c.state == "reachable", 1), else_=0)
    result: dict[int | None, float | None] = {cid: None for cid in child_ids}
    probes_total, reached_total = 0, 0
    for child_id, probes, hits in db.session.execute(
            sa.select(base.c.child_id, sa.func.count(), sa.func.sum(reached))
            .group_by(base.c.child_id)):
        probes_total += probes
        reached_total += int(hits or 0)
        if child_id in result:
            result[child_id] = round(int(hits or 0) / probes, 4) if probes else None
    result[None] = round(reached_total / probes_total, 4) if probes_total else None
    return result
