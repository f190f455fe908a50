"""Lịch họp trực tuyến: the application factory."""
import os
import secrets
from pathlib import Path

from flask import Flask

from .config import DefaultConfig


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(DefaultConfig)
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    _configure_database(app)
    _configure_secret_key(app, testing=test_config is not None)

    from . import extensions, models  # noqa: F401  (models: the full metadata)
    from .core import db_setup, errors, i18n, replica, requests, templating
    from .core.types import include_migration_object, render_migration_item

    requests.init_app(app)
    extensions.db.init_app(app)
    db_setup.init_app(app)
    replica.init_app(app)
    extensions.migrate.init_app(
        app, extensions.db, directory=str(Path(__file__).parent / "migrations"),
        render_as_batch=True, compare_type=True, render_item=render_migration_item,
        include_object=include_migration_object,
    )
    extensions.csrf.init_app(app)
    extensions.bootstrap.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    errors.init_app(app)

    from . import api, auth, cli, meetings, units, rooms, endpoints, audit

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(units.bp)
    app.register_blueprint(rooms.bp)
    app.register_blueprint(endpoints.bp)
    app.register_blueprint(meetings.bp)
    app.register_blueprint(audit.bp)
    from . import calendar

    app.register_blueprint(calendar.bp)
    from . import reports

    app.register_blueprint(reports.bp)
    from . import jobs

    app.register_blueprint(jobs.bp)
    app.register_blueprint(api.bp)
    cli.init_app(app)
    return app


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
            "pool_timeout": 30, "pool_recycle": 1800, "pool_pre_ping": True}


def _driver_url(url: str) -> str:
    if url.startswith("postgres://"):  # the form Heroku-style URLs use
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def _configure_secret_key(app: Flask, testing: bool) -> None:
    """SECRET_KEY from the environment or instance/config.py; a fresh installation gets one
    generated into instance/config.py so that the one-command start works and sessions survive
    restarts."""
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if app.config.get("SECRET_KEY") or testing:
        return
    config_file = Path(app.instance_path) / "config.py"
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    with open(config_file, "a", encoding="utf-8") as fh:
        fh.write(f"\n# generated on first start; keep it secret\nSECRET_KEY = {key!r}\n")
    app.config["SECRET_KEY"] = key
