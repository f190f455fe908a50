"""Views that only read: the calendar pages, the API's lists and readings, the feeds.

Every request that only reads (GET, HEAD, OPTIONS) sees one moment of the database: on
PostgreSQL its statements run in one REPEATABLE READ transaction (core/db_setup.py), so a
sitting returned by one query still has its meeting in the next, whatever commits meanwhile;
on SQLite the request's one deferred transaction reads one WAL snapshot. The transaction ends
with COMMIT, not ROLLBACK: psycopg forgets every prepared statement of its connection on
ROLLBACK, and a page whose statements were parsed and planned afresh on every request paid a
millisecond of planning for the menu's counts alone.
A view marked here runs READ ONLY as well, and a write inside it is a bug that raises, so that
marking a view cannot hide a change; only a block that asks for writing by name
(db_setup.write_transaction: an API token noting its last use when the view first asks who is
signed in) may, in a transaction of its own.
"""
from functools import wraps

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from .db_setup import READ_ONLY_VIEW as _INSIDE


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
