"""Test fixtures: an app on a migrated database (SQLite file, or PostgreSQL when DATABASE_URL
is set), cleaned between tests, with factories for units, users, rooms, endpoints.

REQUIRE_POSTGRES=1 / REQUIRE_BROWSER=1 (set by .ci/run) turn a skip for a missing PostgreSQL or
Chromium into a failure.
"""
import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

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
        # the tests' sockets listen on the loopback range, which production refuses
        "PROBE_ALLOWED_NETWORKS": ["127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
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
    """Empty every table, children first, and start the ids at 1 again. On PostgreSQL a DELETE
    of each (small) table and a setval of each sequence, in one transaction: TRUNCATE of forty
    tables costs about 50 ms each time (new files for every table), this about 2 ms."""
    tables = [t for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))
            conn.exec_driver_sql("SELECT setval(c.oid, 1, false) FROM pg_class c "
                                 "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")
        else:
            for table in tables:
                conn.execute(table.delete())
    # the job runner's own table (APScheduler creates it, the models do not): a schedule stored
    # by one test's runner must not show on the next test's jobs page
    if sa.inspect(db.engine).has_table("apscheduler_jobs"):
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM apscheduler_jobs")


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
def fresh_databases(tmp_path):
    """Makes empty databases (SQLite files, or PostgreSQL databases beside DATABASE_URL's),
    dropped after the test."""
    url = os.environ.get("DATABASE_URL")
    made = []

    def make() -> str:
        name = f"test_migrations_{uuid.uuid4().hex[:8]}"
        if not url:
            return "sqlite:///" + str(tmp_path / f"{name}.db")
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        made.append(name)
        return url.rsplit("/", 1)[0] + "/" + name

    admin = sa.create_engine(create_app(make_config(url)).config["SQLALCHEMY_DATABASE_URI"],
                             isolation_level="AUTOCOMMIT") if url else None
    try:
        yield make
    finally:
        if admin is not None:
            with admin.connect() as conn:
                for name in made:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.dispose()


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def today():
    return date.today()


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A free TCP port on the loopback address (servers of the tests never listen elsewhere)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def listening_port():
    """A loopback port something listens on (and never answers)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.fixture
def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@contextmanager
def serving(app, name: str = "test-server"):
    """`app` served over HTTP on 127.0.0.1 and a free port by threads of this process (one per
    request); yields the base URL. Afterwards the app's database connections are closed."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


class SmtpSink:
    """An SMTP server's handler (aiosmtpd) that keeps every message it receives — the envelope,
    and the recipients with the parsed message — or refuses each message while `refuse` is set
    (451: a temporary failure the sender must retry), and the addresses of `unknown` one by
    one at RCPT TO."""

    def __init__(self):
        self.envelopes = []
        self.messages = []
        self.refuse = False
        self.unknown = {}  # address -> the reply refusing it

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.unknown:
            return self.unknown[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 4.3.0 Mail server temporarily unavailable"
        self.envelopes.append(envelope)
        self.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(
            envelope.content, policy=email.policy.default)))
        return "250 OK"


def start_smtp(handler: SmtpSink | None = None):
    """A real SMTP server on 127.0.0.1 and a free port; `.inbox` is its handler, `.stop()`
    ends it."""
    from aiosmtpd.controller import Controller

    handler = handler or SmtpSink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.inbox, handler.port = handler, controller.port
    return controller


@pytest.fixture
def smtp():
    """An SMTP sink for the test; its `.port` goes into SMTP_PORT."""
    controller = start_smtp()
    yield controller.inbox
    controller.stop()


class LiveServer:
    """Requests to a running server: JSON in and out, bearer token or not, extra headers."""

    def __init__(self, base: str):
        self.base = base

    def request(self, method: str, path: str, body=None, token: str | None = None,
                headers: dict | None = None, timeout: float = 60):
        """(status, parsed JSON body or None, response headers)"""
        data = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json"} if data is not None else {}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        sent.update(headers or {})
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                raw, status, got = response.read(), response.status, dict(response.headers)
        except urllib.error.HTTPError as err:
            with err:
                raw, status, got = err.read(), err.code, dict(err.headers)
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return status, parsed, got


@pytest.fixture(scope="module")
def live_server(database_url, tmp_path_factory):
    """The application as production runs it: gunicorn with three worker processes on a free
    loopback port, on the test database (each test's `app` fixture empties it first)."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "server.log"
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="test-secret",
               SESSION_COOKIE_SECURE="0", JOBS_IN_DEV_SERVER="0", PYTHONUNBUFFERED="1")
    env.pop("SMTP_HOST", None)
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", "3", "--timeout", "120",
             "--bind", f"127.0.0.1:{port}", "wsgi:app"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = LiveServer(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 60
    while True:
        try:
            if server.request("GET", "/login", timeout=5)[0] == 200:
                break
        except OSError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("gunicorn did not start:\n" + log_path.read_text(errors="replace"))
        time.sleep(0.2)
    try:
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=20)
