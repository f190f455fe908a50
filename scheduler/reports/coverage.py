"""Ward coverage: how many wards existing on a day had the city WAN and a video-conference system.

A ward's fact on a day is the latest recorded change (ConnectionFactChange) effective on or
before that day; without one, its active endpoints' dates (wan_connected_on, vc_deployed_on)
decide. Counting is grouped SQL over the wards, so any past day can be answered, e.g. 584/584
wards in 2018 and the 126 communes and wards after the 2025 reform.
"""
import copy
from collections import defaultdict
from datetime import date

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy.orm import aliased

from ..audit.services import record
from ..core.access import require
from ..core.errors import ValidationError
from ..endpoints.models import FACTS, ConnectionFactChange, Endpoint
from ..extensions import db
from ..units.models import TWO_LEVEL_SINCE, Unit
from ..core.sql import analytic_transaction, child_id_under, day_after, earliest, latest


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


# the open ends of a span of days, so that both databases compare plain dates
FAR_PAST, FAR_FUTURE = date(1, 1, 1), date(9999, 12, 30)
COUNTED = ("total", "wan", "vc", "reachable")


def ward_spans(scope: Unit):
    """The wards of the scope as spans of days [from_day, until_day), each with the number of
    wards it stands for: one span of `total` (the days a ward exists), one of `reachable` if an
    endpoint of it is reachable now, and for each fact the spans it held it on (a recorded change's span up to the next change of the
    same fact; before a ward's first recorded change, its endpoints' date) — each within the
    days the ward exists, with its child of the scope. Every ward's facts are read once,
    whatever the number of days asked about."""
    change = ConnectionFactChange
    # each ward with its active endpoints' facts (the first day one had the WAN, the video
    # conference, whether one is reachable now), in one join and grouping by the ward
    active = sa.and_(Endpoint.unit_id == Unit.id, Endpoint.active.is_(True))
    each = (sa.select(Unit.id.label("unit_id"), Unit.path.label("path"),
                      Unit.valid_from.label("valid_from"), Unit.valid_to.label("valid_to"),
                      sa.func.min(Endpoint.wan_connected_on).label("wan_since"),
                      sa.func.min(Endpoint.vc_deployed_on).label("vc_since"),
                      sa.func.max(sa.case((Endpoint.state == "reachable", 1), else_=0))
                      .label("reachable"))
            .outerjoin(Endpoint, active)
            .where(Unit.kind == "ward", Unit.in_subtree(scope))
            .group_by(Unit.id, Unit.path, Unit.valid_from, Unit.valid_to).subquery("each_ward"))
    # wards alike (no recorded change, the same child, days and endpoint dates: most of
    # them) are then counted together, as one row with their number
    recorded = each.c.unit_id.in_(sa.select(change.unit_id))
    each = (sa.select(sa.case((recorded, each.c.unit_id)).label("id"),
                      child_id_under(each.c.path, scope).label("child_id"),
                      sa.func.coalesce(each.c.valid_from, FAR_PAST).label("exists_from"),
                      sa.func.coalesce(day_after(each.c.valid_to), FAR_FUTURE).label("exists_until"),
                      each.c.wan_since, each.c.vc_since,
                      sa.func.coalesce(each.c.reachable, 0).label("reachable"))
            .subquery("alike"))
    ward = (sa.select(*each.c, sa.func.count().label("wards")).group_by(*each.c)
            .cte("wards").prefix_with("MATERIALIZED"))
    # of two changes on one day the later recorded wins: the earlier's span is empty
    following = sa.func.lead(change.effective_on).over(
        partition_by=(change.unit_id, change.fact), order_by=(change.effective_on, change.id))
    changes = (sa.select(change.unit_id.label("unit_id"), change.fact.label("fact"),
                         change.value.label("value"), change.effective_on.label("from_day"),
                         sa.func.coalesce(following, FAR_FUTURE).label("until_day"))
               .where(change.unit_id.in_(sa.select(ward.c.id)))
               .cte("changes").prefix_with("MATERIALIZED"))
    first_change = (sa.select(changes.c.unit_id, changes.c.fact,
                              sa.func.min(changes.c.from_day).label("first_day"))
                    .group_by(changes.c.unit_id, changes.c.fact).subquery("first_change"))
    within = (ward.c.child_id, ward.c.wards, ward.c.exists_from, ward.c.exists_until)
    parts = [sa.select(*within, sa.literal("total").label("kind"),
                       ward.c.exists_from.label("from_day"), ward.c.exists_until.label("until_day")),
             sa.select(*within, sa.literal("reachable"), ward.c.exists_from, ward.c.exists_until)
             .where(ward.c.reachable == 1)]
    for fact in FACTS:
        since = ward.c.wan_since if fact == "wan" else ward.c.vc_since
        parts.append(sa.select(*within, sa.literal(fact), since,
                               sa.func.coalesce(first_change.c.first_day, FAR_FUTURE))
                     .outerjoin(first_change, sa.and_(first_change.c.unit_id == ward.c.id,
                                                      first_change.c.fact == fact))
                     .where(since.is_not(None)))
        parts.append(sa.select(*within, sa.literal(fact), changes.c.from_day, changes.c.until_day)
                     .join(changes, changes.c.unit_id == ward.c.id)
                     .where(changes.c.fact == fact, changes.c.value.is_(True)))
    held = sa.union_all(*parts).subquery("held")
    from_day = latest(held.c.from_day, held.c.exists_from)
    until_day = earliest(held.c.until_day, held.c.exists_until)
    return (sa.select(held.c.child_id, held.c.wards, held.c.kind, from_day.label("from_day"),
                      until_day.label("until_day"))
            .where(from_day < until_day).cte("spans").prefix_with("MATERIALIZED"))


