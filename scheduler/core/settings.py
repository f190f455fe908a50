"""The application's own settings, typed and checked once, by create_app.

Where a value comes from, the last one winning: config.DefaultConfig, then the environment (the
variables the README lists), then instance/config.py (or the mapping a test passes to
create_app); SECRET_KEY from the environment wins over instance/config.py. A value the
application cannot use stops start-up with a SettingsError naming the setting and the value.
app.config keeps every setting, typed, for Flask, its extensions and the templates; the code
reads `settings()`, never app.config with a default of its own.
"""
import ipaddress
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from types import MappingProxyType
from urllib.parse import urlsplit

from flask import Config, Flask, current_app
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..config import DefaultConfig


class SettingsError(Exception):
    """A setting's value the application cannot use; the message names the setting and the
    value, and start-up stops with it (`flask` and gunicorn print it)."""


# -- reading a value: each returns the typed value or raises ValueError(what it must be) ------
FLAG_WORDS = {"1": True, "true": True, "yes": True, "on": True,
              "0": False, "false": False, "no": False, "off": False, "": False}


def flag(value) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in FLAG_WORDS:
        return FLAG_WORDS[value.strip().lower()]
    raise ValueError("on or off (1, true, yes, on / 0, false, no, off)")


def integer(value) -> int:
    if isinstance(value, bool):
        raise ValueError("a whole number")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError("a whole number") from None


def number(value) -> float:
    if isinstance(value, bool):
        raise ValueError("a number")
    try:
        return float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        raise ValueError("a number") from None


def text(value) -> str:
    if not isinstance(value, str):
        raise ValueError("text")
    return value


def optional(parse: Callable) -> Callable:
    """None, or an empty value, stands for "not set"."""
    def parse_optional(value):
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return parse(value)
    return parse_optional


def items(value) -> list:
    """A list, or one comma-separated string (the form the environment gives)."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise ValueError("a list, or comma-separated")


def list_of(parse: Callable) -> Callable:
    def parse_list(value) -> tuple:
        return tuple(parse(item) for item in items(value))
    return parse_list


def mapping_of(parse: Callable) -> Callable:
    def parse_mapping(value) -> Mapping:
        if not isinstance(value, Mapping):
            raise ValueError("a mapping")
        return MappingProxyType({text(key): parse(item) for key, item in value.items()})
    return parse_mapping


def days(value) -> timedelta:
    """A number of days: REMEMBER_COOKIE_DAYS in the environment."""
    return timedelta(days=integer(value))


def duration(value) -> timedelta:
    """A timedelta, or a number of seconds (as Flask-Login reads REMEMBER_COOKIE_DURATION)."""
    return value if isinstance(value, timedelta) else timedelta(seconds=integer(value))


def prepare_threshold(value) -> int | None:
    """psycopg prepares a statement on the server after this many runs on one connection (its
    default, 5). `none` never prepares: behind PgBouncer in transaction mode each transaction
    may get another server connection, which lacks the statements prepared on the first one."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "off", "")):
        return None
    try:
        return integer(value)
    except ValueError:
        raise ValueError("a whole number or 'none'") from None


def swaps(value) -> tuple[tuple[date, date], ...]:
    """WORKDAY_SWAPS: pairs (day off, working day) of ISO dates."""
    def day(item) -> date:
        return item if isinstance(item, date) else date.fromisoformat(text(item))
    try:
        return tuple((day(off), day(worked)) for off, worked in value)
    except (TypeError, ValueError):
        raise ValueError('pairs of ISO dates (day off, working day), e.g. [("2027-02-11", '
                         '"2027-02-20")]') from None


# -- checks made at start-up: each returns what the value must be, or None when it is good ----
def at_least(low: float) -> Callable:
    def check(value):
        values = value.values() if isinstance(value, Mapping) else (
            value if isinstance(value, tuple) else (value,))
        if any(v is not None and v < low for v in values):
            return f"at least {low:g}"
        return None
    return check


def more_than(low: float) -> Callable:
    def check(value):
        values = value.values() if isinstance(value, Mapping) else (value,)
        if any(v is not None and v <= low for v in values):
            return f"more than {low:g}"
        return None
    return check


