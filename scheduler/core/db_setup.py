"""Engine tuning per database, the write transaction that makes bookings race-free, and the
row lock that serialises changes of one existing row.

SQLite under several processes (gunicorn workers and the job runner) answers "database is
locked" at once, without waiting, when a transaction that has already read tries to write
after another process wrote: its snapshot is stale and waiting cannot help. So every
transaction that may write takes the write lock at its start (BEGIN IMMEDIATE), which does wait
(busy_timeout): all requests other than GET/HEAD/OPTIONS, and the jobs (`writing()`). Reads keep
plain BEGIN and never wait, thanks to WAL.
"""
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from flask import Flask, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..extensions import db
from . import textsearch

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# session.info flag while a view marked read-only runs (core/read_only.py); write_transaction()
# lifts it for its block
READ_ONLY_VIEW = "read_only_view"
# set while the current thread runs something that writes (a request with an unsafe method, a
# job): its SQLite transactions begin IMMEDIATE
_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=False)


@contextmanager
def writing():
    """Mark the block as one that writes: on SQLite its transactions take the write lock at
    their start, waiting for it rather than failing later."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine)

    @app.before_request
    def _writes_take_the_lock_first():
        if request.method not in SAFE_METHODS:
            g._write_intent_token = _write_intent.set(True)

    @app.teardown_request
    def _done_writing(_exc=None):
        token = g.pop("_write_intent_token", None)
        if token is not None:
            _write_intent.reset(token)
            # the view has committed; a transaction it opened afterwards (rendering) still holds
            # the write lock, which the session's removal would release anyway in a server —
            # released here also where the session outlives the request (tests, CLI)
            db.session.rollback()


def _lower(value):
    return value.lower() if isinstance(value, str) else value


def _tune_sqlite(engine: Engine) -> None:
    # pysqlite's own transaction handling emits BEGIN lazily and cannot take the write lock up
    # front; we switch it off and emit BEGIN ourselves so a booking can ask for BEGIN IMMEDIATE.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # SQLite's lower() (and so ILIKE) folds ASCII only: "HỌP" would not find "Họp"
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        textsearch.register_sqlite(dbapi_connection)  # search without marks (vi_fold)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # a server's working set, not a desktop's: the default 2 MB page cache makes every
            # index descent of a large meeting table a system call (benchmarks/booking.py)
            cursor.execute("PRAGMA cache_size=-65536")  # KiB: 64 MiB per connection
            cursor.execute("PRAGMA mmap_size=1073741824")
            cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin")
        immediate = mode == "immediate" or (mode is None and _write_intent.get())
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        conn.info["sqlite_immediate"] = immediate


@contextmanager
def write_transaction():
    """Run the block in a transaction that holds the database's write lock from its first
    statement on SQLite (so a check-then-insert cannot interleave with another writer); on
    PostgreSQL an ordinary transaction, where exclusion constraints do the guarding.

    Ends any read-only transaction the request already opened (loading the signed-in user);
    a transaction that took the write lock at its start goes on. Nothing is committed by it:
    the caller commits once at the edge. Inside a view marked read-only (core/read_only.py)
    the block may write, statement by statement: an API token noting its last use.
    """
    session = db.session
    if db.engine.dialect.name == "sqlite" and not _holds_write_lock(session):
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("write_transaction() must start before anything is changed")
        session.rollback()
        session.connection(execution_options={"sqlite_begin": "immediate"})
    # a write the code asks for by name is no accident, even beside a read-only view
    read_only_view = session().info.pop(READ_ONLY_VIEW, None)
    try:
        yield session
    finally:
        if read_only_view is not None:
            session().info[READ_ONLY_VIEW] = read_only_view


def _holds_write_lock(session) -> bool:
    """True when the session's transaction began IMMEDIATE (a writing request, a job, an
    earlier write_transaction): it has held the lock since its first read, so what it read is
    current, and several bookings can share it (an .ics import, all or nothing)."""
    return session().in_transaction() and session.connection().info.get("sqlite_immediate", False)


@contextmanager
def row_locked(model, row_id):
    """Serialise every change of one row (a meeting and what hangs off it): inside the block
    no other transaction can change it, and everything read in it is read afresh, so the
    checks that decide the change see the state the change applies to.

    SQLite: the write transaction (one writer at a time). PostgreSQL: SELECT … FOR UPDATE on
    the row, which waits for a concurrent change of it to commit; then whatever the session
    had loaded before is expired. Nothing may be changed before the block starts."""
    with write_transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(sa.select(model.id).where(model.id == row_id).with_for_update())
            session.expire_all()
        yield session
