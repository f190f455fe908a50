"""An installation at any earlier revision upgrades to head with its data intact and its
derived data right, on SQLite and PostgreSQL; and no migration imports the application.

For every revision the chain has held, a database is built at that revision, filled with the
rows an installation then had — written in plain SQL against the tables of that revision —
then upgraded to head and read back: every row arrived, the counts the reports run on are the
ones the sittings make, feed links and meeting versions survived, and the application's own
invariants hold. A migration that reaches into today's code (which reads today's columns)
breaks exactly these upgrades.
"""
import ast
import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from scheduler import create_app
from scheduler.extensions import db

from .conftest import make_config

MIGRATIONS = Path(__file__).resolve().parents[1] / "scheduler" / "migrations"
SCRIPT = ScriptDirectory(str(MIGRATIONS))
# every revision, oldest first
REVISIONS = [script.revision for script in reversed(list(SCRIPT.walk_revisions()))]

UNIT_TOKEN, ROOM_TOKEN, USER_TOKEN = "unit-feed-3", "room-feed-1", "user-feed-2"
CATEGORIES = ("trien_khai", "so_ket", "tong_ket", "tap_huan", "giao_ban", "lam_viec", "khac")


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def half_month(year: int, month: int, second: bool) -> int:
    return (year * 12 + month - 1) * 2 + second


# the running counts the sittings below make (unit, half month, category):
# (held, held online, scheduled, scheduled online, held paperless, scheduled paperless).
# The first meeting's sitting starts on 14 March in UTC but on the 15th in Hà Nội: it counts
# in the second half of March. The paperless series of the district counts in the district and
# the city; its cancelled sitting, the cancelled meeting and the pending one count nowhere.
MARCH_1, MARCH_2 = half_month(2026, 3, False), half_month(2026, 3, True)
EXPECTED_TALLY = {
    (1, MARCH_1, "trien_khai"): (1, 1, 1, 1, 1, 1),
    (2, MARCH_1, "trien_khai"): (1, 1, 1, 1, 1, 1),
    (1, MARCH_2, "giao_ban"): (1, 1, 0, 0, 0, 0),
    (2, MARCH_2, "giao_ban"): (1, 1, 0, 0, 0, 0),
    (3, MARCH_2, "giao_ban"): (1, 1, 0, 0, 0, 0),
}


