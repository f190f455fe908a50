"""Load test: many users at once against gunicorn (gunicorn.conf.py: gthread workers) on the
national data set, with Locust headless, on 127.0.0.1 only.

    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python benchmarks/load.py \\
        [--generate 10000 [--divisions vietnam_provinces-0.6.0-py3-none-any.whl]] \\
        [--users 50] [--seconds 60] [--phase-seconds 20] [--rounds 2] [--workers 4]
    .venv/bin/python benchmarks/load.py --url sqlite:////tmp/bench.db …   (the same on SQLite)

(`pip install '.[bench]'` brings Locust and vietnam-provinces.) With --generate the database
(its name must contain 'bench') is rebuilt by benchmarks/national.py first. The server is the
application plus GET /hello answering a constant (benchmarks/load_wsgi.py). Then, against the
same server in the same run:
  - rounds of single-route phases taking turns: hello, the week view, the API's week list
    (--phase-seconds each, every user requesting without pause): requests/s of each once
    every user has signed in, and the week routes' share of hello's;
  - the mixed phase (--seconds): office staff and provincial administrators requesting week
    views, the year report, feeds (200 and 304), the API's week list, bookings and
    invitations, each user pausing 50-200 ms: requests/s, p50, p95 and errors per route;
  - the memory of each worker (resident set, and its private part) after the mixed phase.
Prints the machine's load (uptime) before and after: this machine is shared, so absolute
figures are pessimistic and the ratios are what compares.
Goals: no errors, every worker < 150 MB, the week view and the API's week list >= 20 % of
hello's requests/s.
"""
import argparse
import csv
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def uptime() -> str:
    return Path("/proc/loadavg").read_text().split(" ", 3)[:3].__str__()


def sample_units(url: str) -> list[str]:
    """"ward:province" codes of wards with a staff user and feed, each with its province
    (whose administrator signs in)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        # failed sign-ins of an earlier run would throttle this one (all users share 127.0.0.1)
        conn.execute(sa.text("DELETE FROM login_attempt"))
        conn.execute(sa.text("DELETE FROM login_throttle"))
        wards = conn.execute(sa.text(
            "SELECT unit.code, unit.path FROM unit JOIN user_account ON user_account.unit_id = unit.id "
            "WHERE username LIKE 'vp\\_%' ESCAPE '\\' ORDER BY unit.id LIMIT 200")).all()
        provinces = dict(conn.execute(sa.text(
            "SELECT unit.id, unit.code FROM user_account JOIN unit ON unit.id = user_account.unit_id "
            "WHERE username LIKE 'qt\\_%' ESCAPE '\\'")).all())
    engine.dispose()
    pairs = [f"{code}:{provinces[int(path.split('/')[2])]}" for code, path in wards
             if int(path.split("/")[2]) in provinces]
    if not pairs:
        raise SystemExit("no national data set in this database: run with --generate")
    return pairs


def start_server(url: str, port: int, workers: int, log) -> subprocess.Popen:
    # PROXY_HOPS=1: Locust's users send X-Forwarded-For (each its own 127.x address) as the
    # reverse proxy of a deployment would, so that fifty offices signing in at once are not
    # one client tripping the sign-in throttle's per-address limit
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="load-test", SESSION_COOKIE_SECURE="0",
               PROXY_HOPS="1",
               GUNICORN_BIND=f"127.0.0.1:{port}", WEB_WORKERS=str(workers), WEB_ACCESS_LOG="",
               PYTHONPATH=str(ROOT))
    env.pop("SMTP_HOST", None)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py",
                                "benchmarks.load_wsgi:app"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/hello", timeout=5):
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("the server did not start")


def run_phase(phase: str, host: str, users: int, seconds: int, wards, workdir) -> dict:
    """Locust headless for one phase; {route name: stats row} from its CSV."""
    prefix = Path(workdir) / phase
    env = dict(os.environ, LOAD_PHASE=phase, LOAD_WARDS=",".join(wards))
    subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"),
                    "--headless", "-u", str(users), "-r", str(max(1, users // 2)),
                    "-t", f"{seconds}s", "--host", host, "--csv", str(prefix), "--only-summary",
                    "--stop-timeout", "10", "--loglevel", "WARNING", "--csv-full-history"],
                   env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return {row["Name"]: row for row in csv.DictReader(fh)}


def signed_in_rate(workdir, phase: str, name: str, users: int) -> float | None:
    """Requests/s of the route once every user has signed in (the single-route phases
    begin with fifty sign-ins, which hello's does not: counting them in would charge the
    week routes for the sign-in), from Locust's per-second history; None when it cannot tell."""
    path = Path(workdir) / f"{phase}_stats_history.csv"
    if not path.exists():
        return None
    with open(path, newline="") as fh:
        rows = [r for r in csv.DictReader(fh)]
    signed = [int(r["Timestamp"]) for r in rows if r["Name"] == "token"
              and int(float(r["Total Request Count"] or 0)) >= users]
    mine = [(int(r["Timestamp"]), int(float(r["Total Request Count"] or 0))) for r in rows
            if r["Name"] == name]
    if not mine:
        return None
    since = min(signed) if signed else (mine[0][0] if phase == "hello" else None)
    if since is None:
        return None
    before = max((count for ts, count in mine if ts <= since), default=0)
    last_ts, last_count = mine[-1]
    return (last_count - before) / (last_ts - since) if last_ts > since else None