def between(low: int, high: int) -> Callable:
    def check(value):
        return None if low <= value <= high else f"between {low} and {high}"
    return check


def positive_duration(value: timedelta):
    return None if value > timedelta(0) else "more than zero"


def web_url(value):
    parts = urlsplit(value)
    return None if parts.scheme in ("http", "https") and parts.netloc else "an http(s):// address"


def any_url(value):
    if value is None:
        return None
    parts = urlsplit(value)
    return None if parts.scheme and (parts.netloc or parts.path) else "a URL such as redis://host:6379/0"


def readable_database_url(value):
    if value is None:
        return None
    try:
        make_url(value)
    except (ArgumentError, ValueError):
        return "a database URL such as postgresql://user@host/name"
    return None


def networks(value):
    for item in value:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            return f"networks such as 10.0.0.0/8 ({item!r} is not one)"
    return None


def setting(parse: Callable, *, key: str | None = None, env: bool | str = False,
            check: Callable | None = None, env_wins: bool = False, env_parse: Callable | None = None):
    """A field of Settings: how its value is read (`parse`, or `env_parse` from the
    environment) and checked at start-up (`check`); `key` is its name in app.config and
    instance/config.py (the field's name in capitals unless given), `env` the environment
    variable that sets it (True: the same name); `env_wins`: a non-empty environment variable
    wins over instance/config.py."""
    return field(metadata={"parse": parse, "key": key, "env": env, "check": check,
                           "env_wins": env_wins, "env_parse": env_parse or parse})


@dataclass(frozen=True)
class Settings:
    """The application's own settings, typed. The defaults are DefaultConfig's; what each
    means is said there and in the README's configuration section."""
    # the database (create_app builds SQLALCHEMY_DATABASE_URI and the pool from these)
    database_url: str | None = setting(optional(text), key="SQLALCHEMY_DATABASE_URI",
                                       env="DATABASE_URL", check=readable_database_url)
    database_read_url: str | None = setting(optional(text), key="SQLALCHEMY_READ_URI",
                                            env="DATABASE_READ_URL", check=readable_database_url)
    db_pool_size: int = setting(integer, env=True, check=at_least(1))
    db_max_overflow: int = setting(integer, env=True, check=at_least(0))
    db_prepare_threshold: int | None = setting(prepare_threshold, env=True, check=at_least(0))
    secret_key: str | None = setting(optional(text), env=True, env_wins=True)
    # sessions, sign-in, the API's tokens
    session_cookie_secure: bool = setting(flag, env=True)
    remember_cookie_secure: bool = setting(flag, env="SESSION_COOKIE_SECURE")
    remember_cookie_duration: timedelta = setting(duration, env="REMEMBER_COOKIE_DAYS",
                                                  env_parse=days, check=positive_duration)
    remember_cookie_name: str = setting(text)
    proxy_hops: int = setting(integer, env=True, check=at_least(0))
    password_hash_method: str = setting(text)
    login_max_failures: int = setting(integer, check=at_least(1))
    login_failure_window_minutes: int = setting(integer, check=at_least(1))
    api_token_lifetime_days: int = setting(integer, check=at_least(1))
    # languages, the city, links
    babel_default_locale: str = setting(text)
    languages: Mapping[str, str] = setting(mapping_of(text))
    city_name: str = setting(text)
    base_url: str = setting(text, env=True, check=web_url)
    # meetings and their video bridge (meetings.init_app checks VIDEO_BRIDGE's name)
    endpoint_test_lead_minutes: int = setting(integer, check=at_least(0))
    video_bridge: str = setting(text, env=True)
    jitsi_base_url: str = setting(text, env=True, check=web_url)
    # background jobs
    jobs_in_dev_server: bool = setting(flag, env=True)
    jobs_intervals: Mapping[str, float] = setting(mapping_of(number), check=more_than(0))
    jobs_interval_seconds: float | None = setting(optional(number), env=True, check=more_than(0))
    jobs_lock_ttl_seconds: float = setting(number, env=True, check=more_than(0))
    jobs_misfire_grace_seconds: int = setting(integer, check=at_least(0))
    jobs_history_days: int = setting(integer, check=at_least(1))
    monthly_report_hour: int = setting(integer, check=between(0, 23))
    reminder_offsets_minutes: tuple[int, ...] = setting(list_of(integer), env=True,
                                                        check=at_least(0))
    # endpoint probes
    probe_timeout_seconds: float = setting(number, check=more_than(0))
    probe_history_days: int = setting(integer, check=at_least(1))
    probe_concurrency: int = setting(integer, env=True, check=at_least(1))
    probe_allowed_networks: tuple[str, ...] = setting(list_of(text), env=True, check=networks)
    # outgoing mail
    smtp_host: str | None = setting(optional(text), env=True)
    smtp_port: int = setting(integer, env=True, check=between(1, 65535))
    smtp_username: str | None = setting(optional(text), env=True)
    smtp_password: str | None = setting(optional(text), env=True)
    smtp_starttls: bool = setting(flag, env=True)
    smtp_ssl: bool = setting(flag, env=True)
    smtp_timeout: float = setting(number, check=more_than(0))
    mail_sender: str = setting(text, env=True)
    mail_sender_name: str = setting(text)
    # the cache of built calendars (Flask-Caching reads the CACHE_* keys from app.config)
    calendar_cache: bool = setting(flag, env=True)
    cache_type: str = setting(text, env=True)
    cache_redis_url: str | None = setting(optional(text), env=True, check=any_url)
    cache_threshold: int = setting(integer, env=True, check=at_least(1))
    cache_default_timeout: int = setting(integer, env=True, check=at_least(0))
    # paperless meetings
    document_dir: str | None = setting(optional(text), env=True)
    document_max_mb: float = setting(number, env=True, check=more_than(0))
    document_lead_days: int = setting(integer, env=True, check=at_least(0))
    conclusion_due_working_days: int = setting(integer, check=at_least(0))
    conclusion_overdue_lookback_days: int = setting(integer, check=at_least(1))
    workday_swaps: tuple[tuple[date, date], ...] = setting(swaps)


