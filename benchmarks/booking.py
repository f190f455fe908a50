"""Booking through the API with many meetings stored: POST /api/v1/meetings of an online
meeting with 50 participating units and 2 rooms, at each size of the stored history.

    .venv/bin/python benchmarks/booking.py [--sizes 10000,1000000] [--bookings 200]

For each size, builds a throw-away SQLite database in a temporary directory (or uses
DATABASE_URL when it names a *bench* database, whose tables it drops) and fills it with bulk
Core executemany inserts:
  - the city, 20 departments, 30 districts and 750 wards (materialised paths), each with an
    office mailbox, a technical contact and a video-conference endpoint;
  - rooms: 10 at the city, 3 at each district, 2 at each department and ward;
  - `size` meetings spread over five years (two and a half back, two and a half ahead), on
    working days in six daily slots (07:30, 09:00, 10:30, 13:30, 15:00, 16:30, an hour each,
    half an hour apart so that the endpoints' connection test fits between them). In each slot
    the units are dealt into disjoint groups: a host and 0-10 participants, so that no room and
    no endpoint is double-booked. 55 % are online or hybrid (the host's and participants'
    endpoints reserved from 30 minutes before), most use one of the host's rooms, some two;
    past ones are held, future ones scheduled or pending, 4 % cancelled (their reservations
    inactive). One occurrence per meeting, and the reservations, room and participant rows.
Every size's database stays alive (SQLite files, or PostgreSQL databases named after
DATABASE_URL's, e.g. bench_10000) and the timing goes round by round: in each round every size
and every configuration books once, in a rotating order, so that growth and ratios are not
drift of this shared machine. Then times --bookings POST /api/v1/meetings through the Flask test client with a district
unit_admin's bearer token: hosted by the district, online, its 2 rooms, 50 participating units
(its wards, the departments, other districts), 12:00-13:00 on distinct coming working days —
free, but between two busy slots of every resource, so the conflict lookups read the dense part
of the indexes. Every answer must be 201. Two configurations take turns on the same database:
  booking   the default installation (no SMTP_HOST: notifications stay in the application)
  + mail    SMTP configured: the booking also queues one outbox row per participating unit
            (50; the job runner builds each invitation later)
  baseline  a hand-written transaction of the same SQL (benchmarks: baseline_booking), Core
            statements on the same engine, committed, booking a day of its own
(--without-mail leaves out the second). Prints the medians and p95 at each size side by side,
the ratio booking / baseline, and the growth of the medians from the smallest size to the
largest.

Goal on SQLite (the booking, default installation): at one million stored meetings median
< 25 ms and p95 < 60 ms, and the median grows less than 2x from ten thousand to one million.
"""
import argparse
from collections import defaultdict
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.dialects.postgresql import insert as pg_insert  # noqa: E402
from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: E402

from scheduler import create_app  # noqa: E402
from scheduler.auth import services as auth_services  # noqa: E402
from scheduler.auth.models import User  # noqa: E402
from scheduler.core.timeutil import LOCAL_TZ, UTC, today_local  # noqa: E402
from scheduler.endpoints.models import Endpoint  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.meetings.models import (Meeting, Occurrence, Reservation,  # noqa: E402
                                       meeting_participant, meeting_room)
from scheduler.meetings.rules import holiday_name  # noqa: E402
from scheduler.rooms.models import Room  # noqa: E402
from scheduler.units.models import Unit  # noqa: E402

CHUNK = 20_000
DEPARTMENTS, DISTRICTS, WARDS_PER_DISTRICT = 20, 30, 25
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
BOOKED_TITLE = "Hội nghị trực tuyến toàn quận"


class Tree:
    def __init__(self):
        self.units: list[int] = []
        self.departments: list[int] = []
        self.districts: list[int] = []
        self.wards_of: dict[int, list[int]] = {}
        self.rooms_of: dict[int, list[int]] = {}
        self.code_of: dict[int, str] = {}