class Installation:
    """Writes rows into a database at one revision, in that revision's own columns."""

    def __init__(self, connection, revision: str):
        self.conn = connection
        self.sqlite = connection.dialect.name == "sqlite"
        self.reached = {script.revision for script in SCRIPT.iterate_revisions(revision, "base")}

    def has(self, revision: str) -> bool:
        return revision in self.reached

    def ts(self, text: str) -> str:
        """A UTC timestamp as the application stores it: naive UTC text on SQLite."""
        return f"{text}.000000" if self.sqlite else f"{text}+00"

    def insert(self, table: str, **values) -> None:
        columns = ", ".join(values)
        params = ", ".join(f":{name}" for name in values)
        self.conn.execute(sa.text(f"INSERT INTO {table} ({columns}) VALUES ({params})"), values)

    def feed_token(self, token: str) -> str:
        return sha256(token) if self.has("issue13_security") else token

    def fill(self) -> None:
        self.units_and_people()
        self.meetings()
        self.around_meetings()
        if self.has("0493e27e7e94"):
            self.paperless_records()
        if self.has("b4d6f8a0c2e4"):  # from here on the application keeps the counts
            self.running_counts()
        if self.has("issue17_calendar_tags"):
            self.insert("calendar_tag", unit_id=0, tag=7)
            self.insert("calendar_tag", unit_id=3, tag=11)
        if not self.sqlite:  # the rows above name their ids: the sequences go on after them
            for (table,) in self.conn.execute(sa.text(
                    "SELECT table_name FROM information_schema.columns "
                    "WHERE column_name = 'id' AND table_schema = current_schema()")):
                self.conn.execute(sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), MAX(id)) "
                    f"FROM {table} HAVING MAX(id) IS NOT NULL"))

    def units_and_people(self) -> None:
        now = self.ts("2026-02-01 02:00:00")
        later = {"updated_at": now} if self.has("7b68d3aeeb0e") else {}
        for unit_id, code, name, kind, parent, path, valid_to, token in (
                (1, "01", "Thành phố Hà Nội", "city", None, "/1/", None, None),
                (2, "001", "Quận Ba Đình", "district", 1, "/1/2/", None, None),
                (3, "00001", "Phường Phúc Xá", "ward", 2, "/1/2/3/", None, UNIT_TOKEN),
                (4, "00004", "Phường Trúc Bạch", "ward", 2, "/1/2/4/", "2025-06-30", None)):
            self.insert("unit", id=unit_id, code=code, name=name, kind=kind, parent_id=parent,
                        path=path, valid_from="2024-01-01", valid_to=valid_to,
                        email=f"vp{code}@hanoi.gov.vn", phone=None, tech_name=None,
                        tech_phone=None, tech_email=None,
                        feed_token=token and self.feed_token(token), **later)
        if self.has("74b5900736b2"):
            self.insert("unit_succession", id=1, predecessor_id=4, successor_id=3, whole=True)
        for user_id, username, role, unit_id, token in (
                (1, "vanphong", "admin", 1, None), (2, "phucxa", "staff", 3, USER_TOKEN)):
            keys = {"session_key": f"{user_id:032x}"} if self.has("issue13_security") else {}
            self.insert("user_account", id=user_id, username=username,
                        full_name=f"Cán bộ {username}", email=f"{username}@hanoi.gov.vn",
                        password_hash="pbkdf2:sha256:1000$salt$0", role=role, unit_id=unit_id,
                        active=True, locale="vi", feed_token=token and self.feed_token(token),
                        created_at=now, password_changed_at=None, **keys)
        for room_id, name, approval, token in ((1, "Phòng họp tầng 2", False, ROOM_TOKEN),
                                               (2, "Hội trường lớn", True, None)):
            self.insert("room", id=room_id, unit_id=2, name=name, capacity=40, paperless=True,
                        has_endpoint=True, requires_approval=approval, active=True,
                        open_from=None, open_until=None, max_duration_minutes=None,
                        max_advance_days=None, feed_token=token and self.feed_token(token),
                        **later)
        outage = {"failed_probes": 2, "down_since": None} if self.has("issue16_a1") else {}
        self.insert("endpoint", id=1, unit_id=3, name="Điểm cầu Phúc Xá", host="127.0.0.1",
                    port=5060, protocol="sip", active=True, wan_connected_on="2024-01-02",
                    vc_deployed_on="2024-01-02", state="reachable",
                    last_checked=self.ts("2026-02-01 01:00:00"), latency_ms=12.5, **outage)
        source = {"source": "demo"} if self.has("issue16_a1") else {}
        self.insert("endpoint_check", id=1, endpoint_id=1, at=self.ts("2026-02-01 01:00:00"),
                    state="reachable", latency_ms=12.5, **source)
        self.insert("connection_fact_change", id=1, unit_id=3, fact="vc", value=True,
                    effective_on="2024-01-02", recorded_by_id=1, recorded_at=now)

    def meetings(self) -> None:
        # (id, title, category, host, mode, paperless, status, rrule, version, sittings, rooms)
        # with sittings (id, start, end, status, held mode, reservations (kind, id, active))
        for meeting in (
                (1, "Giao ban phường", "giao_ban", 3, "in_person", False, "held", None, 1,
                 [(1, "2026-03-14 17:30:00", "2026-03-14 18:30:00", "held", "online",
                   [("room", 1, True)])], [1]),
                (2, "Triển khai chuyển đổi số", "trien_khai", 2, "hybrid", True, "scheduled",
                 "FREQ=WEEKLY;COUNT=3", 3,
                 [(2, "2026-03-03 02:00:00", "2026-03-03 04:00:00", "held", None,
                   [("room", 1, True), ("endpoint", 1, True)]),
                  (3, "2026-03-10 02:00:00", "2026-03-10 04:00:00", "scheduled", None,
                   [("room", 1, True), ("endpoint", 1, True)]),
                  (4, "2026-03-17 02:00:00", "2026-03-17 04:00:00", "cancelled", None,
                   [("room", 1, False), ("endpoint", 1, False)])], [1]),
                (3, "Họp đã hủy", "khac", 3, "online", False, "cancelled", None, 2,
                 [(5, "2026-03-05 07:00:00", "2026-03-05 08:00:00", "cancelled", None,
                   [("room", 1, False)])], [1]),
                (4, "Làm việc chờ duyệt", "lam_viec", 3, "in_person", False, "pending", None, 1,
                 [(6, "2026-04-01 02:00:00", "2026-04-01 03:00:00", "pending", None,
                   [("room", 2, True)])], [2])):
            self.meeting(*meeting)

    def meeting(self, meeting_id, title, category, host, mode, paperless, status, rrule,
                version, sittings, rooms) -> None:
        first = sittings[0]
        extra = {}
        if self.has("7b68d3aeeb0e"):
            extra["source_uid"] = None
        if self.has("a3c5e7f9b1d2"):
            extra["version"] = version
        self.insert("meeting", id=meeting_id, title=title, category=category,
                    host_unit_id=host, chair="Chủ tịch UBND", start_at=self.ts(first[1]),
                    end_at=self.ts(first[2]), mode=mode, paperless=paperless,
                    agenda="Nội dung", conclusion="", status=status, rrule=rrule,
                    join_url=None, sequence=0, uid=f"meeting-{meeting_id}@lichhop",
                    decided_by_id=None, decided_at=None, decision_reason=None,
                    holiday_override_reason=None, exdates="[]",
                    cancel_reason="Trùng lịch" if status == "cancelled" else None,
                    created_by_id=2, created_at=self.ts("2026-02-02 02:00:00"),
                    updated_at=self.ts("2026-02-02 02:00:00"), **extra)
        self.insert("meeting_participant", meeting_id=meeting_id, unit_id=3)
        for room_id in rooms:
            self.insert("meeting_room", meeting_id=meeting_id, room_id=room_id)
        for sitting_id, start, end, sitting_status, held_mode, reservations in sittings:
            self.insert("occurrence", id=sitting_id, meeting_id=meeting_id,
                        start_at=self.ts(start), end_at=self.ts(end),
                        original_start=self.ts(start), status=sitting_status,
                        held_mode=held_mode, moved=False)
            for kind, resource_id, active in reservations:
                self.insert("reservation", occurrence_id=sitting_id, resource_kind=kind,
                            resource_id=resource_id, starts_at=self.ts(start),
                            ends_at=self.ts(end), active=active)

    def around_meetings(self) -> None:
        now = self.ts("2026-02-03 02:00:00")
        for target_id, code, measure in ((1, "online_30", "share"), (2, "ward_vc", "ward_vc")):
            self.insert("target", id=target_id, code=code, name=f"Chỉ tiêu {code}",
                        measure=measure, position=target_id)
            self.insert("target_threshold", id=target_id, target_id=target_id, year=2026,
                        percent=30)
        for category in CATEGORIES:
            self.insert("target_category", target_id=1, category=category)
        if self.has("0493e27e7e94"):  # the application seeds the paperless share from here on
            self.insert("target", id=3, code="paperless", name="Họp không giấy tờ",
                        measure="paperless", position=3)
            for category in CATEGORIES:
                self.insert("target_category", target_id=3, category=category)
        mail = {}
        if self.has("7b68d3aeeb0e"):
            mail["expires_at"] = self.ts("2026-03-10 02:00:00")
        if self.has("a3c5e7f9b1d2"):
            mail["message_id"] = "<meeting-2.3@lichhop>"
        if self.has("issue17_windows"):
            mail["render"] = None
        self.insert("outgoing_mail", id=1, created_at=now, recipients='["phucxa@hanoi.gov.vn"]',
                    subject="Mời họp", body_text="Kính mời", body_html=None, ical=None,
                    ical_method=None, attachments=None, purpose="invitation", meeting_id=2,
                    status="sent", attempts=1, next_attempt_at=now, claimed_until=None,
                    sent_at=now, last_error=None, **mail)
        self.insert("notification", id=1, user_id=2, created_at=now, kind="invitation",
                    title="Mời họp", body="Kính mời", meeting_id=2, read_at=None)
        self.insert("notice_delivery", id=1, key="reminder:3:60", kind="reminder",
                    occurrence_id=3, offset_minutes=60, start_at=self.ts("2026-03-10 02:00:00"),
                    delivered_at=now, recipients=2, summary="Nhắc họp")
        if self.has("issue16_a1"):
            self.insert("notice_delivery", id=2, key="endpoint_down:1", kind="endpoint_down",
                        occurrence_id=None, offset_minutes=None, start_at=None,
                        delivered_at=now, recipients=1, summary="Mất kết nối")
        self.insert("audit_entry", id=1, at=now, user_id=2, unit_id=3, action="meeting.create",
                    object_type="meeting", object_id="2", summary="Đặt lịch họp",
                    changes='{"title": "Triển khai chuyển đổi số"}', address="127.0.0.1")
        used = {"last_used_at": now} if self.has("issue13_security") else {}
        self.insert("api_token", id=1, user_id=1, token_hash=sha256("api-token"), created_at=now,
                    expires_at=self.ts("2027-02-03 02:00:00"), revoked=False, **used)
        self.insert("login_attempt", id=1, username="phucxa", address="127.0.0.1", at=now,
                    success=True)
        if self.has("issue13_security"):
            self.insert("login_throttle", scope="account", key="phucxa", failures=1,
                        window_start=now)
        self.insert("job_run", id=1, job="close_meetings", started_at=now, finished_at=now,
                    duration_ms=5, status="ok", result="0", error=None, runner="host:1")
        self.insert("scheduler_lock", name="jobs", holder="host:1", acquired_at=now,
                    expires_at=now)

    def paperless_records(self) -> None:
        now = self.ts("2026-03-03 03:00:00")
        self.insert("agenda_item", id=1, meeting_id=2, position=1, title="Báo cáo tiến độ",
                    presenter="Phó Chủ tịch", minutes=30)
        self.insert("attendance", id=1, meeting_id=2, unit_id=3, status="present_online",
                    person="Ông A", substitute="", reason="", updated_by_id=2, updated_at=now)
        self.insert("minutes", meeting_id=2, place="Phòng họp tầng 2", secretary="Bà B",
                    discussion="", opinions="", conclusions="Thống nhất",
                    conclusion_issued_at=None, updated_by_id=2, updated_at=now)
        self.insert("meeting_document", id=1, meeting_id=2, agenda_item_id=1,
                    name="baocao.pdf", content_type="application/pdf", size=1024,
                    sha256=sha256("baocao"), storage_key="ab/cdef", uploaded_by_id=2,
                    uploaded_at=now)
        self.insert("document_read", id=1, document_id=1, user_id=2, first_opened_at=now,
                    last_opened_at=now, times=2)
        self.insert("vote", id=1, meeting_id=2, agenda_item_id=1, question="Thông qua?",
                    status="closed", opened_by_id=2, opened_at=now, closed_at=now)
        self.insert("ballot", id=1, vote_id=1, user_id=2, choice="dong_y", cast_at=now)

    def running_counts(self) -> None:
        """The counts as the application of this revision kept them."""
        paperless = self.has("issue17_paperless")
        for (unit_id, half, category), counts in EXPECTED_TALLY.items():
            names = ["held", "held_online", "scheduled", "scheduled_online"]
            if paperless:
                names += ["held_paperless", "scheduled_paperless"]
            self.insert("occurrence_tally", unit_id=unit_id, half_month=half, category=category,
                        **dict(zip(names, counts)))


