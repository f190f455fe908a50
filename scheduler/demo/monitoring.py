"""The demo endpoints' state history: made up, marked `source="demo"`, never from the network.

Demo endpoints carry no address, so the probe job never connects anywhere for them (a demo on
a laptop must send nothing beyond the loopback range); their history is written here instead,
so that the history pages, uptime and coverage columns have something to show. Every page
that shows it says it is demo data.
"""
import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..endpoints.models import Endpoint
from ..extensions import db
from ..endpoints.models import EndpointCheck

DAYS, EVERY = 7, timedelta(hours=1)
SEED = 2027
# a few wards have a bad week: an outage of some hours, or a line that drops now and then
OUTAGE_SHARE, FLAKY_SHARE = 0.04, 0.04


def _states(rnd: random.Random, slots: int) -> list[bool]:
    kind = rnd.random()
    states = [True] * slots
    if kind < OUTAGE_SHARE:
        start = rnd.randrange(slots)
        for i in range(start, min(slots, start + rnd.randint(3, 30))):
            states[i] = False
    elif kind < OUTAGE_SHARE + FLAKY_SHARE:
        states = [rnd.random() > 0.2 for _i in range(slots)]
    return states


def seed_demo_history(endpoint_ids: list[int], now: datetime, steady: set[int] = frozenset()) -> int:
    """Hourly checks over the last DAYS days for the given endpoints (those with video
    conference deployed), and their current state from the last one; the `steady` ones never
    fail (the demo users' own). Returns the rows written."""
    deployed = list(db.session.scalars(
        sa.select(Endpoint.id).where(Endpoint.id.in_(endpoint_ids),
                                     Endpoint.vc_deployed_on.is_not(None)).order_by(Endpoint.id)))
    if not deployed:
        return 0
    rnd = random.Random(SEED)
    last = now.replace(minute=0, second=0, microsecond=0)
    slots = int(timedelta(days=DAYS) / EVERY)
    times = [last - EVERY * (slots - 1 - i) for i in range(slots)]
    rows, latest = [], []
    for endpoint_id in deployed:
        base = rnd.uniform(8, 40)
        states = _states(rnd, slots)
        if endpoint_id in steady:
            states = [True] * slots
        for at, up in zip(times, states):
            latency = round(base + rnd.uniform(0, 15), 1) if up else None
            rows.append({"endpoint_id": endpoint_id, "at": at, "latency_ms": latency,
                         "state": "reachable" if up else "unreachable", "source": "demo"})
        latest.append({"id": endpoint_id, "state": rows[-1]["state"],
                       "latency_ms": rows[-1]["latency_ms"], "last_checked": times[-1]})
    for start in range(0, len(rows), 20000):
        db.session.execute(sa.insert(EndpointCheck), rows[start:start + 20000])
    db.session.execute(sa.update(Endpoint), latest)
    return len(rows)
