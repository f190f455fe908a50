"""The runner as a real process: `flask --app wsgi jobs run` against the test database. Two
runners deliver each reminder once; a runner killed mid-run is replaced and the rest is
delivered without duplicates; a restart keeps the stored schedule and makes up a missed run;
the development server runs the jobs when JOBS_IN_DEV_SERVER is on."""
import pickle
import signal
import urllib.request
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.core.timeutil import utcnow
from scheduler.extensions import db
from scheduler.jobs import lock
from scheduler.jobs.models import JobRun, SchedulerLock
from scheduler.notifications.models import NoticeDelivery, Notification
from scheduler.jobs.runner import JOBSTORE_TABLE, start_in_dev_server
from tests.conftest import free_port, start_smtp
from tests.job_helpers import count, flask_process, stop_process, wait_until

FAST = {"JOBS_INTERVAL_SECONDS": "0.5", "JOBS_LOCK_TTL_SECONDS": "3"}


@pytest.fixture
def processes(tmp_path, database_url):
    """Start runner subprocesses; all are stopped (or killed) when the test ends. The job store
    starts empty, as on a fresh installation."""
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        if sa.inspect(conn).has_table(JOBSTORE_TABLE):
            conn.execute(sa.text(f"DELETE FROM {JOBSTORE_TABLE}"))
    engine.dispose()
    started = []

    def _start(database_url, *args, **env):
        log_path = tmp_path / f"process-{len(started)}.log"
        process = flask_process(database_url, *args, log_path=log_path, **{**FAST, **env})
        process.log_path = log_path
        started.append(process)
        return process

    yield _start
    for process in started:
        stop_process(process, signal.SIGKILL, timeout=10)
        print(process.log_path.read_text(errors="replace")[-4000:])  # shown when a test fails


@pytest.fixture
def soon_meetings(tree, create_meeting):
    """`make(n)`: n meetings of Ba Đình with Phúc Xá starting in 30 minutes, committed; each
    reminds the 5 users of the two units (the 60-minute reminder is due at once)."""
    def make(n):
        db.session.rollback()  # no stale read snapshot: the runners have written meanwhile
        start = utcnow().replace(microsecond=0) + timedelta(minutes=30)
        for i in range(n):
            create_meeting(tree.ba_dinh, start + timedelta(minutes=i), participants=[tree.phuc_xa],
                           title=f"Họp chuyên đề số {i + 1}")
        db.session.commit()
    return make


def no_duplicate_notifications() -> bool:
    db.session.rollback()
    duplicates = db.session.execute(
        sa.select(Notification.user_id, Notification.title).group_by(
            Notification.user_id, Notification.title).having(sa.func.count() > 1)).all()
    return duplicates == []


def test_two_runners_deliver_each_reminder_exactly_once(database_url, soon_meetings, processes):
    soon_meetings(8)
    server = start_smtp()
    try:
        smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(server.port)}
        first = processes(database_url, "jobs", "run", **smtp)
        second = processes(database_url, "jobs", "run", **smtp)
        wait_until(lambda: len(server.inbox.envelopes) >= 8, timeout=60)
        wait_until(lambda: count(JobRun, JobRun.job == "send-reminders") >= 4, timeout=30)
        assert first.poll() is None and second.poll() is None  # the other one waits
        assert len(server.inbox.envelopes) == 8
        assert count(NoticeDelivery) == 8 and count(Notification) == 8 * 5
        assert no_duplicate_notifications()
        runners = set(db.session.scalars(sa.select(JobRun.runner).where(
            JobRun.job == "send-reminders")))
        assert len(runners) == 1  # only the holder of the lead runs jobs
    finally:
        server.stop()


def test_runner_killed_mid_run_is_replaced_without_duplicates(database_url, soon_meetings,
                                                               processes):
    total = 120
    soon_meetings(total)
    victim = processes(database_url, "jobs", "run")
    wait_until(lambda: count(NoticeDelivery) >= 1, timeout=60, interval=0.005)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    delivered_before = count(NoticeDelivery)
    assert 0 < delivered_before < total  # it really died in the middle of the run
    assert count(Notification) == delivered_before * 5  # each notice whole or not at all

    processes(database_url, "jobs", "run")  # takes over once the dead runner's lease expires
    wait_until(lambda: count(NoticeDelivery) == total, timeout=90)
    wait_until(lambda: count(JobRun, JobRun.job == "send-reminders", JobRun.status == "ok") >= 3,
               timeout=30)
    assert count(Notification) == total * 5
    assert no_duplicate_notifications()
    # the killed runner's run is marked interrupted rather than running forever
    assert count(JobRun, JobRun.status == "running", JobRun.started_at < utcnow()
                 - timedelta(seconds=30)) == 0
    assert count(JobRun, JobRun.result == "interrupted") >= 1