def row_counts(connection) -> dict:
    names = sa.inspect(connection).get_table_names()
    return {name: connection.execute(sa.text(f"SELECT COUNT(*) FROM {name}")).scalar()
            for name in names if name != "alembic_version"}


@pytest.mark.parametrize("revision", REVISIONS)
def test_an_installation_at_any_revision_upgrades_with_its_data(fresh_databases, revision):
    app = create_app(make_config(fresh_databases()))
    with app.app_context():
        upgrade(revision=revision)
        with db.engine.begin() as connection:
            installation = Installation(connection, revision)
            installation.fill()
            before = row_counts(connection)
        upgrade()
        with db.engine.connect() as connection:
            if installation.sqlite:  # the upgrade gives its connection back as it found it
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            after = row_counts(connection)
            tally = {(r.unit_id, r.half_month, r.category): (
                r.held, r.held_online, r.scheduled, r.scheduled_online, r.held_paperless,
                r.scheduled_paperless) for r in connection.execute(sa.text(
                    "SELECT * FROM occurrence_tally"))}
            users = dict(connection.execute(sa.text(
                "SELECT username, session_key FROM user_account")).all())
            versions = dict(connection.execute(sa.text("SELECT id, version FROM meeting")).all())
            endpoint = connection.execute(sa.text("SELECT failed_probes FROM endpoint")).scalar()
            source = connection.execute(sa.text("SELECT source FROM endpoint_check")).scalar()
            targets = {code: (measure, categories) for code, measure, categories in
                       connection.execute(sa.text(
                           "SELECT code, measure, COUNT(category) FROM target "
                           "LEFT JOIN target_category ON target_category.target_id = target.id "
                           "GROUP BY code, measure"))}
        problems, owners = _read_with_the_application()
        db.engine.dispose()

    added = {"target": 1, "target_category": len(CATEGORIES)} if not installation.has(
        "0493e27e7e94") else {}
    del after["occurrence_tally"]  # derived: compared in full below
    assert after == {name: before.get(name, 0) + added.get(name, 0) for name in after}
    assert tally == EXPECTED_TALLY
    assert len(set(users.values())) == 2 and all(len(key) == 32 for key in users.values())
    if installation.has("issue13_security"):
        assert users == {"vanphong": f"{1:032x}", "phucxa": f"{2:032x}"}
    assert versions == ({1: 1, 2: 3, 3: 2, 4: 1} if installation.has("a3c5e7f9b1d2")
                        else {1: 1, 2: 1, 3: 1, 4: 1})
    assert (endpoint, source) == ((2, "demo") if installation.has("issue16_a1") else (0, "probe"))
    assert targets == {"online_30": ("share", len(CATEGORIES)), "ward_vc": ("ward_vc", 0),
                       "paperless": ("paperless", len(CATEGORIES))}
    assert owners == {"unit": 3, "room": 1, "user": 2}
    assert problems == []


