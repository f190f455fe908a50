"""A ward's WAN connection and video-conference deployment on a given day, the one reading
every part of the application uses (units API and tree, booking's "may join online" check,
and, as SQL, the coverage report in reports/coverage.py). It lives with the endpoints because
it is read off them and the changes recorded beside them:

the latest recorded change (ConnectionFactChange) effective on or before the day; for a ward
without one, its active endpoints' dates (wan_connected_on, vc_deployed_on).
"""
from datetime import date

import sqlalchemy as sa

from .models import FACTS, ConnectionFactChange, Endpoint
from ..core.timeutil import today_local
from ..extensions import db



def endpoint_facts_on(unit_ids, on: date) -> dict[int, dict[str, bool]]:
    """What the units' active endpoints alone say on day `on`."""
    ids = list(dict.fromkeys(unit_ids))
    result = {uid: {"wan": False, "vc": False} for uid in ids}
    if not ids:
        return result
    wan = sa.func.max(sa.case((Endpoint.wan_connected_on <= on, 1), else_=0))
    vc = sa.func.max(sa.case((Endpoint.vc_deployed_on <= on, 1), else_=0))
    for unit_id, has_wan, has_vc in db.session.execute(
            sa.select(Endpoint.unit_id, wan, vc)
            .where(Endpoint.unit_id.in_(ids), Endpoint.active.is_(True))
            .group_by(Endpoint.unit_id)):
        result[unit_id] = {"wan": bool(has_wan), "vc": bool(has_vc)}
    return result


def facts_on(unit_ids, on: date) -> dict[int, dict[str, bool]]:
    """{unit id: {"wan": bool, "vc": bool}} on day `on`, for every id asked (False when the
    unit has neither an endpoint nor a recorded change). Two grouped queries."""
    result = endpoint_facts_on(unit_ids, on)
    if not result:
        return result
    # recorded changes win over the endpoints' dates: the latest effective by that day
    rows = db.session.execute(
        sa.select(ConnectionFactChange.unit_id, ConnectionFactChange.fact,
                  ConnectionFactChange.value)
        .where(ConnectionFactChange.unit_id.in_(list(result)), ConnectionFactChange.effective_on <= on)
        .order_by(ConnectionFactChange.effective_on, ConnectionFactChange.id))
    for unit_id, fact, value in rows:
        result[unit_id][fact] = bool(value)
    return result


def connection_facts(unit_ids, on: date | None = None) -> dict[int, tuple[bool, bool]]:
    """{unit id: (WAN connected, video conference deployed)} on the given day (today by
    default), as the coverage report reads them."""
    found = facts_on(unit_ids, on or today_local())
    return {uid: (f["wan"], f["vc"]) for uid, f in found.items()}


def endpoint_change(ward, today: date, change) -> None:
    """Run `change()` (an endpoint of the ward taken out of service or back into it) without
    rewriting the ward's past: first the facts its endpoints gave are recorded as dated
    changes (the day each began), then, where today's fact differs afterwards, the change of
    today. Units other than wards have no coverage history: `change()` just runs."""
    if ward.kind != "ward":
        change()
        return
    before = facts_on([ward.id], today)[ward.id]
    recorded = {fact for (fact,) in db.session.execute(
        sa.select(ConnectionFactChange.fact).where(ConnectionFactChange.unit_id == ward.id).distinct())}
    since = db.session.execute(
        sa.select(sa.func.min(Endpoint.wan_connected_on), sa.func.min(Endpoint.vc_deployed_on))
        .where(Endpoint.unit_id == ward.id, Endpoint.active.is_(True))).one()
    for fact, began in zip(FACTS, since):
        if began is not None and fact not in recorded and began <= today:
            db.session.add(ConnectionFactChange(unit_id=ward.id, fact=fact, value=True,
                                                effective_on=began))
    change()
    db.session.flush()
    now = endpoint_facts_on([ward.id], today)[ward.id]
    for fact in FACTS:
        if before[fact] != now[fact]:
            db.session.add(ConnectionFactChange(unit_id=ward.id, fact=fact, value=now[fact],
                                                effective_on=today))
    db.session.flush()
