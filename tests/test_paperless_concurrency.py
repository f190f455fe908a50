"""The paperless writes under simultaneous requests, through a real server (one thread, session
and connection per request) on the test database: document downloads, whose read tracking
writes during a GET, and attendance and minutes, which create their row on first use. None
may answer a 500 ("database is locked" on SQLite, a unique violation on PostgreSQL), each
keeps one row per person or unit, and what is stored is what one of the requests sent."""
import io
import json
import urllib.error
import urllib.request

import pytest
import sqlalchemy as sa

from scheduler import create_app
from scheduler.audit.models import AuditEntry
from scheduler.extensions import db
from scheduler.paperless.models import Attendance, DocumentRead, Minutes
from tests.booking_helpers import race
from tests.conftest import make_config, serving
from tests.paperless_helpers import PDF_BYTES

READERS = ("host", "host2", "guest", "admin")
DOWNLOADS_EACH = 30
ATTENDANCE_PUTS = 40
MINUTES_PUTS = 20


@pytest.fixture
def served(app, paperless, database_url):
    """`call(method, path, who, body=None)` → (status, body bytes), through a server of its
    own (an app of its own: its connections end with it, not the test's)."""
    db.session.commit()
    server_app = create_app(make_config(database_url, SERVER_NAME=None,
                                        DOCUMENT_DIR=app.config["DOCUMENT_DIR"]))
    tokens = paperless.api.tokens

    def call(method, path, who, body=None):
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {tokens[who]}"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        req = urllib.request.Request(base + "/api/v1" + path, data=data, method=method,
                                     headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            with err:
                return err.code, err.read()

    with serving(server_app, "paperless-server") as base:
        yield call


def statuses(results) -> list[int]:
    failed = [r for r in results if not isinstance(r, tuple)]
    assert failed == [], f"requests failed outright: {failed[:3]!r}"
    return [status for status, _body in results]


def upload_pdf(paperless) -> int:
    response = paperless.api("POST", f"/meetings/{paperless.id}/documents", "host",
                             data={"file": (io.BytesIO(PDF_BYTES), "bao-cao.pdf")},
                             content_type="multipart/form-data")
    assert response.status_code == 201
    db.session.commit()
    return response.get_json()["id"]


def test_simultaneous_downloads_all_succeed_and_are_tracked_once_per_person(app, paperless, served):
    """Before: on SQLite about half the downloads answered 500 "database is locked" (the
    read-tracking write ran in the transaction that had read, without the write lock)."""
    document_id = upload_pdf(paperless)
    who = [READERS[i % len(READERS)] for i in range(len(READERS) * DOWNLOADS_EACH)]

    def download(index, _prepared):
        return served("GET", f"/documents/{document_id}", who[index])

    results = race(len(who), download)
    assert statuses(results) == [200] * len(who), sorted(
        {(s, b[:200]) for s, b in results if s != 200})
    assert all(body == PDF_BYTES for _status, body in results)
    db.session.rollback()
    reads = db.session.scalars(sa.select(DocumentRead)).all()
    assert sorted(r.user_id for r in reads) == sorted(paperless.users[name].id for name in READERS)
    assert {r.times for r in reads} == {DOWNLOADS_EACH}


def test_simultaneous_attendance_updates_keep_one_row_per_unit(app, paperless, served):
    """Before: on PostgreSQL several of the first updates of a unit answered 500 (each found no
    row and inserted one: a unique violation)."""
    bodies = []
    for i in range(ATTENDANCE_PUTS):
        unit = "00001" if i % 2 else "00004"
        body = ({"status": "absent", "reason": f"Đi công tác {i}"} if i % 3 == 0 else
                {"status": "present_online", "person": f"Đại biểu {i}", "substitute": f"Phó {i}"})
        bodies.append((unit, body))

    def put(index, _prepared):
        unit, body = bodies[index]
        return served("PUT", f"/meetings/{paperless.id}/attendance/{unit}", "host", body)

    results = race(ATTENDANCE_PUTS, put)
    assert statuses(results) == [200] * ATTENDANCE_PUTS, sorted(
        {(s, b[:200]) for s, b in results if s != 200})
    db.session.rollback()
    rows = db.session.scalars(sa.select(Attendance).order_by(Attendance.unit_id)).all()
    assert [row.unit.code for row in rows] == ["00001", "00004"]
    for row in rows:
        stored = {"status": row.status, "person": row.person, "substitute": row.substitute,
                  "reason": row.reason}
        sent = [dict({"person": "", "substitute": "", "reason": ""}, **body)
                for unit, body in bodies if unit == row.unit.code]
        assert stored in sent  # one request's state whole, never a mix of two
    audited = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)
                                .where(AuditEntry.action == "meeting.attendance"))
    assert audited == ATTENDANCE_PUTS


def test_simultaneous_minutes_saves_keep_one_record(app, paperless, served):
    """Before: on PostgreSQL the first saves of a meeting's minutes raced to insert its one
    row; the losers answered 500."""
    def put(index, _prepared):
        return served("PUT", f"/meetings/{paperless.id}/minutes", "host",
                      {"place": f"Phòng họp {index}", "conclusions": f"Kết luận {index}"})

    results = race(MINUTES_PUTS, put)
    assert statuses(results) == [200] * MINUTES_PUTS, sorted(
        {(s, b[:200]) for s, b in results if s != 200})
    db.session.rollback()
    [minutes] = db.session.scalars(sa.select(Minutes)).all()
    index = int(minutes.place.rsplit(" ", 1)[1])
    assert minutes.conclusions == f"Kết luận {index}"
