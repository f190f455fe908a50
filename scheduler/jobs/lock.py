"""The runners' leader lock: a row of `scheduler_lock` claimed with a conditional UPDATE.

Only the holder runs jobs. Claiming and renewing are the same statement —
`UPDATE … SET holder = me, expires_at = now + ttl WHERE name = … AND (holder = me OR
expires_at < now)` — which the database executes atomically, so of two runners at most one
sees a changed row. The first claim ever inserts the row (ON CONFLICT DO NOTHING). Each call
runs on its own connection and commits at once, whatever the job session is doing.
"""
import os
import socket
import uuid
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..core.types import UTCDateTime
from ..extensions import db
from .models import SchedulerLock

LOCK_NAME = "jobs"


def runner_identity() -> str:
    """host:pid plus a random tag, so a restarted process never inherits a dead one's lease."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _insert_ignoring_conflict(values: dict):
    dialect = db.engine.dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(SchedulerLock).values(**values).on_conflict_do_nothing(index_elements=["name"])


def _writer():
    """The engine with SQLite's write lock taken at BEGIN (waiting for it, rather than failing
    with "database is locked" when the UPDATE finds another writer)."""
    return db.engine.execution_options(sqlite_begin="immediate")


def claim(holder: str, now: datetime, ttl_seconds: float, name: str = LOCK_NAME) -> bool:
    """Take or renew the lock; True when `holder` holds it until now + ttl."""
    table = SchedulerLock.__table__
    expires = now + timedelta(seconds=ttl_seconds)
    with _writer().begin() as conn:
        updated = conn.execute(sa.update(table).where(
            table.c.name == name,
            sa.or_(table.c.holder == holder, table.c.expires_at < now),
        ).values(holder=holder, expires_at=expires,
                 acquired_at=sa.case((table.c.holder == holder, table.c.acquired_at),
                                     else_=sa.literal(now, UTCDateTime())))).rowcount
        if updated:
            return True
        # RETURNING tells whether the row went in; rowcount is unreliable for an INSERT that
        # psycopg runs with implicit RETURNING
        inserted = conn.execute(_insert_ignoring_conflict(
            {"name": name, "holder": holder, "acquired_at": now, "expires_at": expires})
            .returning(table.c.name)).first()
        return inserted is not None


def holds(holder: str, now: datetime, name: str = LOCK_NAME) -> bool:
    """True while `holder`'s lease is current: checked before every job, so a runner that was
    suspended past its lease (and replaced) does not run a job on its way out."""
    table = SchedulerLock.__table__
    with db.engine.connect() as conn:
        row = conn.execute(sa.select(table.c.holder, table.c.expires_at)
                           .where(table.c.name == name)).first()
    if row is None:
        return False
    expires = row.expires_at
    return row.holder == holder and expires is not None and expires > now


def release(holder: str, now: datetime, name: str = LOCK_NAME) -> None:
    """Let another runner take over at once (on a clean shutdown)."""
    table = SchedulerLock.__table__
    with _writer().begin() as conn:
        conn.execute(sa.update(table).where(table.c.name == name, table.c.holder == holder)
                     .values(expires_at=now))


def current(name: str = LOCK_NAME) -> SchedulerLock | None:
    return db.session.get(SchedulerLock, name)
