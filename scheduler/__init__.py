"""Lịch họp trực tuyến: the application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask

from .config import DefaultConfig
from .core.faults import SchedulerFlask


def create_app(test_config: dict | None = None) -> Flask:
    app = SchedulerFlask(__name__, instance_relative_config=True)
    app.config.from_object(DefaultConfig)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    _configure_database(app)
    _configure_secret_key(app, testing=test_config is not None)

    from . import extensions, models  # noqa: F401  (models: the full metadata)
    from .core import db_setup, errors, faults, i18n, read_only, replica, requests, security, templating
    from .core.types import include_migration_object, render_migration_item

    requests.init_app(app)
    extensions.db.init_app(app)
    db_setup.init_app(app)
    read_only.init_app(app)
    replica.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True, compare_type=True, render_item=render_migration_item,
        include_object=include_migration_object,
    )
    extensions.csrf.init_app(app)
    extensions.bootstrap.init_app(app)
    extensions.cache.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    faults.init_app(app)
    security.init_app(app)

    from . import api, auth, cli, meetings, units, rooms, endpoints, audit_trail, web

    auth.init_app(app)
    meetings.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(units.bp)
    app.register_blueprint(rooms.bp)
    app.register_blueprint(endpoints.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(audit_trail.bp)
    from . import calendar

    app.register_blueprint(calendar.bp)
    from . import reports

    app.register_blueprint(reports.bp)
    from . import jobs

    app.register_blueprint(jobs.bp)
    from .paperless.views import bp as paperless_bp

    app.register_blueprint(paperless_bp)
    app.register_blueprint(api.bp)
    cli.init_app(app)
    _wire_side_effects()
    return app


def _wire_side_effects() -> None:
    """What happens beside every change of a meeting, in the same transaction: the reports'
    running counts follow each flush; invitations are queued and stale reminders withdrawn.
    Registered here, where they can be seen, rather than by importing a module; each
    registration is idempotent (tests build many apps)."""
    from .calendar.invitations import PURPOSE, queue_invitations, render_invitation
    from .notifications import meeting_notices  # noqa: F401  (its listener: @on_meeting_change)
    from .jobs.tasks import withdraw_stale_reminders
    from .mail.services import register_renderer
    from .meetings.events import on_meeting_change
    from .meetings import calendar_tags
    from .reports import tally

    tally.register()
    calendar_tags.register()
    on_meeting_change(queue_invitations)
    register_renderer(PURPOSE, render_invitation)  # the job runner builds queued invitations
    on_meeting_change(withdraw_stale_reminders)


def _configure_database(app: Flask) -> None:
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or os.environ.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = "sqlite:///" + str(Path(app.instance_path) / "app.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = _driver_url(url)
    read_url = app.config.get("SQLALCHEMY_READ_URI") or os.environ.get("DATABASE_READ_URL")
    app.config["SQLALCHEMY_READ_URI"] = _driver_url(read_url) if read_url else None
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and not app.config.get(
            "SQLALCHEMY_ENGINE_OPTIONS"):
        # per process: a connection for each request thread (gunicorn.conf.py runs 4) and one
        # spare, overflow for bursts (the job runner's threads, the tests' concurrent bookers);
        # connections a restarted PostgreSQL or a proxy closed are found before use
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_size": int(os.environ.get("DB_POOL_SIZE", 5)),
            "max_overflow": int(os.environ.get("DB_MAX_OVERFLOW", 10)),
            "pool_timeout": 30, "pool_recycle": 1800, "pool_pre_ping": True,
            "connect_args": {"prepare_threshold": prepare_threshold(
                os.environ.get("DB_PREPARE_THRESHOLD", "5"))}}


def prepare_threshold(value: str) -> int | None:
    """psycopg prepares a statement on the server after this many runs on one connection
    (its default, 5). `none` never prepares: behind PgBouncer in transaction mode each
    transaction may get another server connection, which lacks the statements prepared on
    the first one."""
    if value.strip().lower() in ("none", "off", ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"DB_PREPARE_THRESHOLD must be a number or 'none', not {value!r}") from None


def _driver_url(url: str) -> str:
    if url.startswith("postgres://"):  # the form Heroku-style URLs use
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _configure_secret_key(app: Flask, testing: bool) -> None:
    """SECRET_KEY from the environment or instance/config.py. An installation without one gets
    it generated into instance/config.py once (by `init-db`, which run.sh calls first, or by
    whichever process starts first): every later process — each gunicorn worker — reads that
    same key, so sessions and CSRF tokens hold across workers and restarts."""
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if app.config.get("SECRET_KEY") or testing:
        return
    app.config["SECRET_KEY"] = installation_secret_key(Path(app.instance_path))


def installation_secret_key(instance: Path) -> str:
    """The key in instance/config.py, written there if there is none yet. Reading and writing
    happen under an exclusive lock of the instance folder, so processes started together agree
    on one key instead of each appending its own."""
    import fcntl

    instance.mkdir(parents=True, exist_ok=True)
    config_file = instance / "config.py"
    with open(instance / ".config.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        existing = _configured_key(config_file)
        if existing:
            return existing
        key = secrets.token_hex(32)
        with open(config_file, "a", encoding="utf-8") as fh:
            fh.write(f"\n# generated on first start; keep it secret\nSECRET_KEY = {key!r}\n")
        return key


def _configured_key(config_file: Path) -> str | None:
    if not config_file.exists():
        return None
    from flask import Config

    config = Config(str(config_file.parent))
    config.from_pyfile(config_file.name)
    return config.get("SECRET_KEY")
