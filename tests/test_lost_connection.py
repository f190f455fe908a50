"""A database connection that drops under a request (core/faults.py): PostgreSQL ends the
backend of the request's own connection in the middle of its work, as a restart, a failover or
`pg_terminate_backend` would. A request that only reads is answered all the same, on a new
connection; a booking answers 503 with Retry-After and nothing of it is written; connections
that died in the pool are replaced before use."""
import re
from datetime import datetime, time

import pytest
import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.meetings.models import Meeting
from tests.conftest import count
from tests.query_helpers import fresh_request


@pytest.fixture
def end_backend(app, is_postgres):
    """`arm(pattern)`: the next statement whose SQL matches `pattern` finds its connection's
    backend ended by another connection just before it runs (once)."""
    if not is_postgres:
        pytest.skip("a dropped server connection is PostgreSQL's (SQLite has none)")
    killer = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    armed = {"pattern": None, "ended": 0, "when": "before"}

    def end(when, conn, statement):
        if armed["pattern"] and armed["when"] == when and re.search(armed["pattern"], statement):
            armed["pattern"] = None
            pid = conn.connection.driver_connection.info.backend_pid
            with killer.connect() as other:
                other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            armed["ended"] += 1

    def before(conn, cursor, statement, *_args):
        end("before", conn, statement)

    def after(conn, cursor, statement, *_args):
        end("after", conn, statement)

    sa.event.listen(db.engine, "before_cursor_execute", before)
    sa.event.listen(db.engine, "after_cursor_execute", after)

    def arm(pattern: str, when: str = "before"):
        armed["pattern"], armed["when"] = pattern, when
        return armed
    yield arm
    sa.event.remove(db.engine, "before_cursor_execute", before)
    sa.event.remove(db.engine, "after_cursor_execute", after)
    killer.dispose()


def test_a_read_whose_connection_drops_is_answered_on_a_new_one(client, auth, tree, end_backend):
    auth.login("qt_badinh")
    fresh_request()
    armed = end_backend(r"FROM unit")
    response = client.get(f"/meetings/week?unit=00001&date={tree.day}")
    assert armed["ended"] == 1
    assert response.status_code == 200
    assert "Phường Phúc Xá" in response.text


def test_a_booking_whose_connection_drops_answers_503_and_writes_nothing(
        client, tree, end_backend):
    from scheduler.auth import services as auth_services

    raw, _ = auth_services.issue_token(tree.users.ward_staff)
    db.session.commit()
    before = count(Meeting)
    fresh_request()
    armed = end_backend(r"^INSERT INTO meeting\b")
    start = datetime.combine(tree.day, time(9)).isoformat() + "+07:00"
    end = datetime.combine(tree.day, time(10)).isoformat() + "+07:00"
    response = client.post("/api/v1/meetings", headers={"Authorization": f"Bearer {raw}"}, json={
        "title": "Họp giao ban tuần", "category": "giao_ban", "host_unit": "00001",
        "start": start, "end": end, "mode": "in_person", "participants": ["00004"]})
    assert armed["ended"] == 1
    assert response.status_code == 503, response.get_json()
    assert response.headers["Retry-After"].isdigit()
    assert response.get_json()["error"]["code"] == "unavailable"
    assert "thử lại" in response.get_json()["error"]["message"]
    fresh_request()
    assert count(Meeting) == before
    # sent again, it is booked
    fresh_request()
    again = client.post("/api/v1/meetings", headers={"Authorization": f"Bearer {raw}"}, json={
        "title": "Họp giao ban tuần", "category": "giao_ban", "host_unit": "00001",
        "start": start, "end": end, "mode": "in_person", "participants": ["00004"]})
    assert again.status_code == 201, again.get_json()


def test_a_connection_lost_after_the_answer_was_made_leaves_the_answer(app, client,
                                                                        end_backend):
    """The view committed, then read once more; the connection drops before the request's
    end rolls that read back: the answer stands (it was a 500 from the teardown)."""
    @app.post("/_probe/after-commit")
    def after_commit():
        db.session.commit()
        db.session.execute(sa.text("SELECT 42 AS after_commit"))
        return "ok"

    fresh_request()
    armed = end_backend(r"after_commit", when="after")
    response = client.post("/_probe/after-commit")
    assert armed["ended"] == 1
    assert response.status_code == 200 and response.text == "ok"


def test_connections_that_died_in_the_pool_are_replaced_unseen(client, auth, tree, is_postgres):
    if not is_postgres:
        pytest.skip("a dropped server connection is PostgreSQL's (SQLite has none)")
    auth.login("qt_badinh")
    page = f"/meetings/week?unit=00001&date={tree.day}"
    fresh_request()
    assert client.get(page).status_code == 200
    fresh_request()
    killer = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as conn:
            ended = conn.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar()
    finally:
        killer.dispose()
    assert ended >= 1
    for _ in range(3):
        fresh_request()
        assert client.get(page).status_code == 200
