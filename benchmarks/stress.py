"""The installation under a mixed load, as an operator would run it: gunicorn with 3 workers and
one `flask jobs run` process on the same database, an SMTP sink on 127.0.0.1, and for
--seconds (default 60) a crowd of clients doing right and wrong sign-ins (the form and
POST /api/v1/tokens), bookings, edits and cancels through the API.

    .venv/bin/python benchmarks/stress.py [--database sqlite|postgresql|both] [--seconds 60]
                                          [--clients 12]

SQLite: a fresh file in a temporary directory. PostgreSQL: the database `lichhop_stress` on
127.0.0.1:5432 (created when missing; its schema is dropped and rebuilt), or --pg-url naming one
whose name contains "stress". Prints per database: requests by status, the 5xx count (must be
0), "database is locked" lines in the server logs, e-mails received and duplicate deliveries at
the SMTP sink (a Message-ID received twice: must be 0), and the machine's load. Everything listens on and talks to 127.0.0.1 only.
"""
import argparse
import collections
import os
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import json
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "Matkhau-stress-2026"
STAFF = 8


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Sink:
    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append((message["Message-ID"], str(message["Subject"]),
                                  tuple(sorted(envelope.rcpt_tos))))
        return "250 OK"


def prepare(url: str) -> None:
    """Schema by the migrations, then a district with its wards, rooms, endpoints and users."""
    from flask_migrate import upgrade

    from scheduler import create_app
    from scheduler.auth.models import User
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
        city = Unit(code="01", name="Thành phố Hà Nội", kind="city", valid_from=since)
        db.session.add(city)
        db.session.flush()
        city.path = f"/{city.id}/"
        units = [city]
        for i in range(STAFF):
            unit = Unit(code=f"{i + 1:05d}", name=f"Phường Thử {i + 1}", kind="ward", parent=city,
                        valid_from=since, email=f"phuong{i + 1}@example.invalid")
            db.session.add(unit)
            db.session.flush()
            unit.path = f"{city.path}{unit.id}/"
            units.append(unit)
        for unit in units:
            db.session.add(Room(unit=unit, name=f"Phòng họp {unit.name}", capacity=30))
            db.session.add(Endpoint(unit=unit, name=f"Điểm cầu {unit.name}", protocol="sip",
                                    wan_connected_on=since, vc_deployed_on=since))
        hashed = None
        for i, unit in enumerate(units[1:]):
            user = User(username=f"staff{i}", role="staff", unit=unit, full_name=f"Văn thư {i}")
            if hashed is None:
                user.set_password(PASSWORD)
                hashed = user.password_hash
            user.password_hash = hashed
            db.session.add(user)
        db.session.commit()
        db.engine.dispose()


def start(args, env, log):
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)


def call(base, method, path, body=None, token=None, form=None):
    headers, data = {}, None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        with err:
            return err.code, err.read()
    except OSError:
        return 0, b""