def test_an_installation_before_the_running_counts_gets_them_counted(fresh_databases):
    """Meetings booked before the reports kept running counts are counted by the migration
    after the counts' table, by the rule of that time (the paperless counts came later, and
    a later migration recounts everything where meetings are paperless)."""
    app = create_app(make_config(fresh_databases()))
    with app.app_context():
        upgrade(revision="a3c5e7f9b1d2")
        with db.engine.begin() as connection:
            Installation(connection, "a3c5e7f9b1d2").fill()
        upgrade(revision="b4d6f8a0c2e4")
        with db.engine.connect() as connection:
            tally = {(r.unit_id, r.half_month, r.category): (
                r.held, r.held_online, r.scheduled, r.scheduled_online)
                for r in connection.execute(sa.text("SELECT * FROM occurrence_tally"))}
        db.engine.dispose()
    assert tally == {key: counts[:4] for key, counts in EXPECTED_TALLY.items()}


def _read_with_the_application():
    """The application's own view of the upgraded data: its invariants, and whose calendar
    each feed link opens (the links made before the tokens were hashed keep working)."""
    from scheduler.calendar.feeds import owner_by_token
    from scheduler.meetings.integrity import problems

    found = problems()
    owners = {kind: owner_by_token(kind, token).id for kind, token in (
        ("unit", UNIT_TOKEN), ("room", ROOM_TOKEN), ("user", USER_TOKEN))}
    db.session.remove()
    return found, owners


def test_no_migration_imports_the_application():
    """A migration carries the tables and rules of its own time: the application's code moves
    on (and reads columns a later migration adds), so an import of it breaks old upgrades."""
    offenders = []
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["." * node.level + (node.module or "")]
            else:
                continue
            offenders += [f"{path.name}:{node.lineno} {name}" for name in names
                          if name.split(".")[0] in ("scheduler", "") or name == "wsgi"]
    assert offenders == []
