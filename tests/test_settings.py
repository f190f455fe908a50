"""The settings are read once, when the application is created: typed, checked, from the
environment or instance/config.py (here: the mapping a test passes). A value the application
cannot use stops start-up with a message naming the setting and the value."""
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from scheduler import create_app
from scheduler.core.settings import SettingsError, settings

ROOT = Path(__file__).resolve().parents[1]
# create_app never connects: an in-memory database is enough to build the application
URL = "sqlite://"


def _app(**given):
    # none of the settings the suite's make_config fixes, so the environment's count
    return create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": URL,
                       **given})


@pytest.mark.parametrize("variable, value, message", [
    ("DOCUMENT_MAX_MB", "hai mươi", "DOCUMENT_MAX_MB (in the environment) must be a number, not 'hai mươi'"),
    ("PROBE_CONCURRENCY", "-5", "PROBE_CONCURRENCY (in the environment) must be at least 1, not '-5'"),
    ("SMTP_PORT", "70000", "SMTP_PORT (in the environment) must be between 1 and 65535, not '70000'"),
    ("SESSION_COOKIE_SECURE", "maybe", "SESSION_COOKIE_SECURE (in the environment) must be on or off"),
    ("REMINDER_OFFSETS_MINUTES", "1440,một giờ",
     "REMINDER_OFFSETS_MINUTES (in the environment) must be a whole number, not '1440,một giờ'"),
    ("BASE_URL", "lichhop.hanoi.gov.vn",
     "BASE_URL (in the environment) must be an http(s):// address, not 'lichhop.hanoi.gov.vn'"),
    ("DB_PREPARE_THRESHOLD", "never",
     "DB_PREPARE_THRESHOLD (in the environment) must be a whole number or 'none', not 'never'"),
    ("REMEMBER_COOKIE_DAYS", "0", "REMEMBER_COOKIE_DAYS (in the environment) must be more than zero, not '0'"),
])
def test_a_bad_value_in_the_environment_stops_start_up(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as stopped:
        _app()
    assert message in str(stopped.value)


@pytest.mark.parametrize("given, message", [
    ({"LOGIN_MAX_FAILURES": -1}, "LOGIN_MAX_FAILURES must be at least 1, not -1"),
    ({"MONTHLY_REPORT_HOUR": 24}, "MONTHLY_REPORT_HOUR must be between 0 and 23, not 24"),
    ({"VIDEO_BRIDGE": "zoom"}, "VIDEO_BRIDGE must be one of jitsi, not 'zoom'"),
    ({"PROBE_ALLOWED_NETWORKS": ["10.0.0.0/8", "192.168.0/33"]},
     "PROBE_ALLOWED_NETWORKS must be networks such as 10.0.0.0/8 ('192.168.0/33' is not one)"),
    ({"SQLALCHEMY_DATABASE_URI": "máy chủ cơ sở dữ liệu"},
     "SQLALCHEMY_DATABASE_URI must be a database URL such as postgresql://user@host/name"),
    ({"WORKDAY_SWAPS": [("2027-02-30", "2027-02-20")]}, "WORKDAY_SWAPS must be pairs of ISO dates"),
    ({"JOBS_INTERVALS": {"send-mail": 0}}, "JOBS_INTERVALS must be more than 0"),
    ({"DOCUMENT_LEAD_DAYS": "ba"}, "DOCUMENT_LEAD_DAYS must be a whole number, not 'ba'"),
])
def test_a_bad_value_in_the_instance_configuration_stops_start_up(given, message):
    with pytest.raises(SettingsError) as stopped:
        _app(**given)
    assert message in str(stopped.value)


def test_good_values_are_typed_once(monkeypatch):
    monkeypatch.setenv("DOCUMENT_MAX_MB", "2.5")
    monkeypatch.setenv("REMINDER_OFFSETS_MINUTES", "30, 10")
    monkeypatch.setenv("SMTP_STARTTLS", "yes")
    monkeypatch.setenv("REMEMBER_COOKIE_DAYS", "7")
    monkeypatch.setenv("SMTP_HOST", "")
    app = _app(JOBS_INTERVAL_SECONDS="0.5", WORKDAY_SWAPS=[("2027-02-11", "2027-02-20")],
               JOBS_IN_DEV_SERVER=1)
    typed = settings(app)
    assert typed.document_max_mb == 2.5
    assert typed.reminder_offsets_minutes == (30, 10)
    assert typed.smtp_starttls is True and typed.smtp_host is None
    assert typed.jobs_interval_seconds == 0.5 and typed.jobs_in_dev_server is True
    assert typed.workday_swaps == ((date(2027, 2, 11), date(2027, 2, 20)),)
    # Flask and its extensions read app.config: it holds the same values
    assert app.config["REMEMBER_COOKIE_DURATION"] == typed.remember_cookie_duration == timedelta(days=7)
    assert app.config["DOCUMENT_MAX_MB"] == 2.5


def test_a_setting_is_read_from_the_environment_and_instance_configuration_wins(monkeypatch):
    monkeypatch.setenv("BASE_URL", "https://lichhop.hanoi.gov.vn")
    monkeypatch.setenv("CITY_NAME", "ignored: not read from the environment")
    monkeypatch.setenv("DOCUMENT_LEAD_DAYS", "5")
    app = _app(DOCUMENT_LEAD_DAYS=2)
    assert settings(app).base_url == "https://lichhop.hanoi.gov.vn"
    assert settings(app).city_name == "Hà Nội"
    assert settings(app).document_lead_days == 2
    with app.test_request_context():
        from scheduler.calendar.feeds import links

        assert links().base_url == "https://lichhop.hanoi.gov.vn"


def test_a_value_set_on_app_config_after_start_up_is_typed_into_the_settings():
    app = _app()
    app.config["DOCUMENT_MAX_MB"] = "0.5"
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT="2525")
    typed = settings(app)
    assert (typed.document_max_mb, typed.smtp_host, typed.smtp_port) == (0.5, "127.0.0.1", 2525)


def test_flask_prints_the_message_and_stops(tmp_path):
    env = {**os.environ, "PROBE_CONCURRENCY": "nhiều", "DATABASE_URL": "sqlite:///" + str(tmp_path / "x.db")}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "routes"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "PROBE_CONCURRENCY (in the environment) must be a whole number, not 'nhiều'" in done.stderr


def test_remember_cookie_duration_keeps_flask_logins_meaning_in_the_instance_configuration(monkeypatch):
    # seconds there, as Flask-Login reads it; days in the environment (REMEMBER_COOKIE_DAYS)
    assert settings(_app(REMEMBER_COOKIE_DURATION=3600)).remember_cookie_duration == timedelta(hours=1)
    monkeypatch.setenv("REMEMBER_COOKIE_DAYS", "2")
    assert settings(_app()).remember_cookie_duration == timedelta(days=2)
