"""Requests that only read (core/read_only.py, core/db_setup.py): on PostgreSQL each runs in one
snapshot transaction that ends with COMMIT, so psycopg keeps its statements prepared from one
request to the next (it forgets them all on every ROLLBACK); a write inside a view marked
read-only is refused, except one asked for by name."""
from datetime import datetime, time

import pytest
import sqlalchemy as sa

from scheduler.core.db_setup import write_transaction
from scheduler.core.read_only import ReadOnlyViolation, read_only
from scheduler.core.timeutil import LOCAL_TZ
from scheduler.extensions import db
from scheduler.notifications.models import Notification
from tests.query_helpers import fresh_request


@pytest.fixture
def app_config():
    # one pooled connection: every request of the test runs on it, and so does the check
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0}}


def _prepared_statements() -> int:
    found = db.session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements"))
    db.session.commit()  # a ROLLBACK of this very look would drop them
    return found


def test_a_read_only_page_keeps_its_statements_prepared(client, auth, tree, is_postgres):
    if not is_postgres:
        pytest.skip("prepared statements across requests are psycopg's (PostgreSQL)")
    auth.login("qt_badinh")
    for _ in range(7):  # psycopg prepares a statement on its fifth run
        fresh_request()
        assert client.get("/meetings/week?unit=00001").status_code == 200
    fresh_request()
    # the week page's statements (its user, its unit, the calendar's tags with the menu's
    # counts) stayed prepared on the connection; ending each request with ROLLBACK had
    # dropped them all
    assert _prepared_statements() >= 3

    # a page that is not marked read-only (the account page) reads in a snapshot too, which
    # ends with COMMIT and keeps them
    fresh_request()
    assert client.get("/account").status_code == 200
    fresh_request()
    assert _prepared_statements() >= 3


def test_a_read_transaction_is_one_snapshot_and_read_only(client, auth, tree, is_postgres):
    if not is_postgres:
        pytest.skip("transaction modes are PostgreSQL's (SQLite reads one WAL snapshot anyway)")
    seen = {}

    @client.application.get("/_probe/tx")
    @read_only
    def probe():
        seen["modes"] = db.session.execute(sa.text(
            "SELECT current_setting('transaction_isolation'), "
            "current_setting('transaction_read_only')")).one()
        return "ok"

    @client.application.get("/_probe/plain")
    def plain():
        seen["plain"] = db.session.execute(sa.text(
            "SELECT current_setting('transaction_isolation'), "
            "current_setting('transaction_read_only')")).one()
        return "ok"

    fresh_request()
    assert client.get("/_probe/tx").status_code == 200
    fresh_request()
    assert client.get("/_probe/plain").status_code == 200
    fresh_request()
    assert tuple(seen["modes"]) == ("repeatable read", "on")
    assert tuple(seen["plain"]) == ("repeatable read", "off")
    # outside a request (jobs, the test itself) transactions are the ordinary kind
    assert tuple(db.session.execute(sa.text(
        "SELECT current_setting('transaction_isolation'), "
        "current_setting('transaction_read_only')")).one()) == ("read committed", "off")


def test_the_week_page_reads_the_same_outside_a_transaction(client, auth, tree, rooms,
                                                            create_meeting):
    """What the page shows does not depend on the transaction: a meeting booked between two
    requests shows on the second."""
    page = f"/meetings/week?unit=00001&date={tree.day}"
    auth.login("qt_badinh")
    fresh_request()
    assert "Rà soát hồ sơ một cửa" not in client.get(page).text
    create_meeting(tree.phuc_xa, datetime.combine(tree.day, time(9), LOCAL_TZ),
                   title="Rà soát hồ sơ một cửa")
    db.session.commit()
    fresh_request()
    assert "Rà soát hồ sơ một cửa" in client.get(page).text


def test_a_read_only_view_cannot_write_unless_it_asks(app, tree):
    user = tree.users.ward_staff

    @read_only
    def writes_by_accident():
        db.session.add(Notification(user_id=user.id, kind="reminder", title="Nhắc họp"))
        db.session.flush()

    @read_only
    def writes_in_bulk():
        db.session.execute(sa.update(Notification).values(title="x"))

    @read_only
    def notes_bookkeeping():
        with write_transaction():
            db.session.add(Notification(user_id=user.id, kind="reminder", title="Ghi nhận"))
            db.session.flush()

    with app.test_request_context("/"):
        for view in (writes_by_accident, writes_in_bulk):
            with pytest.raises(ReadOnlyViolation):
                view()
            db.session.rollback()
        notes_bookkeeping()
        db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 1


def test_an_api_token_still_notes_its_last_use_on_a_read_only_list(app, client, tree):
    from scheduler.auth import services as auth_services

    raw, token = auth_services.issue_token(tree.users.ward_staff)
    db.session.commit()
    assert token.last_used_at is None
    fresh_request()
    response = client.get("/api/v1/meetings", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200
    fresh_request()
    assert db.session.get(type(token), token.id).last_used_at is not None
