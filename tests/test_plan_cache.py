"""No plan cliff (issue 25): a feed asked for many times on one long-lived connection keeps the
plans chosen for its own parameters. psycopg prepares a statement after its fifth run, and
PostgreSQL then switches a prepared statement to one generic plan when it estimates it no worse;
for the feed's window queries that plan read 40 times the rows at a million meetings. The
feed's statements run with custom plans, so the twentieth request is planned as the first."""
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from scheduler.calendar.feeds import hash_token
from scheduler.core.timeutil import LOCAL_TZ
from scheduler.extensions import db
from tests.query_helpers import fresh_request

FEED = "/calendar/unit/phucxa-plan-feed.ics"


@pytest.fixture
def app_config():
    # one pooled connection: every request runs on it, as on a long-lived worker connection
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0}}


def _feed_statements() -> list[tuple[str, int, int]]:
    rows = db.session.execute(sa.text(
        "SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements "
        "WHERE statement LIKE '%occurrence%'")).all()
    db.session.commit()  # a ROLLBACK of this very look would drop them
    return [tuple(row) for row in rows]


def test_a_feed_keeps_custom_plans_past_its_tenth_request(client, tree, create_meeting,
                                                           is_postgres):
    if not is_postgres:
        pytest.skip("prepared statements and their plans are PostgreSQL's")
    tree.phuc_xa.feed_token = hash_token("phucxa-plan-feed")
    for n in range(6):
        day = tree.day + timedelta(days=n)
        create_meeting(tree.phuc_xa, datetime.combine(day, time(9), LOCAL_TZ),
                       title=f"Giao ban {n}", participants=[tree.truc_bach])
    db.session.commit()
    bodies = []
    for _ in range(20):
        fresh_request()
        response = client.get(FEED)
        assert response.status_code == 200
        bodies.append(response.data)
    fresh_request()
    statements = _feed_statements()
    # the feed's statements were prepared (the connection kept them from request to request)
    statements = [s for s in statements if s[0].startswith("SELECT") and s[1] + s[2] >= 10]
    assert statements, "the feed's statements were not kept prepared"
    # and every run of each was planned for its parameters: none fell back to a generic plan
    assert all(generic == 0 for _sql, generic, _custom in statements), statements
    assert all(custom >= 10 for _sql, _generic, custom in statements), statements
    assert len(set(bodies)) == 1
