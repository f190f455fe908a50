"""Load test: many users at once against gunicorn (gunicorn.conf.py: gthread workers) on the
national data set, with Locust headless, on 127.0.0.1 only.

    DATABASE_URL=postgresql://postgres@127.0.0.1/bench .venv/bin/python benchmarks/load.py \\
        [--generate 10000 [--divisions vietnam_provinces-0.6.0-py3-none-any.whl]] \\
        [--users 50] [--seconds 60] [--phase-seconds 20] [--rounds 2] [--workers 4]
    .venv/bin/python benchmarks/load.py --url sqlite:////tmp/bench.db …   (the same on SQLite)

(`pip install '.[bench]'` brings Locust and vietnam-provinces.) With --generate the database
(its name must contain 'bench') is rebuilt by benchmarks/national.py first. The server is the
application plus GET /hello answering a constant (benchmarks/load_wsgi.py). Then, against the
same server in the same run, Locust's FastHttpUser (keep-alive, geventhttpclient):
  - rounds of single-route phases taking turns (--phase-seconds each, every user requesting
    without pause; requests/s once every user has signed in):
      hello at each client size (--client-processes, e.g. 1 and 2 Locust processes), and by
        wrk (a C client, when installed: apt-get install wrk): the rates side by side show
        whether the client or the server is the limit; the largest Locust size runs every
        other phase, and each round's highest hello is the baseline of the round's shares;
      the week view and the API's week list, each for one fixed busy ward and week (cache
        hits) and for a random busy ward and week on every request (cache misses), the wards
        being the busiest by their count of sittings;
  - the mixed phase (--seconds): office staff and provincial administrators requesting week
    views, the year report, feeds (200 and 304), the API's week list, bookings and
    invitations, each user pausing --think seconds (1-3 s): requests/s, p50, p95 and errors per route;
  - the memory of each worker (resident set, unique set (USS) and anonymous part) after the
    mixed phase.
Prints the machine's load (uptime) before and after: this machine is shared, so absolute
figures are pessimistic and the ratios are what compares.
Goals (issue 25): no errors and p95 < 500 ms in the mixed phase; worker unique memory (USS)
< 120 MB; the week view >= 10 % of hello on a miss and >= 25 % on a hit; the API's week
list of a busy ward >= 10 % on a miss.
"""
import argparse
import csv
import os
import re
import shutil
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
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


BUSY_WARDS = """SELECT unit.code, unit.path, count(*) AS sittings
FROM (SELECT id AS meeting_id, host_unit_id AS unit_id FROM meeting
      UNION ALL SELECT meeting_id, unit_id FROM meeting_participant) AS taking_part
JOIN occurrence ON occurrence.meeting_id = taking_part.meeting_id
JOIN unit ON unit.id = taking_part.unit_id
WHERE unit.kind = 'ward' {staffed}
GROUP BY unit.code, unit.path ORDER BY sittings DESC, unit.code LIMIT 200"""
STAFFED = ("AND EXISTS (SELECT 1 FROM user_account WHERE user_account.unit_id = unit.id "
           "AND username LIKE 'vp\\_%' ESCAPE '\\')")


def sample_units(url: str) -> tuple[list[str], list[str]]:
    """("ward:province" codes of the busiest wards with a staff user and feed, each with its
    province, whose administrator signs in; the codes of the 200 busiest wards), busiest
    first by an actual count of the sittings each hosts or takes part in."""
    import sqlalchemy as sa

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        # failed sign-ins of an earlier run would throttle this one (all users share 127.0.0.1)
        conn.execute(sa.text("DELETE FROM login_attempt"))
        conn.execute(sa.text("DELETE FROM login_throttle"))
        wards = conn.execute(sa.text(BUSY_WARDS.format(staffed=STAFFED))).all()
        busy = [code for code, _path, _count in conn.execute(sa.text(BUSY_WARDS.format(staffed="")))]
        provinces = dict(conn.execute(sa.text(
            "SELECT unit.id, unit.code FROM user_account JOIN unit ON unit.id = user_account.unit_id "
            "WHERE username LIKE 'qt\\_%' ESCAPE '\\'")).all())
    engine.dispose()
    pairs = [f"{code}:{provinces[int(path.split('/')[2])]}" for code, path, _count in wards
             if int(path.split("/")[2]) in provinces]
    if not pairs or not busy:
        raise SystemExit("no national data set in this database: run with --generate")
    return pairs, busy


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


