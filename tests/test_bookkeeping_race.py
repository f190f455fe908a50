"""Bookkeeping written beside the user's own work, done by several at once — each in its own
app context, session and connection, on SQLite and on PostgreSQL alike: a notification marked
read from two tabs keeps one time and both answer it; probe runs that overlap (the runner and
`flask jobs once probe-endpoints`) count every failure of an endpoint and alert once; a
user created from the command line while a request writes; a year's target threshold set by
two admins at once."""
import socket
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.auth import services as auth_services
from scheduler.auth.models import User
from scheduler.core.db_setup import write_transaction, writing
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.notifications import services as notification_services
from scheduler.endpoints.models import EndpointCheck
from scheduler.notifications.models import Notification
from scheduler.jobs.tasks import probe_endpoints
from scheduler.reports.models import Target, TargetThreshold
from scheduler.reports.targets import set_threshold, target_to_change
from scheduler.units.models import Unit
from tests.booking_helpers import race
from tests.factories import local

WORKERS = 8
NOW = local(2026, 12, 10, 7, 0)
STEP = timedelta(minutes=5)


class InOwnContext:
    """Run `work(index)` in a thread with an app context (hence a session and connection)
    of its own; the result, or the exception it raised."""

    def __init__(self, app, work):
        self.app, self.work, self.contexts = app, work, {}

    def prepare(self, index):
        ctx = self.app.app_context()
        ctx.push()
        self.contexts[index] = ctx

    def __call__(self, index, _prepared):
        try:
            return self.work(index)
        finally:
            db.session.remove()
            self.contexts.pop(index).pop()


def test_a_notification_marked_read_at_once_keeps_one_time(app, tree):
    """Before: on PostgreSQL each mark found it unread and wrote its own time; the earlier
    ones answered a time the database no longer held."""
    user_id = tree.users.ward_staff.id
    notification = Notification(user_id=user_id, kind="reminder", title="Nhắc lịch họp",
                                created_at=NOW)
    db.session.add(notification)
    db.session.commit()
    notification_id = notification.id

    def mark(index):
        with write_transaction():  # as the views do
            marked = notification_services.mark_read(db.session.get(User, user_id), notification_id,
                                            NOW + timedelta(seconds=index))
            read_at = marked.read_at
        db.session.commit()
        return read_at

    answers = race(WORKERS, InOwnContext(app, mark))
    assert not [a for a in answers if isinstance(a, BaseException)], answers
    db.session.rollback()
    stored = db.session.get(Notification, notification_id).read_at
    assert set(answers) == {stored}


@pytest.fixture
def silent_port():
    """A listener whose accept queue is full: a connect neither succeeds nor is refused, so
    every probe run waits out its timeout (a ward whose line is dead)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        with socket.create_connection(server.getsockname()):  # fills the queue of one
            yield server.getsockname()[1]


def test_overlapping_probe_runs_count_every_failure_and_alert_once(app, tree, create_endpoint,
                                                                    silent_port):
    """Before: each run counted from what it had read before probing, so overlapping runs
    wrote the same count (1 failure after 8 failed probes) on both databases."""
    app.config["PROBE_TIMEOUT_SECONDS"] = 0.5
    db.session.execute(sa.update(Endpoint).values(host=None, port=None))
    endpoint = create_endpoint(tree.phuc_xa, "Điểm cầu mất kết nối", host="127.0.0.1",
                               port=silent_port)
    db.session.commit()
    endpoint_id = endpoint.id

    def probe(index):
        with writing():  # as the job runner runs every job
            return probe_endpoints(NOW + index * STEP)

    results = race(WORKERS, InOwnContext(app, probe))
    assert all(isinstance(r, str) and r.startswith("0/1 endpoints reachable")
               for r in results), results
    db.session.rollback()
    stored = db.session.get(Endpoint, endpoint_id)
    assert stored.failed_probes == WORKERS and stored.state == "unreachable"
    checks = db.session.scalar(sa.select(sa.func.count()).select_from(EndpointCheck)
                               .where(EndpointCheck.endpoint_id == endpoint_id))
    assert checks == WORKERS
    alerts = db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "endpoint_down")).all()
    assert sorted(alerts) == sorted(set(alerts)) != []  # each admin told once


def test_create_user_from_the_command_line_beside_a_writing_request(app, tree, runner,
                                                                   monkeypatch):
    """An operator creates a user while the server writes. Before: on SQLite the command read
    the unit, a request wrote, and the command's insert failed at once with "database is
    locked" (its snapshot was stale; waiting could not help)."""
    db.session.commit()
    check, engine = auth_services.check_password_strength, db.engine
    other_writes: list = []

    def request_writing():  # another connection, as a request in another worker would
        try:
            with engine.begin() as conn:
                conn.execute(sa.update(Unit).where(Unit.code == "00004").values(phone="0243"))
            other_writes.append("committed")
        except Exception as err:  # noqa: BLE001  (reported by the assertion below)
            other_writes.append(err)

    def check_while_a_request_writes(password):
        # between the command's reads and its insert; the request waits for the command's
        # write lock where the command holds it (then it is let go on after a moment)
        writer = threading.Thread(target=request_writing)
        writer.start()
        writer.join(timeout=1)
        workers.append(writer)
        return check(password)

    workers: list = []
    monkeypatch.setattr(auth_services, "check_password_strength", check_while_a_request_writes)
    result = runner.invoke(args=["create-user", "vanphong_moi", "--role", "staff", "--unit",
                                 "00001", "--password", "matkhau123"])
    for writer in workers:
        writer.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert other_writes == ["committed"]
    db.session.rollback()
    assert db.session.scalar(sa.select(User.unit_id).where(User.username == "vanphong_moi")) \
        == tree.phuc_xa.id


def test_two_admins_setting_one_year_s_threshold_at_once(app, tree):
    """Before: on PostgreSQL both found no threshold for the year and inserted one; the
    second failed on the unique key (a 500)."""
    target_to_change("online_80")  # the defaults stored, as the settings page does first
    db.session.commit()
    admin_id = tree.users.admin.id

    def set_2030(index):
        with writing():  # as the settings form's POST runs
            set_threshold(db.session.get(User, admin_id), target_to_change("online_80"), 2030,
                          str(70 + index))
            db.session.commit()
        return "saved"

    results = race(WORKERS, InOwnContext(app, set_2030))
    assert results == ["saved"] * WORKERS
    db.session.rollback()
    stored = db.session.scalars(sa.select(TargetThreshold.percent).join(Target).where(
        Target.code == "online_80", TargetThreshold.year == 2030)).all()
    assert len(stored) == 1 and 70 <= stored[0] < 70 + WORKERS
