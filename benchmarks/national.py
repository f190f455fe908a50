"""The national data set the benchmarks share: every province, district and ward of the
`vietnam-provinces` package, their rooms and endpoints, and a history of meetings shared
among the units, written with bulk Core inserts into SQLite or PostgreSQL.

    .venv/bin/python benchmarks/national.py --meetings 10000 --url sqlite:////tmp/bench.db
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python benchmarks/national.py

(`pip install '.[bench]'` brings the package.) The installed release carries the 2025 list (34
provinces and 3,321 communes and wards, two levels); `--divisions` reads another release's
`nested-divisions.json` (or its wheel), e.g. 0.6.0's three levels: 63 provinces, 696 districts,
10,051 wards (`pip download --no-deps vietnam-provinces==0.6.0 -d /tmp/vp06`).

The tree: one national root (kind city, code VN) with 20 departments; below it each province
(kind district), below a province its districts (kind district, with the three-level data)
and the wards. Every unit has an office mailbox, a technical contact and a video-conference
endpoint on 127.0.0.0/8 (the probe job may reach them: nothing leaves the machine); rooms: 10
at the root, 3 at each province or district, 2 at each department and ward. A third of the
wards have a recorded history of their WAN and video-conference facts.

Meetings spread over five years (two and a half back, two and a half ahead) on working days in
six daily slots; in each slot the units are dealt into disjoint groups (a host and 0-10
participants, mostly of the host's own province), so no room or endpoint is double-booked.
55 % are online or hybrid, past ones held, 4 % cancelled; one in twenty is a weekly series of
four to eight in-person sittings without a room. Explicit ids are written, then the sequences
are moved past them (PostgreSQL), the reports' running counts rebuilt and ANALYZE run.
"""
import argparse
import io
import json
import os
import random
import sys
import time
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from scheduler.auth.models import User  # noqa: E402
from scheduler.calendar.feeds import hash_token  # noqa: E402
from scheduler.core.timeutil import LOCAL_TZ, UTC, today_local  # noqa: E402
from scheduler.endpoints.models import Endpoint  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.meetings.models import (Meeting, Occurrence, Reservation,  # noqa: E402
                                       meeting_participant, meeting_room)
from scheduler.meetings.rules import holiday_name  # noqa: E402
from scheduler.rooms.models import Room  # noqa: E402
from scheduler.units.models import Unit  # noqa: E402

CHUNK = 20_000
DEPARTMENTS = 20
SLOTS = (dtime(7, 30), dtime(9, 0), dtime(10, 30), dtime(13, 30), dtime(15, 0), dtime(16, 30))
SLOT_LENGTH = timedelta(hours=1)
LEAD = timedelta(minutes=30)
SPAN_DAYS = 913  # two and a half years each way
PARTICIPANT_COUNTS = (0, 0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 6, 6, 10, 10)
CATEGORIES = ("giao_ban", "giao_ban", "giao_ban", "trien_khai", "trien_khai", "lam_viec",
              "lam_viec", "tap_huan", "so_ket", "tong_ket", "khac")
TITLES = {"giao_ban": "Giao ban công tác tuần", "trien_khai": "Họp triển khai kế hoạch",
          "lam_viec": "Làm việc với các đơn vị", "tap_huan": "Tập huấn phần mềm",
          "so_ket": "Sơ kết 6 tháng", "tong_ket": "Tổng kết năm", "khac": "Họp khác"}
PASSWORD = "matkhau123"
SERIAL_TABLES = ("unit", "endpoint", "room", "meeting", "occurrence", "reservation", "user_account",
                 "connection_fact_change")


@dataclass
class Tree:
    units: list[int] = field(default_factory=list)
    departments: list[int] = field(default_factory=list)
    districts: list[int] = field(default_factory=list)  # provinces and districts
    wards: list[int] = field(default_factory=list)
    wards_of: dict[int, list[int]] = field(default_factory=dict)  # district -> its wards
    province_of: dict[int, int] = field(default_factory=dict)  # unit -> its province
    rooms_of: dict[int, list[int]] = field(default_factory=dict)
    code_of: dict[int, str] = field(default_factory=dict)
    kind_of: dict[int, str] = field(default_factory=dict)


def load_divisions(path: str | None) -> list[dict]:
    """Provinces with `districts` (three levels) or `wards` (the 2025 two levels)."""
    if path is None:
        import vietnam_provinces

        return json.loads(Path(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH).read_text("utf-8"))
    if path.endswith(".whl"):
        with zipfile.ZipFile(path) as wheel:
            return json.loads(wheel.read("vietnam_provinces/data/nested-divisions.json"))
    return json.loads(Path(path).read_text("utf-8"))