def build_units(conn) -> Tree:
    """Units, one endpoint each (endpoint id = unit id), and rooms; ids given here."""
    tree = Tree()
    rows = []

    def unit(uid, code, name, kind, parent, path):
        rows.append(dict(id=uid, code=code, name=name, kind=kind, parent_id=parent, path=path,
                         valid_from=None, valid_to=None, email=f"vanthu.{code}@hanoi.gov.vn",
                         tech_name=f"Kỹ thuật {name}", tech_email=f"kythuat.{code}@hanoi.gov.vn"))
        tree.units.append(uid)
        tree.code_of[uid] = code

    unit(1, "01", "Thành phố Hà Nội", "city", None, "/1/")
    next_id = 2
    for i in range(DEPARTMENTS):
        unit(next_id, f"01-S{i + 1:02d}", f"Sở số {i + 1}", "department", 1, f"/1/{next_id}/")
        tree.departments.append(next_id)
        next_id += 1
    ward_number = 0
    for d in range(DISTRICTS):
        district = next_id
        unit(district, f"{d + 1:03d}", f"Quận số {d + 1}", "district", 1, f"/1/{district}/")
        tree.districts.append(district)
        tree.wards_of[district] = []
        next_id += 1
        for _ in range(WARDS_PER_DISTRICT):
            ward_number += 1
            unit(next_id, f"{ward_number:05d}", f"Phường số {ward_number}", "ward", district,
                 f"/1/{district}/{next_id}/")
            tree.wards_of[district].append(next_id)
            next_id += 1
    conn.execute(sa.insert(Unit), rows)
    conn.execute(sa.insert(Endpoint), [
        dict(id=uid, unit_id=uid, name=f"Điểm cầu {tree.code_of[uid]}", host="127.0.0.1", port=5060,
             protocol="sip", active=True, wan_connected_on=date(2018, 1, 1),
             vc_deployed_on=date(2019, 1, 1), state="reachable") for uid in tree.units])
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
    conn.execute(sa.insert(Room), rooms)
    return tree


def working_days(first: date, last: date) -> list[date]:
    days, day = [], first
    while day <= last:
        if day.weekday() < 5 and not holiday_name(day):
            days.append(day)
        day += timedelta(days=1)
    return days


class Batch:
    """Rows waiting for the next executemany, flushed parents first."""

    TABLES = (Meeting.__table__, Occurrence.__table__, meeting_room, meeting_participant,
              Reservation.__table__)

    def __init__(self, conn):
        self.conn = conn
        self.rows = {table: [] for table in self.TABLES}

    def add(self, table, row):
        self.rows[table].append(row)

    def flush(self):
        for table in self.TABLES:
            if self.rows[table]:
                self.conn.execute(table.insert(), self.rows[table])
                self.rows[table].clear()


