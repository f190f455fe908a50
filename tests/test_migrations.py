"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from scheduler import create_app
from scheduler.core.types import include_migration_object
from scheduler.extensions import db

from .conftest import make_config

UNITS = Path(__file__).resolve().parents[1] / "scheduler" / "units" / "data"


@pytest.fixture
def fresh_url(fresh_databases):
    return fresh_databases()


def test_migrations_build_the_models_schema(fresh_url):
    app = create_app(make_config(fresh_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_migration_object}),
                                     db.metadata)
            if db.engine.dialect.name == "postgresql":
                exclusion = conn.exec_driver_sql(
                    "SELECT 1 FROM pg_constraint WHERE conname = 'ex_reservation_no_overlap'").scalar()
                assert exclusion == 1
        db.engine.dispose()
    assert diffs == []


def test_migrations_guard_reservations_on_either_database(fresh_url):
    """`flask db upgrade` alone installs the database's own guard against double booking:
    the exclusion constraint on PostgreSQL, the triggers that stand in for it on SQLite."""
    app = create_app(make_config(fresh_url))
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            if db.engine.dialect.name == "postgresql":
                names = set(conn.exec_driver_sql("SELECT conname FROM pg_constraint").scalars())
                wanted = {"ex_reservation_no_overlap"}
            else:
                names = set(conn.exec_driver_sql(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'").scalars())
                wanted = {"tr_reservation_no_overlap_insert", "tr_reservation_no_overlap_update"}
        db.engine.dispose()
    assert wanted <= names


def _working_days_around(today, offsets):
    from scheduler.meetings.rules import holiday_name

    days = []
    for offset in offsets:
        day = today + timedelta(days=offset)
        while day.weekday() >= 5 or holiday_name(day) or day in days:
            day += timedelta(days=1 if offset > 0 else -1)
        days.append(day)
    return days


def test_flask_db_upgrade_alone_reports_what_init_db_reports(fresh_databases):
    """An installation upgraded with a plain `flask db upgrade` (as microblog's deploy does)
    answers the same report figures as one made by `init-db`, and reading them writes nothing
    (no default targets are stored by a GET)."""
    from scheduler.auth.models import User
    from scheduler.endpoints.services import create_endpoint
    from scheduler.units.models import Unit
    from scheduler.core.timeutil import LOCAL_TZ, today_local
    from scheduler.meetings import services
    from scheduler.reports.models import Target

    today = today_local()
    days = _working_days_around(today, (-20, -12, -6, -2, 4))
    bookings = [("trien_khai", "online"), ("trien_khai", "in_person"), ("giao_ban", "hybrid"),
                ("khac", "in_person"), ("tap_huan", "online")]
    period = f"start={today - timedelta(days=40)}&end={today + timedelta(days=40)}&unit=01"
    answers, stored = {}, {}
    for command in ("db upgrade", "init-db"):
        app = create_app(make_config(fresh_databases()))
        runner = app.test_cli_runner()
        for args in (command.split(), ["import-units", str(UNITS / "hanoi_2024.csv")],
                     ["import-units", str(UNITS / "hanoi_2025.csv")],
                     ["create-user", "vanphong", "--role", "admin", "--unit", "01",
                      "--password", "matkhau123"]):
            result = runner.invoke(args=args)
            assert result.exit_code == 0, result.output
        with app.app_context():
            admin = db.session.scalar(sa.select(User).where(User.username == "vanphong"))
            create_endpoint(admin, Unit.by_code("00070"), {
                "name": "Điểm cầu UBND phường", "host": "127.0.0.1", "port": 5060,
                "protocol": "sip", "wan_connected_on": date(2024, 1, 2),
                "vc_deployed_on": date(2024, 1, 2)})
            db.session.commit()
            for n, (day, (category, mode)) in enumerate(zip(days, bookings)):
                start = datetime(day.year, day.month, day.day, 8 + n, 0, tzinfo=LOCAL_TZ)
                services.book_meeting(admin, {
                    "title": f"Họp số {n}", "category": category, "host_unit": "00070",
                    "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
                    "mode": mode})
                db.session.commit()
            client = app.test_client()
            client.post("/login", data={"username": "vanphong", "password": "matkhau123"})
            response = client.get(f"/api/v1/reports/targets?{period}")
            assert response.status_code == 200, response.get_data(as_text=True)
            assert client.get(f"/reports?{period}").status_code == 200
            answers[command] = response.get_json()
            stored[command] = db.session.scalar(sa.select(sa.func.count()).select_from(Target))
            db.session.remove()
            db.engine.dispose()
    assert answers["db upgrade"] == answers["init-db"]
    figures = {t["code"]: (t["numerator"], t["denominator"]) for t in answers["init-db"]["targets"]}
    assert figures["online_80"] == (1, 2) and figures["online_30"] == (1, 2)
    assert stored == {"db upgrade": 0, "init-db": len(answers["init-db"]["targets"])}