def build_units(conn, divisions: list[dict]) -> Tree:
    tree, rows = Tree(), []

    def unit(uid, code, name, kind, parent, path, province):
        rows.append(dict(id=uid, code=code, name=name, kind=kind, parent_id=parent, path=path,
                         valid_from=None, valid_to=None, email=f"vanthu.{code}@lichhop.gov.vn",
                         tech_name=f"Kỹ thuật {name}", tech_email=f"kythuat.{code}@lichhop.gov.vn"))
        tree.units.append(uid)
        tree.code_of[uid], tree.kind_of[uid], tree.province_of[uid] = code, kind, province

    unit(1, "VN", "Cả nước", "city", None, "/1/", 1)
    next_id = 2
    for i in range(DEPARTMENTS):
        unit(next_id, f"VN-B{i + 1:02d}", f"Bộ, ngành số {i + 1}", "department", 1, f"/1/{next_id}/", 1)
        tree.departments.append(next_id)
        next_id += 1
    for province in divisions:
        pid = next_id
        next_id += 1
        unit(pid, f"P{province['code']:02d}", province["name"], "district", 1, f"/1/{pid}/", pid)
        tree.districts.append(pid)
        tree.wards_of[pid] = []
        groups = [(pid, f"/1/{pid}/", province.get("wards", []))]
        for district in province.get("districts", []):
            did = next_id
            next_id += 1
            unit(did, f"D{district['code']:03d}", district["name"], "district", pid,
                 f"/1/{pid}/{did}/", pid)
            tree.districts.append(did)
            tree.wards_of[did] = []
            groups.append((did, f"/1/{pid}/{did}/", district.get("wards", [])))
        for parent, path, wards in groups:
            for ward in wards:
                wid = next_id
                next_id += 1
                unit(wid, f"{ward['code']:05d}", ward["name"], "ward", parent, f"{path}{wid}/", pid)
                tree.wards.append(wid)
                tree.wards_of[parent].append(wid)
    for start in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(Unit), rows[start:start + CHUNK])
    endpoints = [dict(id=uid, unit_id=uid, name=f"Điểm cầu {tree.code_of[uid]}",
                      host=f"127.{uid // 65536 % 256}.{uid // 256 % 256}.{uid % 256 or 1}",
                      port=5060, protocol="sip", active=True, wan_connected_on=date(2018, 1, 1),
                      vc_deployed_on=date(2019, 1, 1) if uid % 17 else None, state="reachable")
                 for uid in tree.units]
    for start in range(0, len(endpoints), CHUNK):
        conn.execute(sa.insert(Endpoint), endpoints[start:start + CHUNK])
    rooms, room_id = [], 0
    for row in rows:
        per_unit = {"city": 10, "district": 3}.get(row["kind"], 2)
        tree.rooms_of[row["id"]] = []
        for n in range(per_unit):
            room_id += 1
            rooms.append(dict(id=room_id, unit_id=row["id"], name=f"Phòng họp {n + 1}",
                              capacity=40, paperless=n == 0, has_endpoint=True,
                              requires_approval=False, active=True))
            tree.rooms_of[row["id"]].append(room_id)
    for start in range(0, len(rooms), CHUNK):
        conn.execute(sa.insert(Room), rooms[start:start + CHUNK])
    build_fact_history(conn, tree)
    return tree


def build_fact_history(conn, tree: Tree) -> None:
    """A recorded history for a third of the wards: the WAN and the video conference in place
    from a day of 2018-2020, some lost for a while and restored (as offices record them)."""
    from scheduler.reports.models import ConnectionFactChange

    rnd, rows = random.Random(5), []
    for ward in tree.wards[::3]:
        for fact in ("wan", "vc"):
            day = date(2018, 1, 1) + timedelta(days=rnd.randint(0, 1000))
            rows.append(dict(unit_id=ward, fact=fact, value=True, effective_on=day))
            if rnd.random() < 0.3:
                lost = day + timedelta(days=rnd.randint(100, 1500))
                rows.append(dict(unit_id=ward, fact=fact, value=False, effective_on=lost))
                rows.append(dict(unit_id=ward, fact=fact, value=True,
                                 effective_on=lost + timedelta(days=rnd.randint(10, 200))))
    for start in range(0, len(rows), CHUNK):
        conn.execute(sa.insert(ConnectionFactChange), rows[start:start + CHUNK])