def worker_memory(master: int) -> list[tuple[float, float]]:
    """(resident set, of it private memory) in MB of the gunicorn master's worker processes.
    The rest of the resident set is file pages mapped into the worker (on SQLite the
    database file, mmap_size): the kernel's page cache, shared by every worker and given back
    under pressure."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() == str(master) and "VmRSS" in fields:
            sizes.append((int(fields["VmRSS"].split()[0]) / 1024,
                          int(fields.get("RssAnon", "0 kB").split()[0]) / 1024))
    return sorted(sizes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--generate", type=int, help="rebuild the national data set first")
    parser.add_argument("--divisions", help="see benchmarks/national.py")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60, help="the mixed phase")
    parser.add_argument("--phase-seconds", type=int, default=20, help="each single-route phase")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    if not args.url:
        raise SystemExit("give --url or DATABASE_URL (a database named *bench*)")
    if args.generate:
        from benchmarks.national import bench_url, fresh_schema, generate
        from scheduler import create_app

        app = create_app({"SQLALCHEMY_DATABASE_URI": bench_url(args.url), "SECRET_KEY": "bench"})
        with app.app_context():
            fresh_schema()
            generate(args.generate, args.divisions)
    wards = sample_units(args.url)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    workdir = tempfile.mkdtemp(prefix="load-")
    print(f"load before: {uptime()}  ({os.cpu_count()} cores); {args.users} users, "
          f"{args.workers} gthread workers, {len(wards)} wards", flush=True)
    with open(Path(workdir) / "server.log", "ab") as log:
        server = start_server(args.url, port, args.workers, log)
        try:
            single: dict[str, list[float]] = {"hello": [], "week view": [], "API week list": []}
            for round_ in range(args.rounds):
                for phase, name in (("hello", "hello"), ("week", "week view"),
                                    ("apiweek", "API week list")):
                    stats = run_phase(phase, host, args.users, args.phase_seconds, wards, workdir)
                    row = stats.get(name, {})
                    rate = signed_in_rate(workdir, phase, name, args.users)
                    single[name].append(rate if rate is not None
                                        else float(row.get("Requests/s", 0) or 0))
                    failures = int(row.get("Failure Count", 0) or 0)
                    print(f"  round {round_ + 1} {name:<14} {single[name][-1]:8.1f} req/s"
                          f"{f'  {failures} errors' if failures else ''}", flush=True)
            mixed = run_phase("mixed", host, args.users, args.seconds, wards, workdir)
            memory = worker_memory(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"load after:  {uptime()}")
    hello = statistics.median(single["hello"])
    print(f"\nsingle-route phases, median of {args.rounds} rounds (requests/s, share of hello):")
    for name, values in single.items():
        print(f"  {name:<16}{statistics.median(values):9.1f}  {statistics.median(values) / hello:6.1%}")
    print(f"\nmixed phase, {args.seconds} s:")
    print(f"  {'route':<18}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'errors':>8}")
    errors = 0
    for name, row in sorted(mixed.items(), key=lambda item: item[0] == "Aggregated"):
        errors += int(row["Failure Count"]) if name != "Aggregated" else 0
        print(f"  {name:<18}{row['Request Count']:>9}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>8}{row['95%']:>8}{row['Failure Count']:>8}")
    print(f"\nworker memory, MB (resident; private): "
          f"{', '.join(f'{rss:.0f}; {own:.0f}' for rss, own in memory)}")
    week_share = min(statistics.median(single[n]) for n in ("week view", "API week list")) / hello
    ok = errors == 0 and memory and max(rss for rss, _own in memory) < 150 and week_share >= 0.2
    print(("goals met" if ok else "goals NOT met")
          + " (no errors, every worker < 150 MB, week routes >= 20 % of hello)")
    print(f"(Locust's CSV and the server's log: {workdir})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
