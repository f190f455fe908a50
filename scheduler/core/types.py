"""Column types shared by every model."""
from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


# the largest id an INTEGER primary key holds on PostgreSQL; a larger number in a path or a body
# names nothing (404 or 422), rather than reaching the database and failing there
MAX_ID = 2 ** 31 - 1


def parse_id(value) -> int | None:
    """The id a path, form or query value names, or None: ASCII digits only (str.isdigit()
    also takes "²", which int() refuses) and within MAX_ID (beyond it PostgreSQL refuses the
    parameter)."""
    text = str(value).strip() if value is not None else ""
    if 0 < len(text) <= 10 and text.isascii() and text.isdigit():
        number = int(text)
        return number if 0 < number <= MAX_ID else None
    return None


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned aware.

    PostgreSQL keeps `timestamp with time zone`; SQLite has no zone support, so the value is
    normalised to UTC before it is written and tagged UTC when read. Naive values are refused:
    no naive datetime crosses a function boundary.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"naive or non-datetime value for a UTC column: {value!r}")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def render_migration_item(type_, obj, autogen_context):
    """Alembic hook: migrations spell UTCDateTime as the plain column type it stores, so that
    they never import application code that may change later."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


# indexes created on PostgreSQL only (`.ddl_if(dialect="postgresql")` in the models)
POSTGRESQL_ONLY_INDEXES = {"ix_unit_path_pattern"}


def include_migration_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic's filter: APScheduler creates and owns its job table; the migrations do not.
    A PostgreSQL-only index is compared only where the database has it."""
    if type_ == "index" and name in POSTGRESQL_ONLY_INDEXES and not reflected and compare_to is None:
        from ..extensions import db

        return db.engine.dialect.name == "postgresql"
    return not (type_ == "table" and name == "apscheduler_jobs")