def _key(f) -> str:
    return f.metadata["key"] or f.name.upper()


def _env_name(f) -> str | None:
    env = f.metadata["env"]
    return _key(f) if env is True else (env or None)


KEYS = {_key(f): f for f in fields(Settings)}


def _read(f, raw, source: str, checked: bool = True, parse_key: str = "parse"):
    try:
        value = f.metadata[parse_key](raw)
        problem = f.metadata["check"](value) if checked and f.metadata["check"] else None
    except ValueError as err:
        problem = str(err)
    if problem:
        raise SettingsError(f"{source} must be {problem}, not {raw!r}")
    return value


def read_settings(given: Mapping, environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from DefaultConfig, the environment (os.environ unless given) and `given`
    (instance/config.py or a test's mapping), each value typed and checked."""
    environ = os.environ if environ is None else environ
    values = {}
    for f in fields(Settings):
        key, env = _key(f), _env_name(f)
        if f.metadata["env_wins"]:
            from_env = bool(environ.get(env))
        else:
            from_env = env is not None and env in environ and key not in given
        if from_env:
            values[f.name] = _read(f, environ[env], f"{env} (in the environment)",
                                   parse_key="env_parse")
        else:
            raw = given[key] if key in given else getattr(DefaultConfig, key)
            values[f.name] = _read(f, raw, key)
    return Settings(**values)


def config_values(typed: Settings) -> dict:
    """The settings as app.config holds them, by their keys."""
    return {_key(f): getattr(typed, f.name) for f in fields(Settings)}


class SettingsConfig(Config):
    """app.config, keeping the typed settings in step with a value set on it after start-up
    (tests do; an extension may). Such a value is typed, not checked again: the checks guard an
    installation's start."""
    settings: Settings | None = None

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        if self.settings is not None and key in KEYS:
            f = KEYS[key]
            self.settings = replace(self.settings, **{f.name: _read(f, value, key, checked=False)})

    def update(self, *args, **kwargs) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value


def settings(app: Flask | None = None) -> Settings:
    """The typed settings of `app` (the current one by default)."""
    return (app or current_app).config.settings
