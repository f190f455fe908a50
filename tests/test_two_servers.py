"""Past one machine: two application servers (gunicorn with gunicorn.conf.py, on their own
ports) on one PostgreSQL beside one job runner, as the README's deployment shows. A meeting
booked through one server is seen through the other, the same room cannot be taken twice by
bookings racing through both, the replica setting serves the feeds, and the one job runner
closes the meetings that have ended for both."""
import json
import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.calendar.feeds import hash_token
from scheduler.core.timeutil import to_local, utcnow
from scheduler.extensions import db
from scheduler.jobs.runner import JOBSTORE_TABLE
from scheduler.meetings.models import Meeting
from tests.booking_helpers import at, request_for
from tests.conftest import ROOT, free_port
from tests.job_helpers import flask_process, stop_process, wait_until


def call(base: str, method: str, path: str, token: str | None = None, body=None):
    request = urllib.request.Request(base + path, method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def app_server(database_url: str, port: int, log_path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=database_url, DATABASE_READ_URL=database_url,
               SECRET_KEY="test-secret", SESSION_COOKIE_SECURE="0", PYTHONUNBUFFERED="1",
               GUNICORN_BIND=f"127.0.0.1:{port}", WEB_WORKERS="2", WEB_THREADS="2",
               PYTHONPATH=str(ROOT))
    env.pop("SMTP_HOST", None)
    with open(log_path, "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


@pytest.fixture
def layout(database_url, is_postgres, tree, rooms, tmp_path):
    if not is_postgres:
        pytest.skip("the deployment layout runs on PostgreSQL (DATABASE_URL)")
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        if sa.inspect(conn).has_table(JOBSTORE_TABLE):
            conn.execute(sa.text(f"DELETE FROM {JOBSTORE_TABLE}"))
    engine.dispose()
    tree.phuc_xa.feed_token = hash_token("phucxa-feed")
    db.session.commit()
    started, bases = [], []
    try:
        for n in range(2):
            port = free_port()
            started.append(app_server(database_url, port, tmp_path / f"app-{n}.log"))
            bases.append(f"http://127.0.0.1:{port}")
        started.append(flask_process(database_url, "jobs", "run", log_path=tmp_path / "jobs.log",
                                     JOBS_INTERVAL_SECONDS="0.5", JOBS_LOCK_TTL_SECONDS="3"))
        for base in bases:
            wait_until(lambda base=base: _answers(base), timeout=60, interval=0.3)
        yield bases
    finally:
        for process in started:
            stop_process(process, signal.SIGTERM, timeout=20)
        for log in sorted(tmp_path.glob("*.log")):
            print(log.name, log.read_text(errors="replace")[-3000:])  # shown when a test fails


def _answers(base: str) -> bool:
    try:
        return call(base, "GET", "/login")[0] == 200
    except OSError:
        return False


def test_two_app_servers_and_one_job_runner_share_one_database(layout, tree, rooms, create_meeting):
    first, second = layout
    status, body = call(first, "POST", "/api/v1/tokens", body={"username": "vp_phucxa",
                                                               "password": tree.password})
    assert status == 201, body
    token = json.loads(body)["token"]

    # each server builds the ward's list of that day (empty) and keeps it: what is booked
    # through one must show through both at once (the calendars' tags are in the database)
    day = at(5).date().isoformat()
    ward_day = f"/api/v1/meetings?unit=00001&start={day}&end={day}"
    for base in layout * 2:
        status, body = call(base, "GET", ward_day, token)
        assert status == 200 and json.loads(body)["meetings"] == []

    # the same room at the same time, booked through both servers at once: exactly one wins
    room = rooms["phuc_xa"].id
    results = []
    wanted = request_for(tree.phuc_xa, at(5, 9), 60, rooms=[room], title="Họp qua hai máy")
    threads = [threading.Thread(target=lambda base=base: results.append(
        call(base, "POST", "/api/v1/meetings", token, wanted))) for base in layout]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _body in results) == [201, 409]
    booked = json.loads(next(body for status, body in results if status == 201))

    # each server sees what was booked through the other
    for base in layout:
        status, body = call(base, "GET", ward_day, token)
        assert status == 200 and [m["meeting_id"] for m in json.loads(body)["meetings"]] == [booked["id"]]
        status, body = call(base, "GET", f"/api/v1/meetings?start={day}&end={day}", token)
        assert status == 200 and [m["meeting_id"] for m in json.loads(body)["meetings"]] == [booked["id"]]
        status, feed = call(base, "GET", "/calendar/unit/phucxa-feed.ics")
        assert status == 200 and "Họp qua hai máy" in feed.decode()

    # one job runner closes the meetings that ended, whichever server booked them
    db.session.rollback()
    ended = create_meeting(tree.phuc_xa, utcnow() - timedelta(hours=2), title="Họp đã qua")
    db.session.commit()
    ended_id, ended_day = ended.id, to_local(ended.start_at).date().isoformat()
    that_day = f"/api/v1/meetings?unit=00001&start={ended_day}&end={ended_day}"
    ended_status = lambda: {m["meeting_id"]: m["status"]  # noqa: E731
                            for m in json.loads(call(second, "GET", that_day, token)[1])["meetings"]}[ended_id]
    assert ended_status() == ended_status() == "scheduled"  # built, then served as built

    def closed():
        db.session.rollback()
        return db.session.scalar(sa.select(Meeting.status).where(Meeting.id == ended.id)) == "held"

    wait_until(closed, timeout=60, interval=0.5)
    assert ended_status() == "held"  # the job runner's change reaches the server's lists
    status, body = call(second, "GET", f"/api/v1/meetings/{ended.id}", token)
    assert status == 200 and json.loads(body)["status"] == "held"
