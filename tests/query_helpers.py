"""Helpers of the tests that count what a request sends to the database."""
from contextlib import contextmanager

import sqlalchemy as sa
from flask import g

from scheduler.core.db_setup import SNAPSHOT_INFO
from scheduler.extensions import db


@contextmanager
def counting():
    """Statements sent and commits made while the block runs."""
    seen = {"statements": [], "commits": 0}

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        seen["statements"].append(statement)

    def on_commit(conn):
        # the end of a request's read snapshot is a COMMIT that wrote nothing (core/db_setup.py)
        if not conn.info.get(SNAPSHOT_INFO):
            seen["commits"] += 1

    sa.event.listen(db.engine, "before_cursor_execute", on_statement)
    sa.event.listen(db.engine, "commit", on_commit)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", on_statement)
        sa.event.remove(db.engine, "commit", on_commit)


def fresh_request() -> None:
    """Forget this session's objects and the signed-in user kept on `g`, as a new request of a
    real server would (the test client shares the test's application context)."""
    db.session.remove()
    g.pop("_login_user", None)