def ward_counts_on(scope: Unit, days: list[date], child_ids: list[int]) -> list[dict]:
    """For each of `days`: {"scope": {total, wan, vc, reachable}, "children": {child id:
    {...}}} over the wards of the scope existing that day, by the scope's child (among
    `child_ids`) each ward lies under.

    One grouped query, as running counts: each span of ward_spans adds one from its first day
    and takes it back from the day after its last; the query sums those steps by child, by
    what they count and by the first of the asked days they reach, so it returns a few rows
    per child whatever the number of wards, and the counts of each day are the steps summed
    up to it."""
    if not days:
        return []
    asked = sorted(set(days))
    spans = ward_spans(scope)
    steps = sa.union_all(
        sa.select(spans.c.child_id, spans.c.kind, spans.c.from_day.label("day"),
                  spans.c.wards.label("step")),
        sa.select(spans.c.child_id, spans.c.kind, spans.c.until_day, -spans.c.wards)
        .where(spans.c.until_day < FAR_FUTURE)).subquery("steps")
    # the first asked day the step reaches; none when it comes after the last
    reached = sa.case(*[(steps.c.day <= day, i) for i, day in enumerate(asked)], else_=None)
    query = (sa.select(steps.c.child_id, steps.c.kind, reached.label("reached"),
                       sa.func.sum(steps.c.step).label("step"))
             .where(reached.is_not(None))
             .group_by(steps.c.child_id, steps.c.kind, reached))
    changes_on = [defaultdict(int) for _day in asked]
    for row in db.session.execute(query):
        changes_on[row.reached][(row.child_id, row.kind)] += int(row.step)
    wanted = set(child_ids)
    running: dict = defaultdict(int)
    by_day = {}
    for day, steps_then in zip(asked, changes_on):
        for key, step in steps_then.items():
            running[key] += step
        entry = {"scope": dict.fromkeys(COUNTED, 0), "children": {}}
        for (child_id, kind), count in running.items():
            entry["scope"][kind] += count
            if child_id in wanted:
                entry["children"].setdefault(child_id, dict.fromkeys(COUNTED, 0))[kind] = count
        # a child whose wards all ceased to exist by that day is absent, as before
        entry["children"] = {c: counts for c, counts in entry["children"].items() if counts["total"]}
        by_day[day] = entry
    return [copy.deepcopy(by_day[day]) for day in days]


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
