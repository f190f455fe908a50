"""Ward coverage: how many wards existing on a day had the city WAN and a video-conference system.

A ward's fact on a day is the latest recorded change (ConnectionFactChange) effective on or
before that day; without one, its active endpoints' dates (wan_connected_on, vc_deployed_on)
decide. Counting is grouped SQL over the wards, so any past day can be answered, e.g. 584/584
wards in 2018 and the 126 communes and wards after the 2025 reform.
"""
from datetime import date

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from ..audit.services import record
from ..core.access import require
from ..core.errors import ValidationError
from ..endpoints.models import Endpoint
from ..extensions import db
from ..units.models import TWO_LEVEL_SINCE, Unit
from .models import FACTS, ConnectionFactChange
from .sql import analytic_transaction, child_id_under


def endpoint_facts(scope: Unit):
    """Per ward of the scope with an active endpoint: the first day one had the WAN
    (`wan_since`) and the video conference (`vc_since`), and whether one is reachable now."""
    wards = sa.select(Unit.id).where(Unit.kind == "ward", Unit.in_subtree(scope))
    return (sa.select(Endpoint.unit_id.label("unit_id"),
                      sa.func.min(Endpoint.wan_connected_on).label("wan_since"),
                      sa.func.min(Endpoint.vc_deployed_on).label("vc_since"),
                      sa.func.max(sa.case((Endpoint.state == "reachable", 1), else_=0))
                      .label("reachable"))
            .where(Endpoint.active.is_(True), Endpoint.unit_id.in_(wards))
            .group_by(Endpoint.unit_id).subquery("endpoint_facts"))


def fact_flag(fact: str, day, ward, facts):
    """SQL 1/0: the ward had the fact (`wan` or `vc`) on `day` (a date or a date column): the
    latest recorded change effective that day or before, else its endpoints' date. The change
    history is only looked up for the few wards that have one."""
    latest = (sa.select(sa.case((ConnectionFactChange.value.is_(True), 1), else_=0))
              .where(ConnectionFactChange.unit_id == ward.id, ConnectionFactChange.fact == fact,
                     ConnectionFactChange.effective_on <= day)
              .order_by(ConnectionFactChange.effective_on.desc(), ConnectionFactChange.id.desc())
              .limit(1).scalar_subquery())
    since = facts.c.wan_since if fact == "wan" else facts.c.vc_since
    from_endpoint = sa.case((since <= day, 1), else_=0)
    changed = ward.id.in_(sa.select(ConnectionFactChange.unit_id)
                          .where(ConnectionFactChange.fact == fact))
    return sa.case((changed, sa.func.coalesce(latest, from_endpoint)), else_=from_endpoint)


def fact_spans(ward_ids):
    """Each recorded change of the wards as the span of days it holds: [from_day, until_day)
    up to the next change of the same fact (None: still). Read once for all the days a
    report asks about, instead of a lookup per ward and day; of two changes on one day the
    later recorded wins (the earlier's span is empty)."""
    change = ConnectionFactChange
    following = sa.func.lead(change.effective_on).over(
        partition_by=(change.unit_id, change.fact), order_by=(change.effective_on, change.id))
    return (sa.select(change.unit_id.label("unit_id"), change.fact.label("fact"),
                      change.value.label("value"), change.effective_on.label("from_day"),
                      following.label("until_day"))
            .where(change.unit_id.in_(ward_ids))
            .cte("fact_spans").prefix_with("MATERIALIZED"))


def _fact_flags(joined, wards, day):
    """(FROM clause, {fact: SQL 1/0}) of each ward's facts on `day`. PostgreSQL joins the
    spans of the recorded changes, read once (a lookup per ward and day costs a subplan each:
    5x slower at 10,000 wards); SQLite, which cannot index a CTE for that range join, looks
    each one up in ix_connection_fact_change_lookup, which it does quickly."""
    if db.session.get_bind().dialect.name != "postgresql":
        return joined, {fact: fact_flag(fact, day, wards.c, wards) for fact in FACTS}
    spans = fact_spans(sa.select(wards.c.id))
    flags = {}
    for fact in FACTS:
        # the span of the ward's recorded changes holding that day, if any; else its endpoints
        span = spans.alias(f"{fact}_span")
        joined = joined.outerjoin(span, sa.and_(
            span.c.unit_id == wards.c.id, span.c.fact == fact, span.c.from_day <= day,
            sa.or_(span.c.until_day.is_(None), span.c.until_day > day)))
        since = wards.c.wan_since if fact == "wan" else wards.c.vc_since
        recorded = sa.case((span.c.value.is_(True), 1), else_=0)
        flags[fact] = sa.case((span.c.unit_id.is_not(None), recorded), (since <= day, 1), else_=0)
    return joined, flags


