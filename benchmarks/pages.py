"""The feed and the year report on the national data set, through the application's own
request path, each beside its baselines, on SQLite or PostgreSQL.

    .venv/bin/python benchmarks/pages.py [--sizes 10000] [--trials 5] [--requests 60] [--rounds 20]
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python benchmarks/pages.py

Each size gets its own database built by benchmarks/national.py (SQLite files bench-<size>.db
in --workdir or a temporary directory; PostgreSQL databases named after DATABASE_URL's, e.g.
bench_10000). Every request goes through Flask's test client, so it runs as the server runs
it: read-only requests in one snapshot transaction ending with COMMIT, on the engine's pooled
connection, which lives from request to request (psycopg's prepared statements and their
plans persist, as SQLite's statement cache does).

The feed: the busiest ward with a feed token (by an actual count of its sittings in the feed's
window). Each trial disposes of the engine (a new connection), then sends --requests rounds;
in each round, in a rotating order:
  feed 200       GET /calendar/unit/<token>.ics
  feed 304       the same with the ETag (what a poll costs; its statements are the ETag's)
  feed SQL       the feed request's own statements, captured from the app's run, replayed on
                 the same pooled DBAPI connection in one transaction ending with COMMIT, rows
                 written by a minimal iCalendar writer
Prints the medians of requests 1-10 (a connection's first) and of requests 20-60 (its steady
state: prepared statements, plans) apart, over all trials, and their ratios.

The year report of the national root, as the admin, then --rounds interleaved rounds of:
  report page    GET /reports?unit=VN&period=year (session cookie)
  report API     GET /api/v1/reports/targets?unit=VN&period=year (bearer token)
each beside the replay of its own statements. Goals (issue 25, at 1 M on PostgreSQL): the
feed's steady state <= 1.5x its first requests and <= 50 ms; the report page <= 1.5x its SQL.
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

from benchmarks.national import PASSWORD, fresh_schema, generate, load_divisions  # noqa: E402
from scheduler import create_app  # noqa: E402
from scheduler.auth.models import User  # noqa: E402
from scheduler.calendar import feeds  # noqa: E402
from scheduler.core.timeutil import utcnow  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.meetings.models import Meeting, Occurrence, meeting_participant  # noqa: E402
from scheduler.units.models import Unit  # noqa: E402

FEED_KINDS = ("feed 200", "feed 304", "feed SQL")
REPORT_KINDS = ("report page", "report page SQL", "report API", "report API SQL")
REPORT_QUERY = "unit=VN&period=year"
FIRST, STEADY = (1, 10), (20, 60)  # request numbers (1-based, inclusive) of each phase


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def make_app(url: str):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                       "WTF_CSRF_ENABLED": False})


def size_url(url: str, size: int, workdir: str) -> str:
    """Each size's database: a SQLite file, or a PostgreSQL database named after the given one
    (created when missing), as benchmarks/booking.py names them."""
    if not url:
        return f"sqlite:///{workdir}/bench-{size}.db"
    name = f"{url.rsplit('/', 1)[-1]}_{size}"
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
    """The captured statements on the pool's DBAPI connection (the one the requests use), in
    one transaction ending with COMMIT as the app's read-only requests do; their rows."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        results = []
        for statement, parameters in statements:
            cursor.execute(statement, parameters)
            results.append(cursor.fetchall() if cursor.description else [])
        raw.commit()
        return results
    finally:
        raw.close()


def stamp(value) -> str:
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return text[:19].replace("-", "").replace(":", "").replace(" ", "T") + "Z"


FEED_ROWS = ("SELECT meeting.id, meeting.uid", "SELECT occurrence.meeting_id",
             "SELECT meeting_participant.meeting_id", "SELECT meeting_room.meeting_id")


def feed_rows(statements, results) -> list[list]:
    """The rows of feed_meetings' queries of meetings, sittings, participants and rooms."""
    found = {}
    for (statement, _parameters), rows in zip(statements, results):
        for prefix in FEED_ROWS:
            if " ".join(statement.split()).startswith(prefix):
                found[prefix] = rows
    return [found[prefix] for prefix in FEED_ROWS]


def minimal_feed(statements, results) -> bytes:
    """VEVENTs of the feed's rows: UID, times, summary, status, location, attendees."""
    meetings, sittings, participants, rooms = feed_rows(statements, results)
    by_meeting = {}
    for row in participants:
        by_meeting.setdefault(row[0], []).append(f"ATTENDEE;CN={row[1]}:mailto:{row[2]}")
    places = {}
    for row in rooms:
        places.setdefault(row[0], []).append(row[1])
    titles = {row[0]: (row[1], row[2]) for row in meetings}
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//baseline//EN"]
    for meeting_id, start, end, _original, status in (row[:5] for row in sittings):
        uid, title = titles[meeting_id]
        lines += ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTART:{stamp(start)}", f"DTEND:{stamp(end)}",
                  f"SUMMARY:{title}", f"STATUS:{'CANCELLED' if status == 'cancelled' else 'CONFIRMED'}",
                  f"LOCATION:{', '.join(places.get(meeting_id, []))}",
                  *by_meeting.get(meeting_id, []), "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "\r\n".join(lines).encode()


