"""The feed and the year report on the national data set, each against a baseline doing the
same SQL, on SQLite or PostgreSQL, with every size alive and the rounds interleaved.

    .venv/bin/python benchmarks/pages.py [--sizes 10000,100000] [--rounds 30] [--divisions WHEEL]
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python benchmarks/pages.py

Each size gets its own database built by benchmarks/national.py (SQLite files in a temporary
directory, or PostgreSQL databases named after DATABASE_URL's, e.g. bench_10000), all kept
until the end. Then, round by round, each size and each of these takes one turn, in a
rotating order:
  feed 200       feeds.feed_bytes for a ward's unit feed (its four queries, the calendar)
    baseline     the same four statements replayed on the DBAPI connection, rows written by a
                 minimal iCalendar writer (UID, times, summary, status, attendees, location)
  feed 304       feeds.feed_state (what a poll with a matching ETag costs)
    baseline     its statements replayed
  year report    services.target_reports for the national root's current year (coverage
                 included), as the admin
    baseline     its statements replayed
The statements of each baseline are captured from the application's own run on that size
(SQLAlchemy's before_cursor_execute), so the ratio app / baseline is what the application
adds to its SQL. Prints medians per size, the ratios, the growth from the smallest size to the
largest, and the machine's load. Goal: the year report under 300 ms at the largest size on
PostgreSQL.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from benchmarks.national import fresh_schema, generate  # noqa: E402
from scheduler import create_app  # noqa: E402
from scheduler.auth.models import User  # noqa: E402
from scheduler.calendar import feeds  # noqa: E402
from scheduler.core.timeutil import today_local, utcnow  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.reports import services  # noqa: E402
from scheduler.reports.periods import parse_period  # noqa: E402
from scheduler.units.models import Unit  # noqa: E402

KINDS = ("feed 200", "feed 304", "year report")


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def make_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})


def size_url(url: str, size: int, workdir: str) -> str:
    if not url:
        return f"sqlite:///{workdir}/pages-{size}.db"
    name = f"{url.rsplit('/', 1)[-1]}_pages_{size}"
    admin = sa.create_engine(make_app(url).config["SQLALCHEMY_DATABASE_URI"], isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


class Capture:
    """The statements (and parameters) the block sends."""

    def __init__(self, engine):
        self.engine, self.statements = engine, []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append((statement, parameters))


def replay(engine, statements) -> list[list]:
    """The captured statements on one DBAPI connection, in one transaction; their rows."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        results = []
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            results.append(cursor.fetchall() if cursor.description else [])
        raw.rollback()
        return results
    finally:
        raw.close()


def stamp(value) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:19].replace("-", "").replace(":", "").replace(" ", "T") + "Z"


def minimal_feed(results) -> bytes:
    """VEVENTs of the feed's rows: meetings, sittings, participants, rooms (feed_meetings'
    four queries, in that order)."""
    meetings, sittings, participants, rooms = results[-4:]
    by_meeting = {}
    for row in participants:
        by_meeting.setdefault(row[0], []).append(f"ATTENDEE;CN={row[1]}:mailto:{row[2]}")
    places = {}
    for row in rooms:
        places.setdefault(row[0], []).append(row[1])
    titles = {row[0]: (row[1], row[2]) for row in meetings}
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//baseline//EN"]
    for meeting_id, start, end, _original, status in sittings:
        uid, title = titles[meeting_id]
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTART:{stamp(start)}", f"DTEND:{stamp(end)}",
                  f"SUMMARY:{title}", f"STATUS:{'CANCELLED' if status == 'cancelled' else 'CONFIRMED'}",
                  f"LOCATION:{', '.join(places.get(meeting_id, []))}",
                  *by_meeting.get(meeting_id, []), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode()