def ward_counts_on(scope: Unit, days: list[date], child_ids: list[int]) -> list[dict]:
    """For each of `days`: {"scope": {total, wan, vc, reachable}, "children": {child id:
    {...}}} over the wards of the scope existing that day, by the scope's child (among
    `child_ids`) each ward lies under. One grouped query for all the days, which reads each
    ward's facts once (its endpoints' dates and the spans of its recorded changes)."""
    if not days:
        return []
    day_table = sa.values(sa.column("idx", sa.Integer), sa.column("day", sa.Date),
                          name="report_day").data(list(enumerate(days))).cte()
    day = day_table.c.day
    facts = endpoint_facts(scope)
    # each ward's facts worked out once (its child of the scope, its validity, its endpoints'
    # dates), then counted for every day: materialised, or it would be redone per day
    wards = (sa.select(Unit.id.label("id"), child_id_under(Unit.path, scope).label("child_id"),
                       Unit.valid_from.label("valid_from"), Unit.valid_to.label("valid_to"),
                       facts.c.wan_since, facts.c.vc_since,
                       sa.func.coalesce(facts.c.reachable, 0).label("reachable"))
             .outerjoin(facts, facts.c.unit_id == Unit.id)
             .where(Unit.kind == "ward", Unit.in_subtree(scope))
             .cte("wards").prefix_with("MATERIALIZED"))
    exists = sa.and_(sa.or_(wards.c.valid_from.is_(None), wards.c.valid_from <= day),
                     sa.or_(wards.c.valid_to.is_(None), wards.c.valid_to >= day))
    joined, flags = _fact_flags(day_table.join(wards, exists), wards, day)
    query = (sa.select(day_table.c.idx, wards.c.child_id, sa.func.count().label("total"),
                       sa.func.sum(flags["wan"]).label("wan"),
                       sa.func.sum(flags["vc"]).label("vc"),
                       sa.func.sum(wards.c.reachable).label("reachable"))
             .select_from(joined)
             .group_by(day_table.c.idx, wards.c.child_id))
    wanted = set(child_ids)
    result = [{"scope": {"total": 0, "wan": 0, "vc": 0, "reachable": 0}, "children": {}}
              for _day in days]
    for row in db.session.execute(query):
        counts = {"total": int(row.total), "wan": int(row.wan or 0), "vc": int(row.vc or 0),
                  "reachable": int(row.reachable or 0)}
        entry = result[row.idx]
        for key in counts:
            entry["scope"][key] += counts[key]
        if row.child_id in wanted:
            entry["children"][row.child_id] = counts
    return result


def ward_counts(scope: Unit, day: date, child_ids: list[int]) -> dict:
    """ward_counts_on for one day."""
    return ward_counts_on(scope, [day], child_ids)[0]


def unconnected_wards(scope: Unit, day: date) -> list[dict]:
    """Wards of the scope existing on `day` lacking the WAN or the video conference."""
    parent = aliased(Unit)
    facts = endpoint_facts(scope)
    per_ward = (sa.select(Unit.code, Unit.name, parent.code.label("parent"),
                          fact_flag("wan", day, Unit, facts).label("wan"),
                          fact_flag("vc", day, Unit, facts).label("vc"))
                .outerjoin(parent, parent.id == Unit.parent_id)
                .outerjoin(facts, facts.c.unit_id == Unit.id)
                .where(Unit.kind == "ward", Unit.active_on(day), Unit.in_subtree(scope))
                .subquery())
    rows = db.session.execute(sa.select(per_ward).where(
        sa.or_(per_ward.c.wan == 0, per_ward.c.vc == 0)).order_by(per_ward.c.code))
    return [{"code": r.code, "name": r.name, "parent": r.parent, "wan_connected": bool(r.wan),
             "vc_deployed": bool(r.vc)} for r in rows]