def build_meetings(conn, tree: Tree, count: int, today: date, rnd: random.Random) -> dict:
    days = working_days(today - timedelta(days=SPAN_DAYS), today + timedelta(days=SPAN_DAYS))
    slots = [(day, slot) for day in days for slot in SLOTS]
    now = datetime.now(UTC)
    created = datetime.combine(today - timedelta(days=SPAN_DAYS + 30), dtime(8), LOCAL_TZ)
    batch = Batch(conn)
    totals = dict(meetings=0, reservations=0, participants=0)
    base, extra = divmod(count, len(slots))
    mid = res_id = 0
    units = list(tree.units)
    for index, (day, slot) in enumerate(slots):
        quota = base + (1 if index < extra else 0)
        if not quota:
            continue
        sizes = [1 + rnd.choice(PARTICIPANT_COUNTS) for _ in range(quota)]
        while sum(sizes) > len(units):  # a crowded slot: fewer participants
            sizes[sizes.index(max(sizes))] -= 1
            if max(sizes) == 1 and sum(sizes) > len(units):
                raise SystemExit(f"too many meetings for the slots: {count:,}")
        dealt = rnd.sample(units, sum(sizes))  # disjoint groups: no resource taken twice
        begin = datetime.combine(day, slot, LOCAL_TZ).astimezone(UTC)
        end = begin + SLOT_LENGTH
        taken = 0
        for size in sizes:
            group, taken = dealt[taken:taken + size], taken + size
            host, guests = group[0], group[1:]
            mid += 1
            category = rnd.choice(CATEGORIES)
            mode = rnd.choices(("online", "hybrid", "in_person"), (35, 20, 45))[0]
            roll = rnd.random()
            if roll < 0.04:
                status = "cancelled"
            elif end <= now:
                status = "held"
            else:
                status = "pending" if roll < 0.07 else "scheduled"
            host_rooms = tree.rooms_of[host]
            if mode == "online" and rnd.random() < 0.5:
                rooms = []
            elif len(host_rooms) > 1 and rnd.random() < 0.1:
                rooms = host_rooms[:2]
            else:
                rooms = [rnd.choice(host_rooms)]
            batch.add(Meeting.__table__, dict(
                id=mid, title=f"{TITLES[category]} số {mid}", category=category,
                host_unit_id=host, chair="Chủ tịch UBND", start_at=begin, end_at=end, mode=mode,
                paperless=False, agenda="1. Báo cáo tình hình\n2. Thảo luận\n3. Kết luận",
                conclusion="", status=status, rrule=None,
                join_url=f"https://meet.hanoi.gov.vn/bench-{mid}" if mode != "in_person" else None,
                sequence=0, uid=f"bench-{mid}@lichhop", exdates=[], created_at=created,
                updated_at=created))
            batch.add(Occurrence.__table__, dict(
                id=mid, meeting_id=mid, start_at=begin, end_at=end, original_start=begin,
                status=status, held_mode=mode if status == "held" else None, moved=False))
            for room in rooms:
                batch.add(meeting_room, dict(meeting_id=mid, room_id=room))
            for guest in guests:
                batch.add(meeting_participant, dict(meeting_id=mid, unit_id=guest))
            active = status != "cancelled"
            taken_resources = [("room", room, begin) for room in rooms]
            if mode != "in_person":
                taken_resources += [("endpoint", uid, begin - LEAD) for uid in sorted(group)]
            for kind, resource, starts in taken_resources:
                res_id += 1
                batch.add(Reservation.__table__, dict(
                    id=res_id, occurrence_id=mid, resource_kind=kind, resource_id=resource,
                    starts_at=starts, ends_at=end, active=active))
            totals["participants"] += len(guests)
        if len(batch.rows[Meeting.__table__]) >= CHUNK:
            batch.flush()
    batch.flush()
    totals.update(meetings=mid, reservations=res_id, days=len(days))
    return totals


def populate(size: int, today: date) -> Tree:
    rnd = random.Random(3)
    began = time.perf_counter()
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    with db.engine.begin() as conn:
        tree = build_units(conn)
        totals = build_meetings(conn, tree, size, today, rnd)
    # the bulk inserts bypassed the ORM, which keeps the reports' running counts (bookings
    # then add to them, as in a running system)
    from scheduler.reports import tally

    tally.rebuild()
    db.session.commit()
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")  # the planner's statistics, as in a running system
    print(f"  generated {totals['meetings']:,} meetings over {totals['days']:,} working days, "
          f"{totals['reservations']:,} reservations, {totals['participants']:,} participations, "
          f"{len(tree.units)} units in {time.perf_counter() - began:.0f} s", flush=True)
    return tree


def booking_days(today: date, count: int) -> list[date]:
    """Distinct coming working days, from next week on (inside the generated future)."""
    return working_days(today + timedelta(days=7), today + timedelta(days=SPAN_DAYS))[:count]


def booking_requests(tree: Tree, today: date, count: int, participants: int, room_count: int):
    """(district id, request body) of each booking."""
    made = []
    others = [u for u in tree.units if u != 1]
    for n, day in enumerate(booking_days(today, count)):
        district = tree.districts[n % len(tree.districts)]
        guests = tree.wards_of[district] + tree.departments
        guests += [u for u in tree.districts if u != district]
        guests += [u for u in others if u not in guests and u != district]
        start = datetime.combine(day, dtime(12, 0), LOCAL_TZ)
        made.append((district, {
            "title": f"{BOOKED_TITLE} {n + 1}", "category": "trien_khai",
            "host_unit": tree.code_of[district], "chair": "Chủ tịch UBND quận",
            "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
            "mode": "online", "paperless": True,
            "rooms": tree.rooms_of[district][:room_count],
            "participants": [tree.code_of[u] for u in guests[:participants]],
            "agenda": "1. Triển khai kế hoạch\n2. Ý kiến các đơn vị\n3. Kết luận"}))
    if len(made) < count:
        raise SystemExit(f"only {len(made)} working days ahead for {count} bookings")
    return made


