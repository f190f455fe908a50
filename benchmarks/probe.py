"""probe-endpoints at city scale: 10,000 endpoints on the loopback range, a third listening, a
third refusing and a third silent, probed by the job itself (allowed-network check, connects,
state, history and alert writes in the database).

    .venv/bin/python benchmarks/probe.py [--endpoints 10000] [--timeout 3] [--runs 2]

Everything stays inside 127.0.0.0/8 and needs no privilege:
  - listening: 10 listeners on 127.1.0.1-10 that accept and close at once;
  - refusing: addresses 127.2.x.y where nothing listens, answered by a reset;
  - silent: 10 listeners on 127.3.0.1-10 with a backlog of 0 whose one queue slot is taken,
    so the kernel drops every further SYN and the connect waits for its timeout (a ward whose
    line is dead).
A throw-away SQLite database (or DATABASE_URL when it names a *bench* database, whose tables
it drops) holds a city, 100 wards and the endpoints. The first run records every state; the
second finds the same failures again, which is when the two-probe alerts go out (6,667 here).

Goal (issue 16): each run finishes within one probe timeout plus 10 s.
"""
import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from scheduler import create_app  # noqa: E402
from scheduler.core.timeutil import utcnow  # noqa: E402
from scheduler.endpoints.models import Endpoint  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.jobs.models import EndpointCheck, NoticeDelivery  # noqa: E402
from scheduler.jobs.tasks import probe_endpoints  # noqa: E402
from scheduler.units.models import Unit  # noqa: E402

LISTENERS = 10


class Targets:
    """The loopback sockets the endpoints point at."""

    def __init__(self):
        self.sockets, self.stop = [], threading.Event()
        self.listening = [self._listener(f"127.1.0.{i + 1}", 4096) for i in range(LISTENERS)]
        self.silent = [self._listener(f"127.3.0.{i + 1}", 0) for i in range(LISTENERS)]
        for address, port in self.silent:  # take the one slot of the queue
            self.sockets.append(socket.create_connection((address, port)))
        for server in self.sockets[:LISTENERS]:
            threading.Thread(target=self._accept, args=(server,), daemon=True).start()

    def _listener(self, address, backlog):
        server = socket.socket()
        server.bind((address, 0))
        server.listen(backlog)
        self.sockets.append(server)
        return address, server.getsockname()[1]

    def _accept(self, server):
        server.settimeout(0.2)
        while not self.stop.is_set():
            try:
                connection, _peer = server.accept()
                connection.close()
            except OSError:
                continue

    def close(self):
        self.stop.set()
        for sock in self.sockets:
            sock.close()


def populate(count: int, targets: Targets) -> dict[str, int]:
    city = Unit(code="01", name="Thành phố Hà Nội", kind="city", path="")
    db.session.add(city)
    db.session.flush()
    city.path = f"/{city.id}/"
    wards = [Unit(code=f"{i:05d}", name=f"Phường {i}", kind="ward", parent=city) for i in range(100)]
    db.session.add_all(wards)
    db.session.flush()
    for ward in wards:
        ward.path = f"{city.path}{ward.id}/"
    rows, kinds = [], {"listening": 0, "refusing": 0, "silent": 0}
    for i in range(count):
        kind = ("listening", "refusing", "silent")[i % 3]
        if kind == "listening":
            host, port = targets.listening[i % LISTENERS]
        elif kind == "silent":
            host, port = targets.silent[i % LISTENERS]
        else:
            host, port = f"127.2.{i // 250 % 250}.{i % 250 + 1}", 9
        kinds[kind] += 1
        rows.append({"unit_id": wards[i % 100].id, "name": f"Điểm cầu {i}", "host": host,
                     "port": port, "protocol": "sip", "state": "unknown", "active": True,
                     "failed_probes": 0})
    db.session.execute(sa.insert(Endpoint), rows)
    db.session.commit()
    return kinds


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoints", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=3.0)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    workdir = tempfile.TemporaryDirectory()
    if "bench" not in url.rsplit("/", 1)[-1]:
        url = f"sqlite:///{workdir.name}/bench.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True,
                      "SERVER_NAME": "localhost", "PROBE_TIMEOUT_SECONDS": args.timeout,
                      "PROBE_ALLOWED_NETWORKS": ["127.0.0.0/8"]})
    targets = Targets()
    bound = args.timeout + 10
    ok = True
    try:
        with app.app_context(), app.test_request_context():
            db.drop_all()
            if db.engine.dialect.name == "postgresql":
                with db.engine.begin() as conn:
                    conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
            db.create_all()
            kinds = populate(args.endpoints, targets)
            print(f"{args.endpoints} endpoints on 127.0.0.0/8: " + ", ".join(
                f"{n} {kind}" for kind, n in kinds.items()) + f"; timeout {args.timeout:g} s, "
                f"concurrency {app.config['PROBE_CONCURRENCY']}, {db.engine.dialect.name}, "
                f"load {os.getloadavg()[0]:.1f}")
            now = utcnow()
            for run in range(args.runs):
                began = time.perf_counter()
                summary = probe_endpoints(now + timedelta(minutes=5 * run))
                elapsed = time.perf_counter() - began
                met = elapsed <= bound
                ok &= met
                print(f"run {run + 1}: {elapsed:6.2f} s   bound {bound:g} s   "
                      f"{'met' if met else 'NOT met'}   ({summary})")
            states = dict(db.session.execute(sa.select(Endpoint.state, sa.func.count())
                                             .group_by(Endpoint.state)).all())
            checks = db.session.scalar(sa.select(sa.func.count()).select_from(EndpointCheck))
            alerts = db.session.scalar(sa.select(sa.func.count()).select_from(NoticeDelivery))
            print(f"states {states}, {checks} checks recorded, {alerts} alerts")
            expected = {"reachable": kinds["listening"],
                        "unreachable": kinds["refusing"] + kinds["silent"]}
            if states != expected:
                print(f"WRONG states: expected {expected}")
                ok = False
            db.session.remove()
            db.drop_all()
    finally:
        targets.close()
    print("goal met" if ok else "goal NOT met (each run within one timeout + 10 s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