def _stored_jobs(database_url) -> dict:
    engine = sa.create_engine(database_url)
    try:
        if not sa.inspect(engine).has_table(JOBSTORE_TABLE):
            return {}  # the runner creates it once it holds the lead
        with engine.connect() as conn:
            rows = conn.execute(sa.text(f"SELECT id, job_state FROM {JOBSTORE_TABLE}")).all()
    finally:
        engine.dispose()
    return {row.id: pickle.loads(row.job_state) for row in rows}


def _stored_names(database_url) -> set:
    """The names of the stored jobs; none while the runner has not created its table yet."""
    try:
        return set(_stored_jobs(database_url))
    except sa.exc.DBAPIError:
        return set()


def _make_overdue(database_url, job_id: str, seconds_ago: int) -> None:
    """Pretend the runner was down when `job_id` was due: set its stored next run back."""
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            state = pickle.loads(conn.execute(sa.text(
                f"SELECT job_state FROM {JOBSTORE_TABLE} WHERE id = :id"), {"id": job_id}).scalar())
            state["next_run_time"] = utcnow() - timedelta(seconds=seconds_ago)
            conn.execute(sa.text(f"UPDATE {JOBSTORE_TABLE} SET job_state = :state, "
                                 "next_run_time = :t WHERE id = :id"),
                         {"state": pickle.dumps(state), "t": state["next_run_time"].timestamp(),
                          "id": job_id})
    finally:
        engine.dispose()


def test_restart_keeps_the_schedule_and_makes_up_a_missed_run(database_url, soon_meetings,
                                                              processes):
    hourly = {"JOBS_INTERVAL_SECONDS": "3600"}
    runner = processes(database_url, "jobs", "run", **hourly)
    expected = {"send-reminders", "send-mail", "close-meetings", "probe-endpoints",
                "monthly-report", "conclusion-notices"}
    # the runner stores its jobs one by one: wait for all of them, not only the first
    wait_until(lambda: _stored_names(database_url) >= expected, timeout=60)
    stored = _stored_jobs(database_url)
    assert set(stored) == expected
    assert all(job["coalesce"] and job["misfire_grace_time"] >= 3600 for job in stored.values())
    holder = db.session.scalar(sa.select(SchedulerLock.holder))
    assert lock.holds(holder, utcnow())
    stop_process(runner)  # SIGTERM: a clean stop hands the lead over at once
    assert runner.returncode == 0
    assert not lock.holds(holder, utcnow())

    soon_meetings(2)
    _make_overdue(database_url, "send-reminders", seconds_ago=600)
    processes(database_url, "jobs", "run", **hourly)
    # an hourly job would not run for an hour if the restart had replaced it
    wait_until(lambda: count(NoticeDelivery) == 2, timeout=60)
    assert count(JobRun, JobRun.job == "send-reminders") == 1  # coalesced: one make-up run


def test_development_server_runs_the_jobs_when_enabled(database_url, soon_meetings, processes):
    soon_meetings(1)
    port = free_port()
    processes(database_url, "jobs", "serve", "--port", str(port), JOBS_IN_DEV_SERVER="1")

    def login_page():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
                return response.status == 200
        except OSError:
            return False

    wait_until(login_page, timeout=60)
    wait_until(lambda: count(NoticeDelivery) == 1, timeout=60)
    assert count(Notification) == 5


def test_development_server_without_the_option_runs_no_jobs(app):
    app.config["JOBS_IN_DEV_SERVER"] = False
    assert start_in_dev_server(app, reloader=False) is None


def test_reloader_watcher_process_runs_no_jobs(app, monkeypatch):
    app.config["JOBS_IN_DEV_SERVER"] = True
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert start_in_dev_server(app, reloader=True) is None  # only its serving child will


def test_leader_lock_is_held_by_one_runner_until_it_expires(app):
    now = utcnow()
    assert lock.claim("runner-a", now, ttl_seconds=30)
    assert not lock.claim("runner-b", now + timedelta(seconds=10), ttl_seconds=30)
    assert lock.claim("runner-a", now + timedelta(seconds=20), ttl_seconds=30)  # heartbeat
    assert not lock.claim("runner-b", now + timedelta(seconds=45), ttl_seconds=30)
    assert lock.holds("runner-a", now + timedelta(seconds=45))
    assert lock.claim("runner-b", now + timedelta(seconds=51), ttl_seconds=30)  # a expired
    assert not lock.holds("runner-a", now + timedelta(seconds=52))
    lock.release("runner-b", now + timedelta(seconds=60))
    assert lock.claim("runner-a", now + timedelta(seconds=60, microseconds=1), ttl_seconds=30)