def tokens_for_districts(tree: Tree) -> dict[int, str]:
    tokens = {}
    for district in tree.districts:
        user = User(username=f"qt_{tree.code_of[district]}", role="unit_admin", unit_id=district,
                    full_name="Quản trị quận", password_hash="-")
        db.session.add(user)
        db.session.flush()
        tokens[district] = auth_services.issue_token(user)[0]
    db.session.commit()
    return tokens


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def baseline_booking(engine, token: str, tree: Tree, district: int, body: dict) -> None:
    """The same booking as a hand-written transaction of the same SQL: the token and the units,
    rooms and endpoints it names read, the conflict lookup on the reservation index, the
    meeting, its sitting, participants, rooms and reservations inserted, the audit entry, the
    running counts, the invitees' notices and outbox rows and the calendar tags, committed. No
    ORM, no validation in Python, no rendering."""
    from scheduler.audit.models import AuditEntry
    from scheduler.auth.models import ApiToken
    from scheduler.reports import tally

    start = datetime.fromisoformat(body["start"]).astimezone(UTC)
    end = datetime.fromisoformat(body["end"]).astimezone(UTC)
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="immediate")
        with conn.begin():
            user_id = conn.execute(sa.select(ApiToken.user_id).where(
                ApiToken.token_hash == ApiToken.hash(token), ApiToken.revoked.is_(False))).scalar_one()
            codes = [body["host_unit"], *body["participants"]]
            units = conn.execute(sa.select(Unit.id, Unit.path, Unit.email, Unit.tech_email)
                                 .where(Unit.code.in_(codes))).all()
            unit_ids = [u.id for u in units]
            rooms = conn.execute(sa.select(Room.id, Room.unit_id, Room.requires_approval)
                                 .where(Room.id.in_(body["rooms"]))).all()
            endpoints = dict(conn.execute(
                sa.select(Endpoint.unit_id, sa.func.min(Endpoint.id))
                .where(Endpoint.unit_id.in_(unit_ids), Endpoint.active.is_(True))
                .group_by(Endpoint.unit_id)).all())
            needs = [("room", r.id, start) for r in rooms]
            needs += [("endpoint", e, start - LEAD) for e in endpoints.values()]
            for kind in ("room", "endpoint"):
                ids = [rid for k, rid, _s in needs if k == kind]
                clash = conn.execute(sa.select(Reservation.id).where(
                    Reservation.resource_kind == kind, Reservation.resource_id.in_(ids),
                    Reservation.active.is_(True), Reservation.starts_at < end,
                    Reservation.starts_at > start - LEAD - timedelta(hours=96),
                    Reservation.ends_at > start - LEAD).limit(1)).first()
                if clash is not None:
                    raise SystemExit(f"the baseline's booking clashes: {body['start']}")
            now = datetime.now(UTC)
            meeting_id = conn.execute(sa.insert(Meeting).values(
                title=body["title"], category=body["category"], host_unit_id=district,
                chair=body["chair"], start_at=start, end_at=end, mode=body["mode"],
                paperless=body["paperless"], agenda=body["agenda"], conclusion="",
                status="scheduled", sequence=0, uid=f"baseline-{now.timestamp()}-{district}@lichhop",
                join_url="https://meet.hanoi.gov.vn/baseline", exdates=[], created_by_id=user_id,
                created_at=now, updated_at=now).returning(Meeting.id)).scalar_one()
            occurrence_id = conn.execute(sa.insert(Occurrence).values(
                meeting_id=meeting_id, start_at=start, end_at=end, original_start=start,
                status="scheduled", moved=False).returning(Occurrence.id)).scalar_one()
            conn.execute(sa.insert(meeting_participant), [
                {"meeting_id": meeting_id, "unit_id": u.id} for u in units if u.id != district])
            conn.execute(sa.insert(meeting_room), [{"meeting_id": meeting_id, "room_id": r.id}
                                                   for r in rooms])
            conn.execute(sa.insert(Reservation), [
                {"occurrence_id": occurrence_id, "resource_kind": kind, "resource_id": rid,
                 "starts_at": starts, "ends_at": end, "active": True} for kind, rid, starts in needs])
            conn.execute(sa.insert(AuditEntry).values(
                at=now, user_id=user_id, unit_id=district, action="meeting.create",
                object_type="meeting", object_id=str(meeting_id), summary=body["title"],
                changes={"title": [None, body["title"]]}))
            path = next(u.path for u in units if u.id == district)
            counts: dict = defaultdict(lambda: [0] * len(tally.COUNTS))
            tally._add(counts, path, start, body["category"], body["mode"], "scheduled", 1)
            tally.apply(conn, counts)
            invite_and_tag(conn, meeting_id, district, units, body, now)


