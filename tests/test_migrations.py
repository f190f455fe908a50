"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from scheduler import create_app
from scheduler.core.types import include_migration_object
from scheduler.extensions import db

from .conftest import make_config


@pytest.fixture
def fresh_url(tmp_path):
    url = os.environ.get("DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path / "migrated.db")
        return
    name = f"test_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(create_app(make_config(url)).config["SQLALCHEMY_DATABASE_URI"],
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_migrations_build_the_models_schema(fresh_url):
    app = create_app(make_config(fresh_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_migration_object}),
                                     db.metadata)
            if db.engine.dialect.name == "postgresql":
                exclusion = conn.exec_driver_sql(
                    "SELECT 1 FROM pg_constraint WHERE conname = 'ex_reservation_no_overlap'").scalar()
                assert exclusion == 1
        db.engine.dispose()
    assert diffs == []


def test_migrations_guard_reservations_on_either_database(fresh_url):
    """`flask db upgrade` alone installs the database's own guard against double booking:
    the exclusion constraint on PostgreSQL, the triggers that stand in for it on SQLite."""
    app = create_app(make_config(fresh_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            if db.engine.dialect.name == "postgresql":
                names = set(conn.exec_driver_sql("SELECT conname FROM pg_constraint").scalars())
                wanted = {"ex_reservation_no_overlap"}
            else:
                names = set(conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
                wanted = {"tr_reservation_no_overlap_insert", "tr_reservation_no_overlap_update"}
        db.engine.dispose()
    assert wanted <= names