def working_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5 and not holiday_name(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def _copy_text(value) -> str:
    """A value in COPY's text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, list):
        value = json.dumps(value)
    return (str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
            .replace("\r", "\\r"))


def copy_rows(conn, table, rows: list[dict]) -> None:
    """The rows by COPY FROM STDIN: a tenth of the time of a batched INSERT on PostgreSQL."""
    columns = list(rows[0])
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_text(row[c]) for c in columns))
        buffer.write("\n")
    names = ", ".join(f'"{c}"' for c in columns)
    statement = f'COPY "{table.name}" ({names}) FROM STDIN'
    cursor = conn.connection.cursor()
    if conn.dialect.driver == "psycopg":
        with cursor.copy(statement) as copy:
            copy.write(buffer.getvalue())
    else:  # psycopg2
        buffer.seek(0)
        cursor.copy_expert(statement, buffer)
    cursor.close()


class Batch:
    """Rows waiting for the next executemany (COPY on PostgreSQL), flushed parents first."""

    TABLES = (Meeting.__table__, Occurrence.__table__, meeting_room, meeting_participant,
              Reservation.__table__)

    def __init__(self, conn):
        self.conn = conn
        self.rows = {table: [] for table in self.TABLES}
        self.copy = conn.dialect.name == "postgresql" and conn.dialect.driver in ("psycopg", "psycopg2")

    def add(self, table, row):
        self.rows[table].append(row)

    def flush(self):
        for table in self.TABLES:
            if self.rows[table]:
                if self.copy:
                    copy_rows(self.conn, table, self.rows[table])
                else:
                    self.conn.execute(table.insert(), self.rows[table])
                self.rows[table].clear()


class IndexesAside:
    """PostgreSQL: the meeting tables' secondary indexes, foreign keys, unique and exclusion
    constraints dropped for the bulk load and built again after it from their own definitions
    (one sorted build each instead of millions of insertions: the GiST exclusion constraint
    alone made the load several times slower). SQLite: their explicit indexes and the
    overlap triggers, likewise."""

    def __init__(self, conn, tables):
        self.conn, self.tables, self.constraints, self.indexes = conn, tables, [], []

    def __enter__(self):
        names = [t.name for t in self.tables]
        if self.conn.dialect.name == "sqlite":
            # SQLite: the explicit indexes (a UNIQUE constraint's own index cannot be dropped)
            # and the triggers standing in for the exclusion constraint (without the index
            # each insertion would scan every reservation)
            self.indexes = self.conn.execute(sa.text(
                "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') "
                "AND sql IS NOT NULL AND tbl_name IN :names")
                .bindparams(sa.bindparam("names", expanding=True)), {"names": names}).all()
            for kind, name, _definition in self.indexes:
                self.conn.exec_driver_sql(f'DROP {kind.upper()} "{name}"')
            return self
        if self.conn.dialect.name != "postgresql":
            return self
        self.constraints = self.conn.execute(sa.text(
            "SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid), c.contype "
            "FROM pg_constraint c WHERE c.conrelid::regclass::text = ANY(:names) "
            "AND c.contype IN ('f', 'u', 'x') ORDER BY c.contype = 'f'"), {"names": names}).all()
        self.indexes = self.conn.execute(sa.text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid::regclass::text = ANY(:names) AND NOT i.indisprimary AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"),
            {"names": names}).all()
        for table, name, _definition, _kind in reversed(self.constraints):
            self.conn.exec_driver_sql(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _definition in self.indexes:
            self.conn.exec_driver_sql(f"DROP INDEX {name}")
        return self

    def __exit__(self, kind, *_exc):
        if kind is not None:
            return
        if self.conn.dialect.name == "sqlite":
            for _kind, _name, definition in self.indexes:
                self.conn.exec_driver_sql(definition)
            return
        if self.conn.dialect.name != "postgresql":
            return
        self.conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '1GB'")
        for _name, definition in self.indexes:
            self.conn.exec_driver_sql(definition)
        for table, name, definition, _kind in self.constraints:
            self.conn.exec_driver_sql(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')


def _deal(tree: Tree, sizes: list[int], rnd: random.Random) -> list[list[int]]:
    """Disjoint groups of units, each mostly of its host's province."""
    free = set(tree.units)
    groups = []
    for size in sizes:
        host = rnd.choice(tuple(free)) if len(free) < 64 else _pick(tree.units, free, rnd)
        free.discard(host)
        group = [host]
        province = tree.province_of[host]
        near = [u for u in (tree.wards_of.get(province, []) + tree.wards_of.get(host, []))
                if u in free]
        while len(group) < size and free:
            pool = near if near and rnd.random() < 0.8 else None
            guest = rnd.choice(pool) if pool else _pick(tree.units, free, rnd)
            if guest in free:
                free.discard(guest)
                group.append(guest)
            if pool and guest in pool:
                pool.remove(guest)
        groups.append(group)
    return groups


def _pick(units: list[int], free: set[int], rnd: random.Random) -> int:
    while True:
        unit = rnd.choice(units)
        if unit in free:
            return unit


def build_meetings(conn, tree: Tree, count: int, today: date, rnd: random.Random) -> dict:
    days = working_days(today - timedelta(days=SPAN_DAYS), today + timedelta(days=SPAN_DAYS))
    slots = [(day, slot) for day in days for slot in SLOTS]
    now = datetime.now(UTC)
    created = datetime.combine(today - timedelta(days=SPAN_DAYS + 30), dtime(8), LOCAL_TZ)
    batch = Batch(conn)
    totals = dict(meetings=0, occurrences=0, reservations=0, participants=0, series=0)
    base, extra = divmod(count, len(slots))
    mid = occ_id = res_id = 0
    for index, (day, slot) in enumerate(slots):
        quota = base + (1 if index < extra else 0)
        if not quota:
            continue
        sizes = [1 + rnd.choice(PARTICIPANT_COUNTS) for _ in range(quota)]
        while sum(sizes) > len(tree.units):
            sizes[sizes.index(max(sizes))] -= 1
            if max(sizes) == 1 and sum(sizes) > len(tree.units):
                raise SystemExit(f"too many meetings for the slots: {count:,}")
        begin = datetime.combine(day, slot, LOCAL_TZ).astimezone(UTC)
        end = begin + SLOT_LENGTH
        for group in _deal(tree, sizes, rnd):
            host, guests = group[0], group[1:]
            mid += 1
            category = rnd.choice(CATEGORIES)
            series = rnd.random() < 0.05
            mode = "in_person" if series else rnd.choices(("online", "hybrid", "in_person"), (35, 20, 45))[0]
            roll = rnd.random()
            sittings = [begin + timedelta(weeks=w) for w in range(rnd.randint(4, 8) if series else 1)]
            if roll < 0.04:
                status = "cancelled"
            elif sittings[-1] + SLOT_LENGTH <= now:
                status = "held"
            else:
                status = "scheduled"
            host_rooms = tree.rooms_of[host]
            if series or (mode == "online" and rnd.random() < 0.5):
                rooms = []
            elif len(host_rooms) > 1 and rnd.random() < 0.1:
                rooms = host_rooms[:2]
            else:
                rooms = [rnd.choice(host_rooms)]
            batch.add(Meeting.__table__, dict(
                id=mid, title=f"{TITLES[category]} số {mid}", category=category,
                host_unit_id=host, chair="Chủ tịch UBND", start_at=begin, end_at=end, mode=mode,
                paperless=False, agenda="1. Báo cáo tình hình\n2. Thảo luận\n3. Kết luận",
                conclusion="", status=status,
                rrule=f"FREQ=WEEKLY;COUNT={len(sittings)}" if series else None,
                join_url=f"https://meet.lichhop.gov.vn/bench-{mid}" if mode != "in_person" else None,
                sequence=0, uid=f"bench-{mid}@lichhop", exdates=[], created_at=created,
                updated_at=created))
            for sitting in sittings:
                occ_id += 1
                occ_status = status if status == "cancelled" else (
                    "held" if sitting + SLOT_LENGTH <= now else "scheduled")
                batch.add(Occurrence.__table__, dict(
                    id=occ_id, meeting_id=mid, start_at=sitting, end_at=sitting + SLOT_LENGTH,
                    original_start=sitting, status=occ_status,
                    held_mode=mode if occ_status == "held" else None, moved=False))
            for room in rooms:
                batch.add(meeting_room, dict(meeting_id=mid, room_id=room))
            for guest in guests:
                batch.add(meeting_participant, dict(meeting_id=mid, unit_id=guest))
            taken = [("room", room, begin) for room in rooms]
            if mode != "in_person":
                taken += [("endpoint", uid, begin - LEAD) for uid in sorted(group)]
            for kind, resource, starts in taken:
                res_id += 1
                batch.add(Reservation.__table__, dict(
                    id=res_id, occurrence_id=occ_id, resource_kind=kind, resource_id=resource,
                    starts_at=starts, ends_at=end, active=status != "cancelled"))
            totals["participants"] += len(guests)
            totals["series"] += series
        if len(batch.rows[Meeting.__table__]) >= CHUNK:
            batch.flush()
    batch.flush()
    totals.update(meetings=mid, occurrences=occ_id, reservations=res_id, days=len(days))
    return totals


def build_users(conn, tree: Tree) -> None:
    """admin; a unit_admin per province (qt_<code>, lower case as sign-in folds it); staff of
    every 20th ward (vp_<code>); the
    feed tokens of those wards (feed-<code>). Password: matkhau123."""
    from werkzeug.security import generate_password_hash

    digest = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
    users = [dict(id=1, username="admin", role="admin", unit_id=1, full_name="Quản trị",
                  password_hash=digest, active=True, locale="vi")]
    for uid in tree.districts:
        if tree.province_of[uid] == uid:
            users.append(dict(id=len(users) + 1, username=f"qt_{tree.code_of[uid].lower()}", role="unit_admin",
                              unit_id=uid, full_name="Quản trị tỉnh", password_hash=digest,
                              active=True, locale="vi"))
    staffed = tree.wards[::20]
    for uid in staffed:
        users.append(dict(id=len(users) + 1, username=f"vp_{tree.code_of[uid].lower()}", role="staff",
                          unit_id=uid, full_name="Văn phòng", password_hash=digest, active=True,
                          locale="vi"))
    conn.execute(sa.insert(User), users)
    conn.execute(sa.update(Unit).where(Unit.id == sa.bindparam("uid")).values(
        feed_token=sa.bindparam("token")),
        # the database keeps a feed token's SHA-256 (calendar/feeds.py): the URL carries the token
        [{"uid": uid, "token": hash_token(f"feed-{tree.code_of[uid]}")} for uid in staffed])


def advance_sequences(conn) -> None:
    """Explicit ids do not move PostgreSQL's sequences: the next booking would collide."""
    if conn.dialect.name != "postgresql":
        return
    for table in SERIAL_TABLES:
        conn.exec_driver_sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)")