def generated_size(url: str) -> tuple[int, int] | None:
    """(meetings, wards) an earlier run (or benchmarks/national.py) left in the database."""
    engine = sa.create_engine(make_app(url).config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return (conn.execute(sa.text("SELECT count(*) FROM meeting")).scalar(),
                    conn.execute(sa.text("SELECT count(*) FROM unit WHERE kind = 'ward'")).scalar())
    except sa.exc.DBAPIError:
        return None
    finally:
        engine.dispose()


def ward_count(divisions) -> int:
    """The wards national.py builds from these divisions (the 2025 two levels or three)."""
    return sum(len(province.get("wards", [])) + sum(len(district.get("wards", []))
                                                     for district in province.get("districts", []))
               for province in load_divisions(divisions))


def busiest_feed_ward() -> tuple[str, int]:
    """The ward with a feed token (its staff vp_<code>) taking part in most sittings of the
    feed's window, and that count."""
    start, end = feeds.window(utcnow())
    taking_part = sa.union_all(
        sa.select(Meeting.id.label("meeting_id"), Meeting.host_unit_id.label("unit_id")),
        sa.select(meeting_participant.c.meeting_id, meeting_participant.c.unit_id)).subquery()
    count = sa.func.count(Occurrence.id)
    return db.session.execute(
        sa.select(Unit.code, count).join(User, User.unit_id == Unit.id)
        .join(taking_part, taking_part.c.unit_id == Unit.id)
        .join(Occurrence, Occurrence.meeting_id == taking_part.c.meeting_id)
        .where(User.username.like("vp\\_%", escape="\\"), Occurrence.start_at >= start,
               Occurrence.start_at < end)
        .group_by(Unit.code).order_by(count.desc(), Unit.code).limit(1)).one()


def signed_in_client(app):
    """A test client signed in as the admin (session cookie), and the admin's API token."""
    client = app.test_client()
    answer = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert answer.status_code == 302, f"sign-in answered {answer.status_code}"
    answer = client.post("/api/v1/tokens", json={"username": "admin", "password": PASSWORD})
    assert answer.status_code in (200, 201), f"token answered {answer.status_code}"
    return client, {"Authorization": f"Bearer {answer.get_json()['token']}"}


def prepare(url: str, size: int, divisions, reuse: bool = False) -> dict:
    app = make_app(url)
    # the same number of meetings on the same tree (--divisions): else built anew
    kept = reuse and generated_size(url) == (size, ward_count(divisions))
    with app.app_context():
        if kept:
            print(f"  reusing the {size:,} meetings already in {url.rsplit('/', 1)[-1]}", flush=True)
        else:
            fresh_schema()
            generate(size, divisions)
        for table in ("login_attempt", "login_throttle"):  # an earlier run's sign-ins
            db.session.execute(sa.text(f"DELETE FROM {table}"))
        db.session.commit()
        ward, sittings = busiest_feed_ward()
        db.session.remove()
    print(f"  feed of ward {ward}: {sittings:,} sittings in its window (the busiest ward with a feed)",
          flush=True)
    client, bearer = signed_in_client(app)
    setup = {"app": app, "client": client, "bearer": bearer, "statements": {},
             "feed": f"/calendar/unit/feed-{ward}.ics"}
    setup["etag"] = client.get(setup["feed"]).headers["ETag"]
    return setup


def request(setup: dict, kind: str) -> None:
    """One request of the kind through the test client, checked."""
    client = setup["client"]
    if kind == "feed 200":
        answer, expected = client.get(setup["feed"]), 200
    elif kind == "feed 304":
        answer, expected = client.get(setup["feed"], headers={"If-None-Match": setup["etag"]}), 304
    elif kind == "report page":
        answer, expected = client.get(f"/reports?{REPORT_QUERY}"), 200
    else:
        answer, expected = client.get(f"/api/v1/reports/targets?{REPORT_QUERY}",
                                      headers=setup["bearer"]), 200
    assert answer.status_code == expected, f"{kind}: {answer.status_code}"
    answer.close()


def capture(setup: dict) -> None:
    """The statements each request sends (its baseline replays them)."""
    app = setup["app"]
    with app.app_context():
        engine = db.engine
    setup["engine"] = engine
    for kind in ("feed 200", "report page", "report API"):
        with Capture(engine) as seen:
            request(setup, kind)
        setup["statements"][f"{kind.replace(' 200', '')} SQL"] = seen.statements


def run(setup: dict, kind: str) -> float:
    """Milliseconds of one turn: a request, or a replay of a request's statements."""
    began = time.perf_counter()
    if kind.endswith(" SQL"):
        statements = setup["statements"][kind]
        results = replay(setup["engine"], statements)
        if kind == "feed SQL":
            minimal_feed(statements, results)
    else:
        request(setup, kind)
    return (time.perf_counter() - began) * 1000


def rotated(kinds, turn: int):
    shift = turn % len(kinds)
    return kinds[shift:] + kinds[:shift]


def feed_trials(setup: dict, trials: int, requests: int) -> dict:
    """{kind: [[ms of request 1, 2, …] of each trial]}; each trial on a new connection."""
    times = {kind: [] for kind in FEED_KINDS}
    for _trial in range(trials):
        setup["engine"].dispose()  # the next request opens a new connection
        for kind in FEED_KINDS:
            times[kind].append([])
        for number in range(requests):
            for kind in rotated(FEED_KINDS, number):
                times[kind][-1].append(run(setup, kind))
    return times


def phase_median(series: list[list[float]], phase: tuple[int, int]) -> float:
    first, last = phase
    return statistics.median(t for trial in series for t in trial[first - 1:last])


def print_feed(times: dict, trials: int, requests: int) -> dict:
    steady = (STEADY[0], min(STEADY[1], requests))
    print(f"\nfeed, median ms over {trials} connections (requests {FIRST[0]}-{FIRST[1]} and "
          f"{steady[0]}-{steady[1]} of each):")
    print(f"  {'':<10}{'first':>9}{'steady':>9}{'steady/first':>14}")
    figures = {}
    for kind in FEED_KINDS:
        figures[kind] = (phase_median(times[kind], FIRST), phase_median(times[kind], steady))
        print(f"  {kind:<10}{figures[kind][0]:9.1f}{figures[kind][1]:9.1f}"
              f"{figures[kind][1] / figures[kind][0]:13.2f}x")
    for base in ("feed 304", "feed SQL"):
        print(f"  feed 200 / {base}: first {figures['feed 200'][0] / figures[base][0]:.1f}x, "
              f"steady {figures['feed 200'][1] / figures[base][1]:.1f}x")
    return figures


def report_rounds(setup: dict, rounds: int, warmup: int) -> dict:
    times = {kind: [] for kind in REPORT_KINDS}
    for number in range(rounds + warmup):
        for kind in rotated(REPORT_KINDS, number):
            elapsed = run(setup, kind)
            if number >= warmup:
                times[kind].append(elapsed)
    median = {kind: statistics.median(values) for kind, values in times.items()}
    print(f"\nyear report of VN, median ms of {rounds} interleaved rounds:")
    for kind in ("report page", "report API"):
        print(f"  {kind:<12}{median[kind]:8.1f}   its SQL replayed {median[kind + ' SQL']:8.1f}"
              f"   ratio {median[kind] / median[kind + ' SQL']:.2f}x")
    return median


def goals(feed: dict, report: dict) -> None:
    first, steady = feed["feed 200"]
    checks = [(f"feed steady {steady:.1f} ms <= 1.5x first ({first:.1f} ms)", steady <= 1.5 * first),
              (f"feed steady {steady:.1f} ms <= 50 ms", steady <= 50),
              (f"report page {report['report page'] / report['report page SQL']:.2f}x its SQL <= 1.5x",
               report["report page"] <= 1.5 * report["report page SQL"])]
    for text, ok in checks:
        print(f"  {'met' if ok else 'NOT met'}: {text}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--trials", type=int, default=5, help="connections the feed is timed on")
    parser.add_argument("--requests", type=int, default=60, help="feed rounds on each connection")
    parser.add_argument("--rounds", type=int, default=20, help="year report rounds")
    parser.add_argument("--warmup", type=int, default=3, help="untimed year report rounds first")
    parser.add_argument("--divisions", help="see benchmarks/national.py (e.g. 0.6.0's 10,051 wards)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a size's database when it already holds that many meetings "
                             "(PostgreSQL, or --workdir for SQLite)")
    parser.add_argument("--workdir", help="where the SQLite files live (default: a temporary "
                                          "directory, removed at the end)")
    args = parser.parse_args()
    if args.requests < STEADY[0]:
        parser.error(f"--requests must reach the steady state ({STEADY[0]})")
    url = os.environ.get("DATABASE_URL", "")
    if url and "bench" not in url.rsplit("/", 1)[-1]:
        raise SystemExit(f"refusing {url}: the database's name must contain 'bench'")
    workdir = tempfile.TemporaryDirectory()
    files = args.workdir or workdir.name  # --workdir is kept, the temporary directory is not
    Path(files).mkdir(parents=True, exist_ok=True)
    print(f"feed and year report on {'postgresql' if url else 'sqlite'}; load {load()}", flush=True)
    for size in (int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()):
        print(f"{size:,} meetings", flush=True)
        setup = prepare(size_url(url, size, files), size, args.divisions, args.reuse)
        capture(setup)
        feed = print_feed(feed_trials(setup, args.trials, args.requests), args.trials, args.requests)
        report = report_rounds(setup, args.rounds, args.warmup)
        print(f"load after: {load()}")
        goals(feed, report)
        setup["engine"].dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
