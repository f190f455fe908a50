"""The city's year report over one million meetings in ten thousand wards: the service the report
page and GET /api/v1/reports/targets call, against one hand-written SQL aggregation of the same
rows, in the same run.

    .venv/bin/python benchmarks/reports.py [--meetings 1000000] [--wards 10000] [--runs 7]

Builds a throw-away SQLite database in a temporary directory (or uses DATABASE_URL when it names
a *bench* database, whose tables it drops), fills it with bulk Core executemany inserts:
  - the city, ~100 districts and the wards (materialised paths); 5 % of the wards are retired
    on 30 June of the report year and 5 % are new wards directly under the city from 1 July
    (the 2025 reform's shape), each hosting meetings only on the days it existed;
  - an endpoint per ward (WAN since 2018, video conference for most) and a few dated changes;
  - the meetings over 15 months from 1 January of the report year, stored in the order they
    were booked (up to a month ahead), with realistic categories, modes and statuses: 3 % are
    weekly series of 4-12 sittings, some cancelled outright, some sittings cancelled, past ones
    mostly held (some still "scheduled": the closing job has not run), some held in another
    mode than booked, future ones scheduled or pending;
  - then ANALYZE, as autovacuum would (SQLite: the planner's statistics).
Then times, as the median of --runs runs:
  service  services.target_reports(...) for the city and the report year: all four targets
           (shares per child unit and per month, ward coverage per month), as the page uses it
  shares   the same for the two share targets only (the meetings part)
  sql      one hand-written SQL aggregation of the same rows: per target, child unit and
           month, held-online / held / planned-online / planned counts (on PostgreSQL also
           with JIT off, as the service runs; the faster of the two is the yardstick)
and checks that the service's share figures (total, per child, per month) equal the SQL's.
Goal: service < 300 ms and service <= 2 x sql.

--keep leaves the data in the DATABASE_URL database and --reuse times it again (for working
on the queries: EXPLAIN them there); --generate-only stops after loading.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from scheduler import create_app  # noqa: E402
from scheduler.auth.models import User  # noqa: E402
from scheduler.core.timeutil import LOCAL_TZ, UTC, local_midnight_utc  # noqa: E402
from scheduler.endpoints.models import Endpoint  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.meetings.models import Meeting, Occurrence  # noqa: E402
from scheduler.reports import services, tally  # noqa: E402
from scheduler.reports.models import ConnectionFactChange  # noqa: E402
from scheduler.reports.periods import calendar_period  # noqa: E402
from scheduler.reports.targets import active_targets  # noqa: E402
from scheduler.units.models import Unit  # noqa: E402

CHUNK = 50_000
CATEGORY_WEIGHTS = {"giao_ban": 35, "trien_khai": 20, "lam_viec": 15, "tap_huan": 10,
                    "so_ket": 7, "tong_ket": 3, "khac": 10}
TITLES = {"giao_ban": "Giao ban công tác tuần", "trien_khai": "Họp triển khai kế hoạch",
          "lam_viec": "Làm việc với các đơn vị", "tap_huan": "Tập huấn phần mềm",
          "so_ket": "Sơ kết 6 tháng", "tong_ket": "Tổng kết năm", "khac": "Họp khác"}


class Tree:
    def __init__(self, city_id, district_ids, ward_rows):
        self.city_id = city_id
        self.district_ids = district_ids
        self.wards = ward_rows  # (id, valid_from, valid_to)


def build_units(conn, ward_count: int, year: int) -> Tree:
    """City id 1, districts, wards; ids given here so that the paths need no round trip."""
    reform = date(year, 7, 1)
    districts = max(ward_count // 100, 1)
    rows = [dict(id=1, code="01", name="Thành phố Hà Nội", kind="city", parent_id=None,
                 path="/1/", valid_from=None, valid_to=None)]
    district_ids = list(range(2, 2 + districts))
    for i, did in enumerate(district_ids):
        rows.append(dict(id=did, code=f"{i + 1:03d}", name=f"Quận số {i + 1}", kind="district",
                         parent_id=1, path=f"/1/{did}/", valid_from=None, valid_to=None))
    wards, next_id = [], 2 + districts
    for i in range(ward_count):
        wid = next_id + i
        if i % 20 == 1:  # a ward of the reform, directly under the city from 1 July
            parent, path = 1, f"/1/{wid}/"
            valid_from, valid_to = reform, None
        else:
            parent = district_ids[i % districts]
            path = f"/1/{parent}/{wid}/"
            valid_from, valid_to = None, (reform - timedelta(days=1) if i % 20 == 0 else None)
        rows.append(dict(id=wid, code=f"{i + 1:05d}", name=f"Phường số {i + 1}", kind="ward",
                         parent_id=parent, path=path, valid_from=valid_from, valid_to=valid_to))
        wards.append((wid, valid_from, valid_to))
    conn.execute(sa.insert(Unit), rows)
    return Tree(1, district_ids, wards)


def build_endpoints(conn, tree: Tree, rnd: random.Random, year: int) -> None:
    endpoints, changes = [], []
    for n, (wid, valid_from, _valid_to) in enumerate(tree.wards):
        since = valid_from or date(2018, 1, 1) + timedelta(days=rnd.randrange(365))
        deployed = rnd.random() < 0.93
        endpoints.append(dict(id=n + 1, unit_id=wid, name=f"Điểm cầu {wid}", host="127.0.0.1",
                              port=5060, protocol="sip", active=True, wan_connected_on=since,
                              vc_deployed_on=since + timedelta(days=200) if deployed else None,
                              state="reachable" if rnd.random() < 0.9 else "unreachable"))
        if rnd.random() < 0.03:  # a dated change during the year: deployed, or the WAN lost
            day = date(year, 1, 1) + timedelta(days=rnd.randrange(300))
            if valid_from is None or day >= valid_from:
                fact, value = ("vc", True) if not deployed else ("wan", False)
                changes.append(dict(unit_id=wid, fact=fact, value=value, effective_on=day,
                                    recorded_at=datetime(year, 1, 1, tzinfo=UTC)))
    conn.execute(sa.insert(Endpoint), endpoints)
    if changes:
        conn.execute(sa.insert(ConnectionFactChange), changes)


def working_days(start: date, end: date) -> list[date]:
    days, day = [], start
    while day <= end:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def build_meetings(conn, tree: Tree, count: int, rnd: random.Random, year: int,
                   now: datetime) -> tuple[int, int]:
    days = working_days(date(year, 1, 1), date(year + 1, 3, 31))
    categories, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    hosts = [w[0] for w in tree.wards]
    lasting = [w[0] for w in tree.wards if w[1] is None and w[2] is None]
    existence = {w[0]: (w[1], w[2]) for w in tree.wards}
    # each unit leans online or in person, so that the child units' shares differ
    leaning = {u: rnd.random() for u in [1, *tree.district_ids, *hosts]}
    created = datetime(year - 1, 12, 1, tzinfo=UTC)
    meetings, occurrences, occ_id = [], [], 0

    def flush():
        if meetings:
            conn.execute(sa.insert(Meeting), meetings)
            meetings.clear()
        if occurrences:
            conn.execute(sa.insert(Occurrence), occurrences)
            occurrences.clear()

    def occ_status(start, end, meeting_status):
        if meeting_status == "cancelled" or rnd.random() < 0.03:
            return "cancelled"
        if end <= now:
            return "scheduled" if rnd.random() < 0.08 else "held"
        return "pending" if rnd.random() < 0.02 else "scheduled"

    # meetings are booked up to a month ahead, so their ids (and rows) follow their dates loosely
    booked = sorted((day - timedelta(days=rnd.randrange(30)), day)
                    for day in (rnd.choice(days) for _ in range(count)))
    for mid, (_booked_on, day) in enumerate(booked, start=1):
        series = rnd.random() < 0.03
        roll = rnd.random()
        if roll < 0.03:
            host = rnd.choice(tree.district_ids)
        elif roll < 0.04:
            host = tree.city_id
        else:
            host = rnd.choice(lasting if series else hosts)
            valid_from, valid_to = existence[host]
            if (valid_from and day < valid_from) or (valid_to and day > valid_to):
                host = rnd.choice(lasting)
        category = rnd.choices(categories, weights)[0]
        lean = leaning[host]
        mode = ("online" if rnd.random() < 0.55 else "hybrid") if rnd.random() < lean + 0.2 \
            else "in_person"
        begin = datetime.combine(day, dtime(rnd.randrange(7, 17), rnd.choice((0, 30))),
                                 LOCAL_TZ).astimezone(UTC)
        length = timedelta(minutes=rnd.choice((60, 90, 120, 180)))
        status = "cancelled" if rnd.random() < 0.04 else None
        weeks = rnd.randrange(4, 13) if series else 1
        sittings = [begin + timedelta(weeks=k) for k in range(weeks)]
        statuses = [occ_status(s, s + length, status) for s in sittings]
        if status is None:
            status = statuses[0] if statuses[0] != "cancelled" else "scheduled"
        meetings.append(dict(
            id=mid, title=f"{TITLES[category]} số {mid}", category=category, host_unit_id=host,
            chair="", start_at=begin, end_at=begin + length, mode=mode, paperless=False,
            agenda="", conclusion="", status=status,
            rrule=f"FREQ=WEEKLY;COUNT={len(sittings)}" if series else None, join_url=None,
            sequence=0, uid=f"bench-{mid}@lichhop", exdates=[], created_at=created,
            updated_at=created))
        for start, occ in zip(sittings, statuses):
            occ_id += 1
            held_mode = None
            if occ == "held" and rnd.random() < 0.1:
                held_mode = "in_person" if mode != "in_person" else "online"
            occurrences.append(dict(id=occ_id, meeting_id=mid, start_at=start,
                                    end_at=start + length, original_start=start, status=occ,
                                    held_mode=held_mode, moved=False))
        if len(occurrences) >= CHUNK:
            flush()
    flush()
    return count, occ_id


def populate(meetings: int, wards: int, year: int, now: datetime) -> None:
    rnd = random.Random(5)
    with db.engine.begin() as conn:  # one transaction: no sync per chunk
        tree = build_units(conn, wards, year)
        build_endpoints(conn, tree, rnd, year)
        began = time.perf_counter()
        _m, occurrences = build_meetings(conn, tree, meetings, rnd, year, now)
        print(f"generated {meetings:,} meetings, {occurrences:,} occurrences, "
              f"{len(tree.wards):,} wards, {len(tree.district_ids)} districts "
              f"in {time.perf_counter() - began:.0f} s")


# -- the hand-written aggregation -------------------------------------------------------------

def hand_written_sql(dialect: str) -> str:
    """The figures as one would write them by hand: each counted occurrence joined to its
    meeting, the targets counting its category and its host unit; grouped by target, the
    scope's child the host lies under (the id after the scope's on the host's path) and the
    local month."""
    if dialect == "postgresql":
        child = "CAST(NULLIF(split_part(substr(h.path, :offset), '/', 1), '') AS INTEGER)"
        month = "to_char(o.start_at AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYYY-MM')"
    else:
        rest = "substr(h.path, :offset)"
        child = f"CAST(NULLIF(substr({rest}, 1, instr({rest}, '/') - 1), '') AS INTEGER)"
        month = "strftime('%Y-%m', o.start_at, '+7 hours')"  # Hà Nội keeps no summer time
    held = "(o.status = 'held' OR (o.status = 'scheduled' AND o.end_at <= :now))"
    planned = "(o.status = 'scheduled' AND o.end_at > :now)"
    online = "COALESCE(o.held_mode, m.mode) IN ('online', 'hybrid')"
    return f"""
    SELECT tc.target_id, {child} AS child_id, {month} AS month,
           SUM(CASE WHEN {held} AND {online} THEN 1 ELSE 0 END),
           SUM(CASE WHEN {held} THEN 1 ELSE 0 END),
           SUM(CASE WHEN {planned} AND {online} THEN 1 ELSE 0 END),
           SUM(CASE WHEN {planned} THEN 1 ELSE 0 END)
    FROM occurrence o
    JOIN meeting m ON m.id = o.meeting_id
    JOIN target_category tc ON tc.category = m.category
    JOIN target t ON t.id = tc.target_id AND t.measure = 'share'
    JOIN unit h ON h.id = m.host_unit_id
    WHERE o.start_at >= :start AND o.start_at < :end
      AND o.status <> 'cancelled' AND m.status <> 'cancelled'
      AND h.path LIKE :scope_path || '%'
    GROUP BY 1, 2, 3
    """


def run_sql(scope: Unit, period, now: datetime):
    start = local_midnight_utc(period.start)
    end = local_midnight_utc(period.end + timedelta(days=1))

    def bind(value):  # SQLite stores UTC without the zone
        return value.replace(tzinfo=None) if db.engine.dialect.name == "sqlite" else value

    return db.session.execute(sa.text(hand_written_sql(db.engine.dialect.name)), {
        "now": bind(now), "start": bind(start), "end": bind(end), "scope_path": scope.path,
        "offset": len(scope.path) + 1}).all()


def compare(reports, rows) -> int:
    """The service's share figures against the SQL's; returns how many figures agreed."""
    keys = ("held_online", "held", "planned_online", "planned")
    total, child, month = defaultdict(lambda: [0] * 4), defaultdict(lambda: [0] * 4), \
        defaultdict(lambda: [0] * 4)
    for target_id, child_id, key, *counts in rows:
        for bucket in (total[target_id], child[(target_id, child_id)], month[(target_id, key)]):
            for i, value in enumerate(counts):
                bucket[i] += int(value)
    checked = 0

    def same(figure, expected, where):
        got = [figure.numerator, figure.denominator, figure.planned_numerator,
               figure.planned_denominator]
        assert got == list(expected), f"{where}: service {got} != sql {expected} ({keys})"

    for report in reports:
        if report.target.measure != "share":
            continue
        tid = report.target.id
        same(report.total, total[tid], report.target.code)
        for unit, figure in report.children:
            same(figure, child[(tid, unit.id)], f"{report.target.code} {unit.code}")
        for key, figure in report.trend:
            same(figure, month[(tid, key)], f"{report.target.code} {key}")
        checked += 1 + len(report.children) + len(report.trend)
    return checked


def median_time(func, runs: int):
    """The median of `runs` calls, each in a transaction of its own (as each request is)."""
    times, result = [], None
    for _ in range(runs):
        db.session.rollback()
        db.session.expire_all()
        began = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - began)
    db.session.rollback()
    return result, statistics.median(times)


def without_jit(func):
    """`func` in a transaction with PostgreSQL's JIT off, as the service runs its queries."""
    def run():
        db.session.execute(sa.text("SET LOCAL jit = off"))
        return func()
    return run


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--meetings", type=int, default=1_000_000)
    parser.add_argument("--wards", type=int, default=10_000)
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true",
                        help="keep the data in the DATABASE_URL database")
    parser.add_argument("--reuse", action="store_true",
                        help="time the data a --keep run left in the DATABASE_URL database")
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    workdir = tempfile.TemporaryDirectory()
    if "bench" not in url.rsplit("/", 1)[-1]:
        url = f"sqlite:///{workdir.name}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "SERVER_NAME": "localhost"})
    year = args.year
    now = datetime(year, 11, 15, 10, tzinfo=LOCAL_TZ).astimezone(UTC)
    today = date(year, 11, 15)
    with app.app_context(), app.test_request_context():
        dialect = db.engine.dialect.name
        if not args.reuse:
            db.drop_all()
            if dialect == "postgresql":
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
            db.create_all()
            populate(args.meetings, args.wards, year, now)
            city = db.session.get(Unit, 1)
            db.session.add(User(username="admin", role="admin", unit=city, full_name="Quản trị",
                                password_hash="-"))
            active_targets()  # seeds the four targets
            began = time.perf_counter()
            # the bulk inserts bypassed the ORM, which keeps the reports' running counts
            tally_rows = tally.rebuild()
            db.session.commit()
            print(f"counted {tally_rows:,} tally rows in {time.perf_counter() - began:.0f} s")
            with db.engine.begin() as conn:
                # the planner's statistics, as autovacuum (PostgreSQL) would gather them
                conn.exec_driver_sql("ANALYZE")
        if args.generate_only:
            return 0
        city = db.session.get(Unit, 1)
        admin = db.session.scalars(sa.select(User).where(User.username == "admin")).one()
        period = calendar_period("year", year)
        share_targets = [t for t in active_targets() if t.measure == "share"]

        print(f"the city's report for {year} on {dialect}, median of {args.runs} runs")
        reports, service_time = median_time(
            lambda: services.target_reports(admin, city, period, now, today), args.runs)
        _shares, shares_time = median_time(
            lambda: services.target_reports(admin, city, period, now, today, share_targets),
            args.runs)
        rows, sql_time = median_time(lambda: run_sql(city, period, now), args.runs)
        sql_times = [("(one hand-written aggregation)", sql_time)]
        if dialect == "postgresql":  # the same without JIT, which the service turns off
            _rows, nojit_time = median_time(without_jit(lambda: run_sql(city, period, now)),
                                            args.runs)
            sql_times = [("(one hand-written aggregation, JIT on)", sql_time),
                         ("(the same, JIT off)", nojit_time)]
            sql_time = min(sql_time, nojit_time)  # the yardstick: the faster of the two
        checked = compare(reports, rows)
        for report in reports:
            t = report.total
            print(f"  {report.target.code:<10} {t.numerator:>9,}/{t.denominator:<9,} "
                  f"share {t.share} % (threshold {report.threshold} %), "
                  f"{len(report.children)} child units")
        print(f"service {service_time * 1000:8.1f} ms  (all four targets)")
        print(f"shares  {shares_time * 1000:8.1f} ms  (the two share targets)")
        for label, elapsed in sql_times:
            print(f"sql     {elapsed * 1000:8.1f} ms  {label}")
        ratio = service_time / sql_time
        print(f"service/sql = {ratio:.2f}; {checked} share figures agree with the SQL")
        ok = service_time < 0.3 and ratio <= 2.0
        print("goal met" if ok else "goal NOT met (service < 300 ms and service <= 2 x sql)")
        db.session.remove()
        if not args.keep:
            db.drop_all()
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
