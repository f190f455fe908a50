"""Reads that may go to a read-only replica (DATABASE_READ_URL): reports and calendar feeds.

The session routes its statements to the replica's engine while a view marked
`@reads_replica` runs and the setting is present; everything else (sign-in, bookings, the
job runner) stays on the primary. A replica lags the primary by a moment, which reports and
feeds polled every hour can afford; what a user has just booked is read from the primary.
Without DATABASE_READ_URL nothing changes.
"""
from functools import wraps

from flask import Flask, current_app
from flask_sqlalchemy.session import Session
from sqlalchemy import create_engine

REPLICA_FLAG = "read_replica"


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, sending the statements of replica reads to the replica."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is None and self.info.get(REPLICA_FLAG):
            engine = current_app.extensions.get("read_replica_engine")
            if engine is not None:
                return engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def init_app(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_READ_URI")
    if url:
        options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"] or {})
        app.extensions["read_replica_engine"] = create_engine(url, **options)


def reads_replica(view):
    """View decorator: the view's reads go to the replica when one is configured. Views so
    marked only read (a GET never commits)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        # the app's Flask-SQLAlchemy, whose session class is the one above: extensions.py
        # builds `db` on RoutingSession, so this module cannot import it back
        session = current_app.extensions["sqlalchemy"].session()
        session.info[REPLICA_FLAG] = True
        try:
            return view(*args, **kwargs)
        finally:
            session.info.pop(REPLICA_FLAG, None)
    return wrapped
