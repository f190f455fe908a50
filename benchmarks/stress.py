"""The installation under a mixed load, as an operator would run it: gunicorn with 4 workers
(gunicorn.conf.py: gthread, 4 threads each) and one `flask jobs run` process on the same
database, an SMTP sink on 127.0.0.1, and for --seconds (default 120) a crowd of --clients
simulated users (benchmarks/stress_crowd.py) doing at once: right and wrong sign-ins (the form
and POST /api/v1/tokens), bookings, edits and cancels; the multi-query reads (unit calendar
feeds, week and month pages, the year report as page, API and CSV); and on paperless meetings
document downloads, attendance updates and ballots, each of the last two sent twice at the
same moment (a double click), beside votes being opened.

    .venv/bin/python benchmarks/stress.py [--database sqlite|postgresql|both] [--seconds 120]
                                          [--clients 12] [--faults N]

SQLite: a fresh file in a temporary directory. PostgreSQL: the database `lichhop_stress` on
127.0.0.1:5432 (created when missing; its schema is dropped and rebuilt), or --pg-url naming one
whose name contains "stress". --faults N (PostgreSQL only): N times, at evenly spread moments of
the run, every connection of the application to the database is terminated
(pg_terminate_backend), as a database restart or failover would.

Prints per database: requests by kind and status; the 5xx count; "database is locked" lines in
the servers' log; e-mails received and duplicate deliveries at the SMTP sink (a Message-ID
received twice, or the same subject, recipient, meeting and content received twice); the
machine's load; and whether `flask --app wsgi check` finds the database clean afterwards.
Exits 1 unless: no 5xx (with --faults, a 503 carrying Retry-After is allowed, 500 and any
other 5xx are not), no request left unanswered, no "database is locked", no duplicate delivery, and
`check` clean. Everything listens on and talks to 127.0.0.1 only.
"""
import argparse
import collections
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

import stress_crowd as crowd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    """The SMTP server: keeps, per recipient, each message's id and what it says."""

    def __init__(self):
        self.received = []  # (Message-ID, subject, recipient, meeting, content digest)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        meeting, content = _meeting_and_content(message)
        with self.lock:
            for recipient in envelope.rcpt_tos:
                self.received.append((message["Message-ID"], str(message["Subject"]), recipient,
                                      meeting, content))
        return "250 OK"

    def figures(self) -> dict:
        ids = collections.Counter((m[0], m[2]) for m in self.received)
        same = collections.Counter(m[1:] for m in self.received)
        return {"mails": len({m[0] for m in self.received}), "deliveries": len(self.received),
                # each queued message has its own Message-ID: one received twice by a recipient
                # is a message delivered twice
                "duplicate_ids": sum(n - 1 for n in ids.values() if n > 1),
                # two messages saying the very same thing about one meeting to one recipient
                "duplicate_contents": sum(n - 1 for n in same.values() if n > 1)}


def _meeting_and_content(message) -> tuple[str, str]:
    """The meeting a message is about (its iCalendar UID, when it carries one) and a digest of
    everything it says, leaving out the stamp of when its calendar part was written."""
    meeting, digest = "", hashlib.sha256()
    for part in message.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_content_type() in ("text/calendar", "application/ics"):
            text = payload.decode("utf-8", "replace")
            found = re.search(r"^UID:(.+?)\r?$", text, re.M)
            meeting = meeting or (found.group(1).strip() if found else "")
            payload = re.sub(r"^DTSTAMP:.*$", "", text, flags=re.M).encode()
        digest.update(part.get_content_type().encode() + b"\0" + payload + b"\0")
    return meeting, digest.hexdigest()


def prepare(url: str) -> None:
    """Schema by the migrations, then the city and its wards with rooms, endpoints, calendar
    feed tokens, a staff user per ward and the city's report readers."""
    from flask_migrate import upgrade

    from scheduler import create_app
    from scheduler.auth.models import User
    from scheduler.calendar.feeds import hash_token
    from scheduler.endpoints.models import Endpoint
    from scheduler.extensions import db
    from scheduler.rooms.models import Room
    from scheduler.units.models import Unit

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "stress"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        upgrade()
        since = datetime(2018, 1, 1).date()
        city = Unit(code=crowd.CITY, name="Thành phố Hà Nội", kind="city", valid_from=since)
        db.session.add(city)
        db.session.flush()
        city.path = f"/{city.id}/"
        units = [city]
        for i in range(crowd.STAFF):
            unit = Unit(code=crowd.ward(i), name=f"Phường Thử {i + 1}", kind="ward", parent=city,
                        valid_from=since, email=f"phuong{i + 1}@example.invalid")
            db.session.add(unit)
            db.session.flush()
            unit.path = f"{city.path}{unit.id}/"
            units.append(unit)
        for unit in units:
            unit.feed_token = hash_token(crowd.feed_token(unit.code))
            db.session.add(Room(unit=unit, name=f"Phòng họp {unit.name}", capacity=30))
            db.session.add(Endpoint(unit=unit, name=f"Điểm cầu {unit.name}", protocol="sip",
                                    wan_connected_on=since, vc_deployed_on=since))
        people = [(f"staff{i}", "staff", unit, f"Văn thư {i}") for i, unit in enumerate(units[1:])]
        people += [(f"viewer{i}", "viewer", city, f"Chuyên viên tổng hợp {i}")
                   for i in range(crowd.VIEWERS)]
        hashed = None
        for username, role, unit, name in people:
            user = User(username=username, role=role, unit=unit, full_name=name,
                        email=f"{username}@example.invalid")
            if hashed is None:
                user.set_password(crowd.PASSWORD)
                hashed = user.password_hash
            user.password_hash = hashed
            db.session.add(user)
        db.session.commit()
        db.engine.dispose()


