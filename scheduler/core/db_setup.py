"""Engine tuning per database, and the write transaction that makes bookings race-free."""
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from ..extensions import db
from . import textsearch


def init_app(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine)


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
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "immediate" else "BEGIN")


@contextmanager
def write_transaction():
    """Run the block in a transaction that holds the database's write lock from its first
    statement on SQLite (so a check-then-insert cannot interleave with another writer); on
    PostgreSQL an ordinary transaction, where exclusion constraints do the guarding.

    Ends any read-only transaction the request already opened (loading the signed-in user);
    nothing is committed by it: the caller commits once at the edge.
    """
    session = db.session
    if db.engine.dialect.name == "sqlite":
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("write_transaction() must start before anything is changed")
        session.rollback()
        session.connection(execution_options={"sqlite_begin": "immediate"})
    yield session
