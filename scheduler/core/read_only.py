"""Views that only read: the calendar pages, the API's lists and readings, the feeds.

On PostgreSQL a request to such a view runs its statements outside a transaction
(autocommit). Under READ COMMITTED every statement takes its own snapshot either way, so the
page reads exactly what it would inside a transaction, but:
  - no BEGIN and no ROLLBACK travel to the server (two of a cached week page's seven round
    trips);
  - psycopg keeps its prepared statements. It forgets them all on every ROLLBACK, and every
    request that only read ends with one, so each statement of every page was parsed and
    planned afresh: the menu's counts alone took a millisecond of planning to run in 0.2 ms.
    Outside a transaction there is no ROLLBACK, and after five runs a statement is prepared.
A write inside such a view is a bug and raises, so that marking a view cannot turn a change
that ought to be all-or-nothing into statements committed one by one; only a block that asks
for writing by name (db_setup.write_transaction: an API token noting its last use when the
view first asks who is signed in) may, and its statements commit as they run.
On SQLite nothing changes: its reads never wait (WAL) and sqlite3 prepares by itself. The
reports are not marked: they tune their transaction (SET LOCAL jit = off, reports/sql.py), and
two round trips are nothing beside their aggregations.
"""
from functools import wraps

from flask import Flask, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .db_setup import READ_ONLY_VIEW as _INSIDE, SAFE_METHODS


class ReadOnlyViolation(RuntimeError):
    """A view marked read-only tried to write."""


def read_only(view):
    """View decorator: the view only reads (see the module's docstring). Put it under the
    route; the mark travels up through decorators that use functools.wraps."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        session = db.session()
        session.info[_INSIDE] = True
        try:
            return view(*args, **kwargs)
        finally:
            session.info.pop(_INSIDE, None)
    wrapped.reads_only = True
    return wrapped


def _refuse_flush(session, _context, _instances):
    if session.info.get(_INSIDE) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation("a view marked read_only tried to write")


def _refuse_bulk_write(state):
    if (state.is_insert or state.is_update or state.is_delete) and state.session.info.get(_INSIDE):
        raise ReadOnlyViolation("a view marked read_only ran a writing statement")


def init_app(app: Flask) -> None:
    for name, listener in (("before_flush", _refuse_flush), ("do_orm_execute", _refuse_bulk_write)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)

    @app.before_request
    def _reads_outside_a_transaction():
        # before any statement of the request (the signed-in user is loaded later, on first use)
        if request.method not in SAFE_METHODS:
            return
        view = app.view_functions.get(request.endpoint)
        if not getattr(view, "reads_only", False) or db.engine.dialect.name != "postgresql":
            return
        session = db.session()
        if not session.in_transaction():  # a session shared with a test may already have one
            session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
