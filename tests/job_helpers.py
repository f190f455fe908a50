"""Helpers of the background-job tests: a moved sitting, counts that see other processes'
writes, waiting, and runner subprocesses. Meetings come from the `create_meeting` factory
(tests/factories.py); the SMTP server and free ports from tests/conftest.py."""
import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.meetings.models import Occurrence
from tests.conftest import ROOT


def move_occurrence(occurrence: Occurrence, new_start: datetime) -> None:
    """What the booking service does when a sitting is moved: new times, same identity."""
    length = occurrence.end_at - occurrence.start_at
    occurrence.start_at, occurrence.end_at, occurrence.moved = new_start, new_start + length, True
    db.session.flush()


def count(model, *conditions) -> int:
    db.session.rollback()  # a fresh snapshot: other processes may have written meanwhile
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


def wait_until(condition, timeout: float, interval: float = 0.1):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(interval)


def flask_process(database_url: str, *args: str, log_path=None, **env) -> subprocess.Popen:
    """`flask --app wsgi ARGS` in a subprocess on the test database; its output goes to
    `log_path` (for a failing test to show)."""
    environment = dict(os.environ)
    environment.update({"DATABASE_URL": database_url, "SECRET_KEY": "test-secret",
                        "PYTHONUNBUFFERED": "1"})
    environment.pop("SMTP_HOST", None)
    environment.update({key: str(value) for key, value in env.items()})
    with open(log_path or os.devnull, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", *args],
                                cwd=ROOT, env=environment, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)


def stop_process(process: subprocess.Popen, sig=signal.SIGTERM, timeout: float = 15) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