def start(args, env, log):
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def terminate_connections(url: str) -> int:
    """Every connection to the database but this one ends, as on a restart or failover."""
    import psycopg

    name = url.rsplit("/", 1)[-1]
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        return len(conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (name,)).fetchall())


def inject_faults(url: str, faults: int, seconds: float, stop: threading.Event, done: list):
    for k in range(1, faults + 1):
        if stop.wait(seconds * k / (faults + 1) - (time.monotonic() - done[0])):
            return
        done.append((round(time.monotonic() - done[0]), terminate_connections(url)))


def run(url: str, seconds: float, clients: int, faults: int, workdir: Path) -> dict:
    from aiosmtpd.controller import Controller

    prepare(url)
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="stress", SESSION_COOKIE_SECURE="0",
               SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port), JOBS_INTERVAL_SECONDS="2",
               JOBS_LOCK_TTL_SECONDS="10", PYTHONUNBUFFERED="1", MAIL_SENDER="lichhop@example.invalid",
               REMINDER_OFFSETS_MINUTES="1440,60", DOCUMENT_DIR=str(workdir / "documents"),
               GUNICORN_BIND=f"127.0.0.1:{port}", WEB_WORKERS="4", WEB_ACCESS_LOG="")
    log_path = workdir / f"servers-{os.getpid()}-{time.monotonic_ns()}.log"
    with open(log_path, "ab") as log:
        web = start([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], env, log)
        jobs = start([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run"], env, log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if crowd.Http(base).call("GET", "/login")[0] == 200:
            break
        time.sleep(0.2)
    results: collections.Counter = collections.Counter()
    crowd.Http.unavailable_without_retry_after = 0
    day0 = datetime.now().date()
    paperless = crowd.set_up_paperless(base, day0, results)
    members = [crowd.Member(base, i, results, day0, paperless) for i in range(clients)]
    stop = threading.Event()
    threads = [threading.Thread(target=m.run, args=(stop,), daemon=True) for m in members]
    load_before = os.getloadavg()
    fault_log = [time.monotonic()]
    if faults:
        threads.append(threading.Thread(target=inject_faults,
                                        args=(url, faults, seconds, stop, fault_log), daemon=True))
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    load_during = os.getloadavg()
    time.sleep(8)  # the outbox's last round
    runner_exit = jobs.poll()  # None: the job runner is still running, as it should be
    for process in (web, jobs):
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    smtp.stop()
    check = subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "check"], cwd=ROOT,
                           env=env, capture_output=True, text=True, timeout=300)
    log_text = log_path.read_text(errors="replace")
    return {"results": results, "locked": len(re.findall(r"database is locked", log_text)),
            "tracebacks": _last_lines_of_tracebacks(log_text), "log": log_path,
            **sink.figures(), "load": (load_before, load_during), "faults": fault_log[1:],
            "runner_exit": runner_exit,
            "no_retry_after": crowd.Http.unavailable_without_retry_after,
            "check": (check.returncode, (check.stdout + check.stderr).strip())}