def invite_and_tag(conn, meeting_id: int, host: int, units, body: dict, now: datetime) -> None:
    """What a booking owes its invitees in the same transaction, as hand-written SQL: an in-app
    notice to each active user of the participating units, one outbox row per participating
    unit's addresses (the job runner builds and sends the messages), and a new calendar tag for
    every unit involved (the pages' cache keys)."""
    from scheduler.auth.models import User
    from scheduler.mail.models import OutgoingMail
    from scheduler.meetings.models import CalendarTag
    from scheduler.notifications.models import Notification

    guests = [u for u in units if u.id != host]
    title = f"Giấy mời họp: {body['title']}"
    users = conn.execute(sa.select(User.id, User.locale, User.email).where(
        User.unit_id.in_([u.id for u in guests]), User.active.is_(True))).all()
    if users:
        conn.execute(sa.insert(Notification), [
            {"user_id": u.id, "created_at": now, "kind": "invitation", "title": title,
             "body": body["title"], "meeting_id": meeting_id} for u in users])
    mails = [{"created_at": now, "message_id": f"<{meeting_id}.{u.id}.{now.timestamp()}@lichhop>",
              "recipients": sorted({a for a in (u.email, u.tech_email) if a}), "subject": title,
              "body_text": "", "ical_method": "REQUEST", "purpose": "invitation",
              "meeting_id": meeting_id, "status": "queued", "attempts": 0, "next_attempt_at": now,
              "render": {"kind": "invitation", "change": "created", "unit_id": u.id}}
             for u in guests if u.email or u.tech_email]
    if mails:
        conn.execute(sa.insert(OutgoingMail), mails)
    tags = [{"unit_id": unit_id, "tag": secrets.randbelow(2**62)}
            for unit_id in sorted({host, *(u.id for u in guests)})]
    insert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(CalendarTag)
    conn.execute(insert.on_conflict_do_update(index_elements=[CalendarTag.unit_id],
                                              set_={"tag": insert.excluded.tag}), tags)


CONFIGURATIONS = ("booking", "+ mail", "baseline")


def time_rounds(sizes, setups, args) -> dict:
    """Seconds per booking of each (size, configuration), round by round: in each round every
    size and configuration books once, in a rotating order, so that all meet the same machine."""
    times = {(size, which): [] for size in sizes for which in CONFIGURATIONS}
    order = [(size, which) for size in sizes for which in CONFIGURATIONS
             if which != "+ mail" or not args.without_mail]
    for round_ in range(args.bookings + args.warmup):
        rotated = order[round_ % len(order):] + order[:round_ % len(order)]
        for size, which in rotated:
            setup = setups[size]
            district, body = setup["requests"][which].pop()
            token = setup["tokens"][district]
            began = time.perf_counter()
            if which == "baseline":
                baseline_booking(setup["engine"], token, setup["tree"], district, body)
            else:
                response = setup["clients"][which].post(
                    "/api/v1/meetings", json=body, headers={"Authorization": f"Bearer {token}"})
                if response.status_code != 201:
                    raise SystemExit(f"{which} at {size:,} answered {response.status_code}: "
                                     f"{response.get_data(as_text=True)[:500]}")
            if round_ >= args.warmup:
                times[(size, which)].append(time.perf_counter() - began)
    return times


def make_app(url: str, smtp: bool):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "SERVER_NAME": "localhost", "SMTP_HOST": "smtp.invalid" if smtp else None})