def generated_size(url: str) -> int | None:
    """How many meetings an earlier run (or benchmarks/national.py) left in the database."""
    engine = sa.create_engine(make_app(url).config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM meeting")).scalar()
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


def prepare(url: str, size: int, divisions, reuse: bool = False) -> dict:
    app = make_app(url)
    kept = reuse and generated_size(url) == size
    with app.app_context():
        if kept:
            print(f"  reusing the {size:,} meetings already in {url.rsplit('/', 1)[-1]}", flush=True)
        else:
            fresh_schema()
            generate(size, divisions)
        # the ward whose feed is read: the one taking part in most of the coming year
        ward = db.session.scalar(sa.select(Unit).join(User, User.unit_id == Unit.id)
                                 .where(User.username.like("vp\\_%", escape="\\"))
                                 .order_by(Unit.id).limit(1))
        ward_id = ward.id
        db.session.remove()
    return {"app": app, "ward_id": ward_id, "baselines": {}}


def run_app(setup: dict, kind: str):
    app = setup["app"]
    with app.app_context():
        now = utcnow()
        if kind == "year report":
            admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
            scope = Unit.by_code("VN")
            period = parse_period({"period": "year"}, today_local())
            services.target_reports(admin, scope, period, now, today_local())
        else:
            ward = db.session.get(Unit, setup["ward_id"])
            if kind == "feed 200":
                feeds.feed_bytes("unit", ward, now)
            else:
                feeds.feed_state("unit", ward, now)
        db.session.remove()


def capture_baseline(setup: dict, kind: str) -> None:
    with setup["app"].app_context():
        engine = db.engine
        with Capture(engine) as seen:
            run_app(setup, kind)
        # the signed-in admin and the scope are the request's, not the report's: kept anyway
        setup["baselines"][kind] = seen.statements
        setup["engine"] = engine


def run_baseline(setup: dict, kind: str):
    results = replay(setup["engine"], setup["baselines"][kind])
    if kind == "feed 200":
        minimal_feed(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--divisions", help="see benchmarks/national.py (e.g. 0.6.0's 10,051 wards)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a size's database when it already holds that many meetings "
                             "(PostgreSQL, or --workdir for SQLite)")
    parser.add_argument("--workdir", help="where the SQLite files live (default: a temporary "
                                          "directory, removed at the end)")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    url = os.environ.get("DATABASE_URL", "")
    if url and "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit(f"refusing {url}: the database's name must contain 'bench'")
    workdir = tempfile.TemporaryDirectory()
    files = args.workdir or workdir.name  # --workdir is kept, the temporary directory is not
    Path(files).mkdir(parents=True, exist_ok=True)
    print(f"feed and year report on {'postgresql' if url else 'sqlite'}; load {load()}", flush=True)
    setups = {}
    for size in sizes:
        print(f"{size:,} meetings", flush=True)
        setups[size] = prepare(size_url(url, size, files), size, args.divisions, args.reuse)
        for kind in KINDS:
            capture_baseline(setups[size], kind)
    turns = [(size, kind, which) for size in sizes for kind in KINDS for which in ("app", "baseline")]
    times = {turn: [] for turn in turns}
    for round_ in range(args.rounds + args.warmup):
        shift = round_ % len(turns)
        for size, kind, which in turns[shift:] + turns[:shift]:
            began = time.perf_counter()
            (run_app if which == "app" else run_baseline)(setups[size], kind)
            if round_ >= args.warmup:
                times[(size, kind, which)].append(time.perf_counter() - began)
    print(f"load after: {load()}\n")
    median = {turn: statistics.median(t) * 1000 for turn, t in times.items()}
    print(f"{'median ms':<26}" + "".join(f"{s:>12,}" for s in sizes))
    for kind in KINDS:
        for which in ("app", "baseline"):
            print(f"{kind + ' ' + which:<26}" + "".join(f"{median[(s, kind, which)]:>12.1f}" for s in sizes))
        print(f"{'  app / baseline':<26}" + "".join(
            f"{median[(s, kind, 'app')] / median[(s, kind, 'baseline')]:>11.2f}x" for s in sizes))
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        print(f"growth {small:,} -> {large:,} (app; baseline): " + ", ".join(
            f"{kind} {median[(large, kind, 'app')] / median[(small, kind, 'app')]:.2f}x; "
            f"{median[(large, kind, 'baseline')] / median[(small, kind, 'baseline')]:.2f}x"
            for kind in KINDS))
    report = median[(max(sizes), "year report", "app")]
    print(f"year report at {max(sizes):,}: {report:.0f} ms "
          + ("(goal < 300 ms met)" if report < 300 else "(goal < 300 ms NOT met)"))
    for setup in setups.values():
        with setup["app"].app_context():
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
