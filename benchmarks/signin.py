"""A wrong password for an existing user against one for a made-up username, with the
production password hash (scrypt): the two medians must be alike, or usernames can be told
apart by the answer's time.

    .venv/bin/python benchmarks/signin.py [--rounds 40]

Builds a throw-away SQLite database with one user, then times `POST /login` with a wrong
password alternately for that user and for names that do not exist (each from an address of
its own, so the throttle never answers in their place). Goal: the medians within 20 % of each
other (the audit measured 247 ms against 26 ms before unknown names were checked against a
dummy hash).
"""
import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler import create_app  # noqa: E402
from scheduler.auth import services  # noqa: E402
from scheduler.extensions import db  # noqa: E402
from scheduler.units.models import Unit  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                          "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                          "PASSWORD_HASH_METHOD": "scrypt", "LOGIN_MAX_FAILURES": 10_000})
        with app.app_context():
            db.create_all()
            city = Unit(code="01", name="Thành phố Hà Nội", kind="city")
            db.session.add(city)
            services.create_user(None, "vanthu", "matkhau-dung-123", "staff", city)
            db.session.commit()
        client = app.test_client()
        timings: dict[str, list[float]] = {"known": [], "unknown": []}
        for i in range(args.rounds):
            for kind, name in (("known", "vanthu"), ("unknown", f"khong-co-{i}")):
                started = time.perf_counter()
                status = client.post("/login", data={"username": name, "password": "sai"},
                                     environ_base={"REMOTE_ADDR": f"10.0.{i % 250}.{len(kind)}"}
                                     ).status_code
                timings[kind].append(time.perf_counter() - started)
                assert status == 401, status
        known, unknown = (statistics.median(timings[k]) * 1000 for k in ("known", "unknown"))
        print(f"wrong password, existing user: median {known:.1f} ms")
        print(f"wrong password, unknown user:  median {unknown:.1f} ms")
        ratio = max(known, unknown) / min(known, unknown)
        print(f"ratio {ratio:.2f} ({'ok' if ratio <= 1.2 else 'TOO DIFFERENT'}: goal ≤ 1.20)")
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
