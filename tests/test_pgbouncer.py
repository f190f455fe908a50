"""The README's advice for PgBouncer in transaction mode works as written: with
DB_PREPARE_THRESHOLD=none the application never prepares statements on the server, so a
transaction that PgBouncer hands to another server connection finds nothing missing. Several
client threads share two server connections here, reading pages and lists and booking, well
past psycopg's five runs after which it would otherwise prepare."""
import os
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import datetime, time as clock, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from scheduler import create_app
from scheduler.auth import services as auth_services
from scheduler.extensions import db
from tests.conftest import free_port, make_config

PGBOUNCER = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"


@pytest.fixture
def pgbouncer(app, is_postgres):
    """PgBouncer in transaction mode on a loopback port, two server connections to the test's
    database; yields its URL."""
    if not is_postgres:
        pytest.skip("PgBouncer stands in front of PostgreSQL")
    if not os.path.exists(PGBOUNCER):
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail("REQUIRE_POSTGRES=1 but pgbouncer is not installed (apt-get install pgbouncer)")
        pytest.skip("pgbouncer is not installed")
    url = db.engine.url
    port = free_port()
    # pgbouncer drops root for the postgres user, who cannot enter pytest's private folders
    tmp_path = Path(tempfile.mkdtemp(prefix="pgbouncer-"))
    tmp_path.chmod(0o777)
    (tmp_path / "users.txt").write_text(f'"{url.username}" ""\n')
    (tmp_path / "pgbouncer.ini").write_text(f"""[databases]
{url.database} = host={url.host} port={url.port or 5432} dbname={url.database}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = trust
auth_file = {tmp_path / "users.txt"}
pool_mode = transaction
default_pool_size = 2
max_client_conn = 100
logfile = {tmp_path / "pgbouncer.log"}
pidfile = {tmp_path / "pgbouncer.pid"}
""")
    for name in ("users.txt", "pgbouncer.ini"):
        (tmp_path / name).chmod(0o644)
    command = [PGBOUNCER, str(tmp_path / "pgbouncer.ini")]
    if os.geteuid() == 0:
        command[1:1] = ["-u", "postgres"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    proxied = url.set(host="127.0.0.1", port=port)
    probe = sa.create_engine(proxied)
    try:
        for _ in range(100):
            try:
                with probe.connect() as conn:
                    conn.execute(sa.text("SELECT 1"))
                break
            except sa.exc.OperationalError:
                time.sleep(0.1)
        else:
            pytest.fail("pgbouncer did not start:\n" + (tmp_path / "pgbouncer.log").read_text())
        yield proxied.render_as_string(hide_password=False)
    finally:
        probe.dispose()
        process.terminate()
        process.wait(timeout=20)
        shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_application_runs_behind_pgbouncer_in_transaction_mode(
        app, tree, rooms, pgbouncer, monkeypatch):
    raw, _ = auth_services.issue_token(tree.users.ward_admin)
    db.session.commit()
    monkeypatch.setenv("DB_PREPARE_THRESHOLD", "none")
    proxied = create_app(make_config(pgbouncer.replace("postgresql+psycopg://", "postgresql://")))
    assert proxied.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["prepare_threshold"] is None
    bearer = {"Authorization": f"Bearer {raw}"}
    answers, lock = [], threading.Lock()

    def client_thread(n: int):
        client = proxied.test_client()
        for i in range(8):
            day = tree.day + timedelta(days=7 * (n * 8 + i))
            reads = [f"/api/v1/meetings?unit=00001&start={tree.day}&end={tree.day + timedelta(days=30)}",
                     "/api/v1/units?parent=001", "/api/v1/rooms?unit=00001"]
            got = [client.get(path, headers=bearer).status_code for path in reads]
            start = datetime.combine(day, clock(9)).isoformat() + "+07:00"
            end = datetime.combine(day, clock(10)).isoformat() + "+07:00"
            booked = client.post("/api/v1/meetings", headers=bearer, json={
                "title": f"Giao ban {n}-{i}", "category": "giao_ban", "host_unit": "00001",
                "start": start, "end": end, "mode": "in_person", "participants": ["00004"]})
            with lock:
                answers.extend(got + [booked.status_code])

    with proxied.app_context():
        threads = [threading.Thread(target=client_thread, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        db.session.remove()
        db.engine.dispose()
    assert len(answers) == 4 * 8 * 4
    assert set(answers) <= {200, 201}, sorted(set(answers))
    assert answers.count(201) == 32