def size_url(url: str, size: int, workdir: str) -> str:
    """Each size's own database, all alive at once: a SQLite file, or a PostgreSQL database
    named after the given one (created when missing)."""
    if not url:
        return f"sqlite:///{workdir}/bench-{size}.db"
    name = f"{url.rsplit('/', 1)[-1]}_{size}"
    admin = sa.create_engine(make_app(url, False).config["SQLALCHEMY_DATABASE_URI"],
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def prepare(url: str, size: int, args, today: date) -> dict:
    """Generate one size's database; its apps, a raw engine, tokens and the bookings of each
    configuration (distinct coming days, none shared between configurations)."""
    from benchmarks.national import advance_sequences, fresh_schema

    apps = {"booking": make_app(url, smtp=False), "+ mail": make_app(url, smtp=True)}
    with apps["booking"].app_context():
        fresh_schema()
        tree = populate(size, today)
        with db.engine.begin() as conn:
            advance_sequences(conn)  # the generator wrote explicit ids
        tokens = tokens_for_districts(tree)
        per = args.bookings + args.warmup
        made = booking_requests(tree, today, per * len(CONFIGURATIONS), args.participants, args.rooms)
        db.session.remove()
        db.engine.dispose()
    requests = {which: made[i::len(CONFIGURATIONS)][::-1] for i, which in enumerate(CONFIGURATIONS)}
    return {"apps": apps, "clients": {w: a.test_client() for w, a in apps.items()}, "tree": tree,
            "tokens": tokens, "requests": requests, "engine": None}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000",
                        help="stored meetings, comma-separated (e.g. 10000,100000 for a quick run)")
    parser.add_argument("--bookings", type=int, default=200, help="timed bookings per size and configuration")
    parser.add_argument("--warmup", type=int, default=10, help="untimed rounds first")
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--rooms", type=int, default=2)
    parser.add_argument("--without-mail", action="store_true",
                        help="leave out the configuration with SMTP (invitations queued)")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    url = os.environ.get("DATABASE_URL", "")
    if url and "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit(f"refusing {url}: the database's name must contain 'bench'")
    workdir = tempfile.TemporaryDirectory()
    dialect = "postgresql" if url else "sqlite"
    today = today_local()
    print(f"POST /api/v1/meetings: online, {args.participants} participants, {args.rooms} rooms, "
          f"{args.bookings} timed bookings per size and configuration, on {dialect}; "
          f"load {Path('/proc/loadavg').read_text().split()[:3]}", flush=True)
    setups = {}
    for size in sizes:
        print(f"{size:,} stored meetings", flush=True)
        setups[size] = prepare(size_url(url, size, workdir.name), size, args, today)
    for setup in setups.values():  # the baseline's own engine, as tuned as the app's
        with setup["apps"]["booking"].app_context():
            setup["engine"] = db.engine
    times = time_rounds(sizes, setups, args)
    print(f"load after: {Path('/proc/loadavg').read_text().split()[:3]}")
    print()
    print(f"{'stored meetings':<34}" + "".join(f"{s:>14,}" for s in sizes))
    medians = {key: statistics.median(t) * 1000 for key, t in times.items() if t}
    for which in CONFIGURATIONS:
        if (sizes[0], which) not in medians:
            continue
        print(which)
        print(f"{'  median (ms)':<34}" + "".join(f"{medians[(s, which)]:>14.1f}" for s in sizes))
        print(f"{'  p95 (ms)':<34}" + "".join(
            f"{percentile(times[(s, which)], 0.95) * 1000:>14.1f}" for s in sizes))
    print(f"{'booking / baseline (medians)':<34}" + "".join(
        f"{medians[(s, 'booking')] / medians[(s, 'baseline')]:>13.2f}x" for s in sizes))
    if (sizes[0], "+ mail") in medians:
        print(f"{'+ mail / booking (medians)':<34}" + "".join(
            f"{medians[(s, '+ mail')] / medians[(s, 'booking')]:>13.2f}x" for s in sizes))
    smallest, largest = min(sizes), max(sizes)
    if largest != smallest:
        print(f"median growth {smallest:,} -> {largest:,} (all sizes alive, rounds interleaved): "
              + ", ".join(f"{medians[(largest, w)] / medians[(smallest, w)]:.2f}x ({w})"
                          for w in CONFIGURATIONS if (largest, w) in medians))
    for setup in setups.values():
        for app in setup["apps"].values():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
