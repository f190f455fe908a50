"""Test fixtures: an app on a migrated database (SQLite file, or PostgreSQL when DATABASE_URL
is set), cleaned between tests, with factories for units, users, rooms, endpoints.

REQUIRE_POSTGRES=1 / REQUIRE_BROWSER=1 (set by .ci/run) turn a skip for a missing PostgreSQL or
Chromium into a failure.
"""
import os
from datetime import date

import pytest
import sqlalchemy as sa

from scheduler import create_app
from scheduler.extensions import db

pytest_plugins = ["tests.factories"]


def _database_url(tmp_path_factory, worker: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        if "test" not in url.rsplit("/", 1)[-1]:
            pytest.exit(f"refusing to run tests against a database whose name lacks 'test': {url}")
        return _worker_database(url, worker)
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.exit("REQUIRE_POSTGRES=1 but DATABASE_URL is not set")
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


def make_config(url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "SERVER_NAME": "localhost",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",  # the default scrypt costs ~0.1 s a user
    }
    config.update(extra)
    return config


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own (`test_gw0`, …),
    created on first use next to the one DATABASE_URL names; a plain run uses that one."""
    if worker == "master":
        return url
    base, name = url.rsplit("/", 1)
    own = f"{name}_{worker}"
    admin = sa.create_engine(create_app(make_config(url)).config["SQLALCHEMY_DATABASE_URI"],
                             isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": own}).scalar()
            if not exists:
                conn.exec_driver_sql(f'CREATE DATABASE "{own}"')
    finally:
        admin.dispose()
    return f"{base}/{own}"


@pytest.fixture(scope="session")
def worker_id_or_master(request) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "master")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id_or_master):
    """A fresh schema for the session (one database per xdist worker). Built from the models
    (fast); the migrations are checked against the models on a database of their own in
    test_migrations.py."""
    url = _database_url(tmp_path_factory, worker_id_or_master)
    app = create_app(make_config(url))
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
        db.create_all()
        db.engine.dispose()
    return app.config["SQLALCHEMY_DATABASE_URI"]


def _wipe() -> None:
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        names = ", ".join(f'"{t.name}"' for t in tables)
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
    else:
        with db.engine.begin() as conn:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app_config():
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def app(database_url, app_config):
    app = create_app(make_config(database_url, **app_config))
    with app.app_context():
        _wipe()
        yield app
        db.session.remove()
        _wipe()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def is_postgres(app):
    return db.engine.dialect.name == "postgresql"


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username, password="matkhau123"):
        return self.client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def today():
    return date.today()


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))
