"""Lịch họp trực tuyến: the application factory."""
import secrets
from pathlib import Path

from flask import Config, Flask

from .config import DefaultConfig
from .core.faults import SchedulerFlask
from .core.settings import config_values, read_settings, settings


def create_app(test_config: dict | None = None) -> Flask:
    """The application, configured from DefaultConfig, the environment and instance/config.py
    (or `test_config`). A setting it cannot use stops it with a SettingsError."""
    app = SchedulerFlask(__name__, instance_relative_config=True)
    given = Config(app.instance_path)
    if test_config is None:
        given.from_pyfile("config.py", silent=True)
    else:
        given.from_mapping(test_config)
    typed = read_settings(given)
    app.config.from_object(DefaultConfig)
    app.config.update(given)
    app.config.update(config_values(typed))
    app.config.settings = typed  # from here on, a value set on app.config is typed into it too
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

    from . import api, auth, cli, meetings, notifications, units, rooms, endpoints, audit_trail, web

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
    from . import paperless
    from .paperless.views import bp as paperless_bp

    app.register_blueprint(paperless_bp)
    api.init_app(app)
    cli.init_app(app)
    # the subscribers of the domain events, once per process, in the order they hear them
    reports.init_app(app)
    paperless.init_app(app)
    notifications.init_app(app)
    calendar.init_app(app)
    jobs.init_app(app)
    return app


def _configure_database(app: Flask) -> None:
    given = settings(app)
    url = given.database_url
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        url = "sqlite:///" + str(Path(app.instance_path) / "app.db")
    app.config["SQLALCHEMY_DATABASE_URI"] = _driver_url(url)
    read_url = given.database_read_url
    app.config["SQLALCHEMY_READ_URI"] = _driver_url(read_url) if read_url else None
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and not app.config[
            "SQLALCHEMY_ENGINE_OPTIONS"]:
        # per process: a connection for each request thread (gunicorn.conf.py runs 4) and one
        # spare, overflow for bursts (the job runner's threads, the tests' concurrent bookers);
        # connections a restarted PostgreSQL or a proxy closed are found before use
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_size": given.db_pool_size, "max_overflow": given.db_max_overflow,
            "pool_timeout": 30, "pool_recycle": 1800, "pool_pre_ping": True,
            "connect_args": {"prepare_threshold": given.db_prepare_threshold}}


def _driver_url(url: str) -> str:
    if url.startswith("postgres://"):  # the form Heroku-style URLs use
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _configure_secret_key(app: Flask, testing: bool) -> None:
    """SECRET_KEY from the environment or instance/config.py (read_settings put the one that
    wins into app.config). An installation without one gets it generated into
    instance/config.py once (by `init-db`, which run.sh calls first, or by whichever process
    starts first): every later process — each gunicorn worker — reads that same key, so
    sessions and CSRF tokens hold across workers and restarts."""
    if settings(app).secret_key or testing:
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