def generate(meetings: int, divisions: str | None = None, today: date | None = None,
             seed: int = 3, quiet: bool = False) -> Tree:
    """Fill the current app's database (its tables must exist and be empty)."""
    today = today or today_local()
    rnd = random.Random(seed)
    began = time.perf_counter()
    with db.engine.begin() as conn:
        tree = build_units(conn, load_divisions(divisions))
        with IndexesAside(conn, Batch.TABLES):
            totals = build_meetings(conn, tree, meetings, today, rnd)
        build_users(conn, tree)
        advance_sequences(conn)
    from scheduler.reports import tally
    from scheduler.reports.targets import ensure_default_targets

    tally.rebuild()
    ensure_default_targets()
    db.session.commit()
    db.session.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    if not quiet:
        print(f"  {len(tree.units):,} units ({len(tree.wards):,} wards), {totals['meetings']:,} "
              f"meetings ({totals['series']:,} series), {totals['occurrences']:,} sittings, "
              f"{totals['reservations']:,} reservations, {totals['participants']:,} "
              f"participations in {time.perf_counter() - began:.0f} s", flush=True)
    return tree


def fresh_schema() -> None:
    """Drop and recreate every table of the current app's database."""
    db.session.remove()
    db.engine.dispose()  # no connection may hold a lock while the tables go
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
    else:
        db.drop_all()
    db.create_all()


def bench_url(url: str) -> str:
    """Refuse any database whose name does not say it is a benchmark's (its tables go)."""
    name = url.rsplit("/", 1)[-1]
    if "bench" not in name:
        raise SystemExit(f"refusing to replace the tables of {url}: its name must contain 'bench'")
    return url


def main() -> int:
    from scheduler import create_app

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meetings", type=int, default=10_000)
    parser.add_argument("--divisions", help="another release's nested-divisions.json or wheel")
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"),
                        help="database (name containing 'bench'); default DATABASE_URL")
    args = parser.parse_args()
    if not args.url:
        raise SystemExit("give --url or DATABASE_URL")
    app = create_app({"SQLALCHEMY_DATABASE_URI": bench_url(args.url), "SECRET_KEY": "bench"})
    with app.app_context():
        fresh_schema()
        generate(args.meetings, args.divisions)
    return 0


if __name__ == "__main__":
    sys.exit(main())