def client(base, index, stop, results, day0):
    rnd = random.Random(index)
    username, unit = f"staff{index % STAFF}", f"{index % STAFF + 1:05d}"
    status, body = call(base, "POST", "/api/v1/tokens", {"username": username, "password": PASSWORD})
    results[status] += 1
    token = json.loads(body)["token"] if status == 201 else None
    mine = []
    while not stop.is_set():
        roll = rnd.random()
        if roll < 0.15:
            status, _ = call(base, "POST", "/api/v1/tokens",
                             {"username": rnd.choice([username, "khong-co"]), "password": "sai"})
        elif roll < 0.25:
            status, _ = call(base, "POST", "/login", form={"username": username,
                                                           "password": PASSWORD})
        elif roll < 0.6 or not mine:
            day = day0 + timedelta(days=rnd.randrange(1, 60))
            hour = rnd.choice([8, 10, 14, 16])
            status, body = call(base, "POST", "/api/v1/meetings", {
                "title": f"Họp thử {index}", "category": "giao_ban", "host_unit": unit,
                "start": f"{day.isoformat()}T{hour:02d}:00:00+07:00",
                "end": f"{day.isoformat()}T{hour + 1:02d}:00:00+07:00",
                "mode": rnd.choice(["in_person", "online"]),
                "participants": [f"{rnd.randrange(1, STAFF + 1):05d}"]}, token=token)
            if status == 201:
                mine.append(json.loads(body)["id"])
        elif roll < 0.85:
            day = day0 + timedelta(days=rnd.randrange(1, 60))
            status, _ = call(base, "PATCH", f"/api/v1/meetings/{rnd.choice(mine)}", {
                "start": f"{day.isoformat()}T15:00:00+07:00",
                "end": f"{day.isoformat()}T15:45:00+07:00", "title": f"Họp thử {index} (dời)"},
                token=token)
        else:
            status, _ = call(base, "POST", f"/api/v1/meetings/{mine.pop(rnd.randrange(len(mine)))}/cancel",
                             {"reason": "thử tải"}, token=token)
        results[status] += 1


def run(url: str, seconds: float, clients: int, workdir: Path) -> dict:
    from aiosmtpd.controller import Controller

    prepare(url)
    sink = Sink()
    smtp = Controller(sink, hostname="127.0.0.1", port=free_port())
    smtp.start()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="stress", SESSION_COOKIE_SECURE="0",
               SMTP_HOST="127.0.0.1", SMTP_PORT=str(smtp.port), JOBS_INTERVAL_SECONDS="2",
               JOBS_LOCK_TTL_SECONDS="10", PYTHONUNBUFFERED="1", MAIL_SENDER="lichhop@example.invalid",
               REMINDER_OFFSETS_MINUTES="1440,60")
    log_path = workdir / "servers.log"
    with open(log_path, "ab") as log:
        web = start([sys.executable, "-m", "gunicorn", "--workers", "3", "--bind",
                     f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"], env, log)
        jobs = start([sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run"], env, log)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        if call(base, "GET", "/login")[0] == 200:
            break
        time.sleep(0.2)
    results: collections.Counter = collections.Counter()
    stop = threading.Event()
    day0 = datetime.now().date()
    threads = [threading.Thread(target=client, args=(base, i, stop, results, day0), daemon=True)
               for i in range(clients)]
    load_before = os.getloadavg()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=120)
    time.sleep(8)  # the outbox's last round
    for process in (web, jobs):
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    smtp.stop()
    log_text = log_path.read_text(errors="replace")
    ids = collections.Counter(m[0] for m in sink.messages)
    return {"requests": sum(results.values()), "by_status": dict(sorted(results.items())),
            "5xx": sum(n for s, n in results.items() if s >= 500 or s == 0),
            "locked": len(re.findall(r"database is locked", log_text)),
            "mails": len(sink.messages),
            # each queued message has its own Message-ID: one received twice is a message
            # delivered twice
            "duplicate_deliveries": sum(n - 1 for n in ids.values() if n > 1),
            "load": (load_before, os.getloadavg())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=12)
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/lichhop_stress")
    args = parser.parse_args()
    failed = False
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
            figures = run(url, args.seconds, args.clients, Path(tmp))
            print(f"{label}: {figures['requests']} requests in {args.seconds:.0f} s by "
                  f"{args.clients} clients, by status {figures['by_status']}")
            print(f"  5xx {figures['5xx']}, 'database is locked' in logs {figures['locked']}, "
                  f"mails {figures['mails']}, duplicate deliveries "
                  f"{figures['duplicate_deliveries']}")
            before, after = figures["load"]
            print(f"  load average before {before[0]:.2f}, after {after[0]:.2f} "
                  f"({os.cpu_count()} cores)")
            failed |= bool(figures["5xx"] or figures["duplicate_deliveries"])
    return 1 if failed else 0


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
