"""Helpers of the background-job tests: meetings straight through the models (one Occurrence per
sitting, as the booking service stores them), a local SMTP server, and runner subprocesses."""
import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.meetings.models import Meeting, Occurrence
from tests.conftest import free_port, start_smtp  # noqa: F401  (free_port: re-exported)

ROOT = Path(__file__).resolve().parent.parent


def make_meeting(host, start: datetime, *, participants=(), minutes=60, mode="in_person",
                 status="scheduled", title="Họp giao ban tuần", extra_starts=(),
                 join_url=None, category="giao_ban") -> Meeting:
    """A meeting of `host` starting at `start` (aware); `extra_starts` makes it a series."""
    meeting = Meeting(title=title, category=category, host_unit=host, start_at=start,
                      end_at=start + timedelta(minutes=minutes), mode=mode, status=status,
                      join_url=join_url, uid=f"jobs-test-{uuid.uuid4().hex}@lichhop")
    meeting.participants = list(participants)
    for when in (start, *extra_starts):
        meeting.occurrences.append(Occurrence(
            start_at=when, end_at=when + timedelta(minutes=minutes), original_start=when,
            status=status))
    db.session.add(meeting)
    db.session.flush()
    return meeting


def move_occurrence(occurrence: Occurrence, new_start: datetime) -> None:
    """What the booking service does when a sitting is moved: new times, same identity."""
    length = occurrence.end_at - occurrence.start_at
    occurrence.start_at, occurrence.end_at, occurrence.moved = new_start, new_start + length, True
    db.session.flush()


def count(model, *conditions) -> int:
    db.session.rollback()  # a fresh snapshot: other processes may have written meanwhile
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*conditions))


def smtp_server():
    """A real SMTP server on 127.0.0.1 (free port); call .stop() when done."""
    return start_smtp()


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