def run_phase(phase: str, host: str, users: int, seconds: int, units, workdir,
              processes: int = 1, think: str = "0,0") -> dict:
    """Locust headless for one phase, in `processes` processes; {route name: stats row} from
    its CSV (named after the phase and the client size)."""
    prefix = Path(workdir) / f"{phase}-{processes}"
    wards, busy = units
    env = dict(os.environ, LOAD_PHASE=phase, LOAD_WARDS=",".join(wards), LOAD_BUSY=",".join(busy),
               LOAD_THINK=think)
    forks = ["--processes", str(processes)] if processes > 1 else []
    subprocess.run([sys.executable, "-m", "locust", "-f", str(ROOT / "benchmarks" / "locustfile.py"),
                    "--headless", *forks, "-u", str(users), "-r", str(max(1, users // 2)),
                    "-t", f"{seconds}s", "--host", host, "--csv", str(prefix), "--only-summary",
                    "--stop-timeout", "10", "--loglevel", "WARNING", "--csv-full-history"],
                   env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return {row["Name"]: row for row in csv.DictReader(fh)}


def wrk_rate(host: str, connections: int, seconds: int) -> float | None:
    """Requests/s of GET /hello from wrk (Debian's `wrk`: C, epoll, keep-alive, one thread),
    a client far lighter than Locust, or None when wrk is not installed. When Locust's hello
    matches it, Locust is not what limits the rates; every share is taken against the
    highest hello of the round, wrk's included."""
    if not shutil.which("wrk"):
        return None
    result = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", f"{host}/hello"],
                            capture_output=True, text=True, check=False)
    found = re.search(r"Requests/sec:\s+([0-9.]+)", result.stdout)
    return float(found.group(1)) if found else None


def signed_in_rate(workdir, phase: str, name: str, users: int) -> float | None:
    """Requests/s of the route once every user has signed in (the single-route phases
    begin with fifty sign-ins, which hello's does not: counting them in would charge the
    week routes for the sign-in), from Locust's per-second history; None when it cannot tell."""
    path = Path(workdir) / f"{phase}_stats_history.csv"  # phase: with its client size
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
    since = min(signed) if signed else (mine[0][0] if phase.startswith("hello") else None)
    if since is None:
        return None
    before = max((count for ts, count in mine if ts <= since), default=0)
    last_ts, last_count = mine[-1]
    return (last_count - before) / (last_ts - since) if last_ts > since else None


def worker_memory(master: int) -> list[tuple[float, float, float]]:
    """(resident set, unique set, anonymous part) in MB of each of the gunicorn master's
    worker processes. The unique set (USS: Private_Clean + Private_Dirty of
    /proc/PID/smaps_rollup) is what the worker alone holds, and what stopping it would give
    back; the rest of the resident set is shared pages (the code the workers share with the
    master after the fork, and on SQLite the mapped database file, mmap_size, the kernel's page
    cache). RssAnon (/proc/PID/status) is the anonymous part of the resident set, shared or
    not."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
            rollup = (status.parent / "smaps_rollup").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("PPid", "").strip() != str(master) or "VmRSS" not in fields:
            continue
        summary = dict(line.split(":", 1) for line in rollup.splitlines()[1:] if ":" in line)
        uss = sum(int(summary.get(key, "0 kB").split()[0]) for key in ("Private_Clean", "Private_Dirty"))
        sizes.append((int(fields["VmRSS"].split()[0]) / 1024, uss / 1024,
                      int(fields.get("RssAnon", "0 kB").split()[0]) / 1024))
    return sorted(sizes)


ROUTE_PHASES = (("week-fixed", "week view"), ("week-random", "week view"),
                ("apiweek-fixed", "API week list"), ("apiweek-random", "API week list"))
GOALS = {"week-fixed": 0.25, "week-random": 0.10, "apiweek-random": 0.10}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--generate", type=int, help="rebuild the national data set first")
    parser.add_argument("--divisions", help="see benchmarks/national.py")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60, help="the mixed phase")
    parser.add_argument("--phase-seconds", type=int, default=20, help="each single-route phase")
    parser.add_argument("--think", default="1,3",
                        help="the mixed phase's pause between a user's requests, MIN,MAX seconds "
                             "(an office clerk reading the page; 0.05,0.2 makes it a stress test)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--client-processes", default="1,2",
                        help="Locust process counts hello is run with; the largest runs the rest")
    args = parser.parse_args()
    if not args.url:
        raise SystemExit("give --url or DATABASE_URL (a database named *bench*)")
    args.sizes = sorted({int(n) for n in args.client_processes.split(",") if n.strip()})
    return args


def generate_data(args) -> None:
    from benchmarks.national import bench_url, fresh_schema, generate
    from scheduler import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": bench_url(args.url), "SECRET_KEY": "bench"})
    with app.app_context():
        fresh_schema()
        generate(args.generate, args.divisions)


def single_phases(args, host: str, units, workdir) -> dict[str, list[float]]:
    """{phase: requests/s of each round}: hello at every client size, then each route phase
    at the largest."""
    client = args.sizes[-1]
    turns = [(f"hello-{n}", "hello", "hello", n) for n in args.sizes] + \
        [(phase, phase, name, client) for phase, name in ROUTE_PHASES]
    rates: dict[str, list[float]] = {label: [] for label, *_ in turns}
    if shutil.which("wrk"):
        turns.insert(len(args.sizes), ("hello-wrk", "hello", "hello", 0))
        rates["hello-wrk"] = []
    for round_ in range(args.rounds):
        for label, phase, name, processes in turns:
            if label == "hello-wrk":
                rates[label].append(wrk_rate(host, args.users, args.phase_seconds) or 0.0)
                print(f"  round {round_ + 1} {label:<16} {rates[label][-1]:8.1f} req/s   load {uptime()}",
                      flush=True)
                continue
            stats = run_phase(phase, host, args.users, args.phase_seconds, units, workdir, processes)
            row = stats.get(name, {})
            rate = signed_in_rate(workdir, f"{phase}-{processes}", name, args.users)
            rates[label].append(rate if rate is not None else float(row.get("Requests/s", 0) or 0))
            failures = int(row.get("Failure Count", 0) or 0)
            print(f"  round {round_ + 1} {label:<16} {rates[label][-1]:8.1f} req/s"
                  f"{f'  {failures} errors' if failures else ''}   load {uptime()}", flush=True)
    return rates


def print_single(args, rates: dict[str, list[float]]) -> dict[str, float]:
    """The medians, the client sizes' hello side by side, each route's share; {phase: share}.
    Shares and the client sizes' ratio are taken round by round and their median printed
    (this machine's load drifts between rounds); a round's hello is the highest of its client
    sizes, so that a client that does not saturate the server cannot inflate a share."""
    median = {label: statistics.median(values) for label, values in rates.items()}
    small, large = rates[f"hello-{args.sizes[0]}"], rates[f"hello-{args.sizes[-1]}"]
    hellos = [f"hello-{n}" for n in args.sizes] + (["hello-wrk"] if "hello-wrk" in rates else [])
    best = [max(rates[label][round_] for label in hellos) for round_ in range(args.rounds)]
    print(f"\nsingle-route phases, median of {args.rounds} rounds (requests/s):")
    print("  hello by client size: " + ", ".join(
        f"{n} Locust process{'es' if n > 1 else ''} {median[f'hello-{n}']:.1f}" for n in args.sizes)
        + f" (largest / smallest, per round: {', '.join(f'{b / a:.2f}' for a, b in zip(small, large))})")
    if "hello-wrk" in rates:
        print(f"  hello by wrk ({args.users} keep-alive connections): {median['hello-wrk']:.1f}; "
              f"largest Locust / wrk, per round: "
              f"{', '.join(f'{b / w:.2f}' if w else '-' for b, w in zip(large, rates['hello-wrk']))}")
    shares = {}
    for phase, _name in ROUTE_PHASES:
        shares[phase] = statistics.median(rate / hello for rate, hello in zip(rates[phase], best))
        goal = GOALS.get(phase)
        verdict = "" if goal is None else \
            f"   goal >= {goal:.0%}: {'met' if shares[phase] >= goal else 'NOT met'}"
        print(f"  {phase:<16}{median[phase]:9.1f}  {shares[phase]:6.1%} of hello{verdict}")
    return shares


def print_mixed(args, mixed: dict, memory) -> bool:
    print(f"\nmixed phase, {args.seconds} s, {args.users} users pausing {args.think} s between "
          f"requests, {args.sizes[-1]} Locust process(es):")
    print(f"  {'route':<18}{'requests':>9}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'errors':>8}")
    errors = 0
    for name, row in sorted(mixed.items(), key=lambda item: item[0] == "Aggregated"):
        errors += int(row["Failure Count"]) if name != "Aggregated" else 0
        print(f"  {name:<18}{row['Request Count']:>9}{float(row['Requests/s']):>8.1f}"
              f"{row['50%']:>8}{row['95%']:>8}{row['Failure Count']:>8}")
    print(f"\nworker memory, MB (resident; unique (USS); anonymous): "
          f"{', '.join(f'{rss:.0f}; {uss:.0f}; {anon:.0f}' for rss, uss, anon in memory)}")
    p95 = float(mixed.get("Aggregated", {}).get("95%", 0) or 0)
    ok = errors == 0 and p95 < 500 and bool(memory) and max(uss for _rss, uss, _anon in memory) < 120
    print(("met" if ok else "NOT met") + f": mixed phase without errors ({errors}), p95 {p95:.0f} ms "
          "< 500 ms, every worker's unique memory (USS) < 120 MB")
    return ok


def main() -> int:
    args = parse_args()
    if args.generate:
        generate_data(args)
    units = sample_units(args.url)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    workdir = tempfile.mkdtemp(prefix="load-")
    print(f"load before: {uptime()}  ({os.cpu_count()} cores); {args.users} users, "
          f"{args.workers} gthread workers, busiest ward {units[1][0]}", flush=True)
    with open(Path(workdir) / "server.log", "ab") as log:
        server = start_server(args.url, port, args.workers, log)
        try:
            rates = single_phases(args, host, units, workdir)
            mixed = run_phase("mixed", host, args.users, args.seconds, units, workdir,
                              args.sizes[-1], args.think)
            memory = worker_memory(server.pid)
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    print(f"load after:  {uptime()}")
    shares = print_single(args, rates)
    ok = print_mixed(args, mixed, memory)
    ok = ok and all(shares[phase] >= goal for phase, goal in GOALS.items())
    print(f"(Locust's CSV and the server's log: {workdir})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
