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
from flask import Flask, current_app, g, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from ..extensions import db
from . import textsearch

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
# session.info flag while a view marked read-only runs (core/read_only.py); write_transaction()
# lifts it for its block
READ_ONLY_VIEW = "read_only_view"
# set while the current thread runs something that writes (a request with an unsafe method, a
# job): its SQLite transactions begin IMMEDIATE
_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=False)
# set while a request that only reads (GET, HEAD, OPTIONS) runs: on PostgreSQL its transactions
# begin REPEATABLE READ, so every statement of the page sees the moment of its first one
# (a sitting read by one query is there when the next looks up its meeting); READ ONLY too for
# the views marked read-only (core/read_only.py)
SNAPSHOT, READ_ONLY_SNAPSHOT = "snapshot", "read_only"
_read_snapshot: ContextVar[str | None] = ContextVar("read_snapshot", default=None)
# the connection's info key naming the kind of snapshot its current transaction reads in
SNAPSHOT_INFO = "read_snapshot"


@contextmanager
def writing():
    """Mark the block as one that writes: on SQLite its transactions take the write lock at
    their start, waiting for it rather than failing later."""
    token = _write_intent.set(True)
    try:
        yield
    finally:
        _write_intent.reset(token)


@contextmanager
def reading_snapshot(kind: str = SNAPSHOT):
    """Mark the block as one that only reads: on PostgreSQL each transaction it begins is one
    snapshot (REPEATABLE READ; with READ_ONLY_SNAPSHOT also READ ONLY). Requests that only
    read are so marked as a whole; a benchmark or a job may mark a block."""
    token = _read_snapshot.set(kind)
    try:
        yield
    finally:
        _read_snapshot.reset(token)


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine)
    if not event.contains(Engine, "begin", _begin_postgresql_snapshot):
        event.listen(Engine, "begin", _begin_postgresql_snapshot)

    @app.before_request
    def _writes_take_the_lock_first():
        if request.method not in SAFE_METHODS:
            g._write_intent_token = _write_intent.set(True)
        else:
            view = app.view_functions.get(request.endpoint)
            kind = READ_ONLY_SNAPSHOT if getattr(view, "reads_only", False) else SNAPSHOT
            g._read_snapshot_token = _read_snapshot.set(kind)

    @app.teardown_request
    def _done_writing(_exc=None):
        token = g.pop("_write_intent_token", None)
        if token is not None:
            _write_intent.reset(token)
            # the view has committed; a transaction it opened afterwards (rendering) still holds
            # the write lock, which the session's removal would release anyway in a server —
            # released here also where the session outlives the request (tests, CLI)
            _settle(db.session.rollback)
        token = g.pop("_read_snapshot_token", None)
        if token is not None:
            _read_snapshot.reset(token)
            _settle(end_snapshot)


def _settle(end) -> None:
    """End the request's transaction after its answer is made. A connection the database
    dropped meanwhile has nothing left to undo (its transaction died with it); the error of
    ending it must not turn the answer already made into a 500."""
    try:
        end()
    except DBAPIError as err:
        current_app.logger.warning("database connection lost after the answer: %s", err)
        try:
            db.session.close()
        except DBAPIError:
            pass


def end_snapshot() -> None:
    """End the session's snapshot transaction, if it is one, with COMMIT: it wrote nothing,
    and psycopg forgets every prepared statement of its connection on ROLLBACK (so each
    statement of every page would be parsed and planned afresh), but keeps them on COMMIT."""
    session = db.session()
    if not session.in_transaction():
        return
    connection = session.connection()
    if not connection.info.get(SNAPSHOT_INFO):
        return
    try:
        session.commit()
    except Exception:  # an aborted transaction (the view failed): nothing to keep
        session.rollback()


def _begin_postgresql_snapshot(conn) -> None:
    """Engine 'begin' event: psycopg sends BEGIN with the connection's isolation level and
    read-only flag at the transaction's first statement, so setting them here costs no round
    trip. Left as the driver's defaults (READ COMMITTED, read-write) for everything that may
    write: requests with unsafe methods, jobs, write_transaction() blocks."""
    if conn.dialect.name != "postgresql":
        return
    kind = None if _write_intent.get() else _read_snapshot.get()
    info = conn.info
    if kind == info.get(SNAPSHOT_INFO):
        return
    raw = conn.connection.driver_connection
    if kind is None:
        raw.isolation_level = None
        raw.read_only = None
    else:
        raw.isolation_level = _psycopg_isolation("REPEATABLE_READ")
        raw.read_only = kind == READ_ONLY_SNAPSHOT
    info[SNAPSHOT_INFO] = kind


def custom_plans() -> None:
    """The rest of this transaction plans each statement for its own parameters. For the
    statements whose best plan depends on them (a window of sittings: a week holds a handful,
    a feed's year thousands): psycopg prepares a statement after five runs on a connection, and
    PostgreSQL then may switch it to one generic plan it estimates no worse, which for the
    feed read forty times the rows at a million meetings (170 ms a statement instead of 5)."""
    session = db.session
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_CUSTOM_PLANS)


_CUSTOM_PLANS = sa.text("SET LOCAL plan_cache_mode = force_custom_plan")


def _psycopg_isolation(name: str):
    from psycopg import IsolationLevel

    return IsolationLevel[name]


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
    dialect = db.engine.dialect.name
    if dialect == "sqlite" and not _holds_write_lock(session):
        _nothing_changed_yet(session)
        session.rollback()
        session.connection(execution_options={"sqlite_begin": "immediate"})
    elif dialect == "postgresql" and _reads_a_snapshot(session):
        # a read-only request's snapshot cannot write: it ends (nothing in it was written)
        # and the block runs in an ordinary transaction; the request's later reads begin a
        # snapshot of their own after the caller's commit
        _nothing_changed_yet(session)
        session.commit()
    # a write the code asks for by name is no accident, even beside a read-only view
    read_only_view = session().info.pop(READ_ONLY_VIEW, None)
    try:
        with writing():
            yield session
    finally:
        if read_only_view is not None:
            session().info[READ_ONLY_VIEW] = read_only_view


def _nothing_changed_yet(session) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("write_transaction() must start before anything is changed")


def _reads_a_snapshot(session) -> bool:
    return session().in_transaction() and bool(session.connection().info.get(SNAPSHOT_INFO))


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
