"""Race-safe "the row of this key, created on first use": attendance per meeting and unit, the
minutes of a meeting.

Reading the row and inserting it when none is found lets two simultaneous requests both find
none and both insert: on PostgreSQL the second answered 500 on the unique constraint. So the
row is first inserted with INSERT … ON CONFLICT DO NOTHING (which, beside a concurrent insert
of the same key, waits for it to commit and then does nothing), and then read FOR UPDATE
(PostgreSQL: locked until the commit and read afresh; SQLite: the writing request holds the
write lock already), so that each change applies to the state the previous one left.
"""
import sqlalchemy as sa

from ..extensions import db


def insert_missing(model, values: dict, key: list[str]) -> bool:
    """Insert the row unless one with the same `key` columns exists; True when it went in."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    primary_key = sa.inspect(model).primary_key
    statement = (insert(model).values(**values).on_conflict_do_nothing(index_elements=key)
                 .returning(*primary_key))
    # RETURNING rather than rowcount: psycopg reports no rowcount through the ORM's execute
    return db.session.execute(statement).first() is not None


def locked_row(model, **key):
    """The one row of `key`, locked for the rest of the transaction, with what the session
    had loaded of it replaced by the stored state."""
    return db.session.scalars(sa.select(model).filter_by(**key).with_for_update()
                              .execution_options(populate_existing=True)).one()