def _last_lines_of_tracebacks(log_text: str) -> collections.Counter:
    """Each logged error with a traceback as (what was being done, the application's last frame,
    the exception), counted: where to look first."""
    found = collections.Counter()
    # a log record begins with its time stamp ("[2026-…" from Flask, "2026-…" from the runner)
    for record in re.split(r"\n(?=\[?\d{4}-\d\d-\d\d[ T])", log_text):
        if "Traceback (most recent call last)" not in record:
            continue
        lines = record.splitlines()
        what = re.sub(r"^\[?[\d-]+[ T][\d:,.]+\]?\s*", "", lines[0])
        frames = re.findall(r'File "[^"]*/(scheduler/[^"]+)", line (\d+), in (\S+)', record)
        raised = [i for i, line in enumerate(lines)
                  if re.match(r"[A-Za-z_][\w.]*(Error|Exception|Violation|Exit)\b", line)]
        last = lines[raised[-1]] if raised else "?"
        if raised and raised[-1] + 1 < len(lines) and lines[raised[-1] + 1].startswith("DETAIL:"):
            last += " " + re.sub(r"\d+", "N", lines[raised[-1] + 1])
        where = f"{frames[-1][0]}:{frames[-1][1]} {frames[-1][2]}" if frames else "?"
        found[(re.sub(r"/\d+", "/<id>", what)[:120], where, last[:240])] += 1
    return found


def report(label: str, figures: dict, args) -> bool:
    """Print one database's figures; True when every must-be holds."""
    results = figures["results"]
    total = sum(results.values())
    statuses = collections.Counter()
    kinds = collections.defaultdict(collections.Counter)
    for (kind, status), n in results.items():
        statuses[status] += n
        kinds[kind][status] += n
    print(f"{label}: {total} requests in {args.seconds:.0f} s by {args.clients} clients, "
          f"by status {dict(sorted(statuses.items()))}")
    for kind in sorted(kinds):
        print(f"  {kind:28} {sum(kinds[kind].values()):6}  {dict(sorted(kinds[kind].items()))}")
    e500 = statuses[500]
    e503 = statuses[503]
    other5xx = sum(n for s, n in statuses.items() if s >= 500 and s not in (500, 503))
    unanswered = statuses[0]
    for at, killed in figures["faults"]:
        print(f"  fault at {at} s: {killed} connections terminated")
    print(f"  5xx {e500 + e503 + other5xx} (500: {e500}, 503: {e503}, other: {other5xx}), "
          f"unanswered {unanswered}, 503 without Retry-After {figures['no_retry_after']}, "
          f"'database is locked' in logs {figures['locked']}")
    for (what, where, last), n in figures["tracebacks"].most_common(10):
        print(f"    {n} x {what}\n        at {where}: {last}")
    print(f"  mails {figures['mails']} ({figures['deliveries']} deliveries), duplicate deliveries: "
          f"same Message-ID {figures['duplicate_ids']}, same content {figures['duplicate_contents']}")
    before, during = figures["load"]
    print(f"  load average before {before[0]:.2f}, at the end {during[0]:.2f} "
          f"(1/5/15 min {during[0]:.1f}/{during[1]:.1f}/{during[2]:.1f}; {os.cpu_count()} cores)")
    if figures["runner_exit"] is not None:
        print(f"  the job runner had stopped before the end (exit {figures['runner_exit']})")
    code, text = figures["check"]
    print(f"  flask check: exit {code}, {'clean' if code == 0 else 'NOT clean'}: "
          + " | ".join(text.splitlines()[-5:]))
    if figures["tracebacks"]:
        print(f"  server log: {figures['log']}")
    allowed_503 = args.faults > 0
    return not (e500 or other5xx or figures["no_retry_after"] or (e503 and not allowed_503) or unanswered or figures["locked"]
                or figures["duplicate_ids"] or figures["duplicate_contents"] or code != 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--faults", type=int, default=0,
                        help="times to terminate the database's connections (PostgreSQL only)")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/lichhop_stress")
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the servers' logs here")
    args = parser.parse_args()
    if args.faults and args.database != "postgresql":
        parser.error("--faults needs --database postgresql")
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        targets = []
        if args.database in ("sqlite", "both"):
            targets.append(("SQLite", "sqlite:///" + str(Path(tmp) / "stress.db")))
        if args.database in ("postgresql", "both"):
            if "stress" not in args.pg_url.rsplit("/", 1)[-1]:
                parser.error("--pg-url must name a database whose name contains 'stress'")
            _create_database(args.pg_url)
            targets.append(("PostgreSQL", args.pg_url))
        for label, url in targets:
            figures = run(url, args.seconds, args.clients, args.faults, Path(tmp))
            ok &= report(label, figures, args)
            if args.keep_logs:
                Path(args.keep_logs).mkdir(parents=True, exist_ok=True)
                target = Path(args.keep_logs) / f"stress-{label.lower()}.log"
                target.write_bytes(figures["log"].read_bytes())
                print(f"  server log kept: {target}")
    print("all must-be figures hold" if ok else "FAILED: a must-be figure does not hold")
    return 0 if ok else 1


def _create_database(url: str) -> None:
    import sqlalchemy as sa

    base, name = url.rsplit("/", 1)
    admin = sa.create_engine(base.replace("postgresql://", "postgresql+psycopg://") + "/postgres",
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                            {"n": name}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