def connectivity(actor, scope: Unit, day: date) -> dict:
    """The API's and the coverage page's figures for the scope's wards on `day`."""
    require("report", scope, user=actor)
    analytic_transaction()
    children = list(db.session.scalars(
        sa.select(Unit).where(Unit.parent_id == scope.id, Unit.active_on(day),
                              Unit.kind != "ward").order_by(Unit.code)))
    counts = ward_counts(scope, day, [c.id for c in children])
    total = counts["scope"]
    empty = {"total": 0, "wan": 0, "vc": 0}
    return {
        "date": day.isoformat(),
        "unit": {"code": scope.code, "name": scope.name},
        "wards_total": total["total"],
        "wan_connected": total["wan"],
        "vc_deployed": total["vc"],
        "reachable": total["reachable"],
        "by_unit": [{"code": c.code, "name": c.name,
                     "wards_total": counts["children"].get(c.id, empty)["total"],
                     "wan_connected": counts["children"].get(c.id, empty)["wan"],
                     "vc_deployed": counts["children"].get(c.id, empty)["vc"]}
                    for c in children],
        "unconnected": unconnected_wards(scope, day),
    }


def headlines(figures: dict) -> list[str]:
    """The figures in the words of the city's plans."""
    total = figures["wards_total"]
    if not total:
        return [_("Không có xã, phường, thị trấn nào trong phạm vi tại ngày này.")]
    vc_percent = format_decimal(round(100 * figures["vc_deployed"] / total, 1), format="#,##0.#")
    if date.fromisoformat(figures["date"]) >= TWO_LEVEL_SINCE:  # no towns (thị trấn) any more
        wan = _("%(n)d/%(total)d xã, phường kết nối mạng diện rộng", n=figures["wan_connected"],
                total=total)
    else:
        wan = _("%(n)d/%(total)d xã, phường, thị trấn kết nối mạng diện rộng",
                n=figures["wan_connected"], total=total)
    return [
        wan,
        _("%(p)s %% UBND các xã, phường được triển khai hệ thống hội nghị truyền hình",
          p=vc_percent),
    ]


def coverage_over_time(scope: Unit, days: list[date]) -> list[tuple[date, dict]]:
    analytic_transaction()
    return [(day, counts["scope"]) for day, counts in zip(days, ward_counts_on(scope, days, []))]


def record_fact(actor, ward: Unit, fact: str, value: bool, effective_on: date,
                today: date) -> ConnectionFactChange:
    """A unit admin records that a ward's WAN / video conference started (or stopped) on a day."""
    require("manage", ward, user=actor)
    if ward.kind != "ward":
        raise ValidationError(_("Chỉ ghi nhận kết nối cho phường, xã, thị trấn."), {"field": "unit"})
    if fact not in FACTS:
        raise ValidationError(_("Loại kết nối không hợp lệ."), {"field": "fact"})
    if effective_on > today:
        raise ValidationError(_("Ngày hiệu lực không được sau ngày hôm nay."),
                              {"field": "effective_on"})
    if not ward.exists_on(effective_on):
        raise ValidationError(_("Đơn vị không tồn tại vào ngày %(day)s.",
                                day=effective_on.strftime("%d/%m/%Y")), {"field": "effective_on"})
    change = ConnectionFactChange(unit_id=ward.id, fact=fact, value=bool(value),
                                  effective_on=effective_on, recorded_by_id=getattr(actor, "id", None))
    db.session.add(change)
    db.session.flush()
    record(actor, "connection_fact.record", "unit", ward.id, unit=ward,
           summary=f"{ward.name}: {fact}={'1' if value else '0'} {effective_on.isoformat()}",
           changes={"fact": fact, "value": bool(value), "effective_on": effective_on})
    return change


def fact_history(ward_ids: list[int], limit: int = 50) -> list[ConnectionFactChange]:
    if not ward_ids:
        return []
    return list(db.session.scalars(
        sa.select(ConnectionFactChange).where(ConnectionFactChange.unit_id.in_(ward_ids))
        .order_by(ConnectionFactChange.recorded_at.desc(), ConnectionFactChange.id.desc())
        .limit(limit)))
