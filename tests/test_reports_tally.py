"""The running counts behind the reports (reports/tally.py) stay equal to a recount from the
sittings through every kind of change the application makes: booking, series, moves across
half months, cancellations, approval, closing, held-mode corrections, edits of category, mode,
host and time, .ics-free bulk loads excepted (those call rebuild())."""
from datetime import timedelta

import sqlalchemy as sa

from scheduler.core.timeutil import utcnow
from scheduler.extensions import db
from scheduler.jobs.tasks import close_meetings
from scheduler.meetings import services
from scheduler.reports import tally
from scheduler.reports.models import OccurrenceTally
from tests.booking_helpers import at, request_for, weekly_start


def stored() -> dict:
    rows = {(r.unit_id, r.half_month, r.category): tuple(getattr(r, c) for c in tally.COUNTS)
            for r in db.session.scalars(sa.select(OccurrenceTally))}
    return {key: counts for key, counts in rows.items() if any(counts)}


def test_paperless_sittings_are_counted_for_the_paperless_share(tree):
    """The paperless share reads the running counts too: a paperless meeting counts there as
    held or scheduled paperless, and stops counting when it is changed to a plain one."""
    past = services.book_meeting(tree.users.ward_staff, request_for(
        tree.phuc_xa, at(-40, 10), paperless=True))
    services.book_meeting(tree.users.ward_staff, request_for(tree.phuc_xa, at(3), paperless=True))
    db.session.commit()
    ward = {(k[1], k[2]): dict(zip(tally.COUNTS, v)) for k, v in stored().items()
            if k[0] == tree.phuc_xa.id}
    assert sum(c["held_paperless"] for c in ward.values()) == 1
    assert sum(c["scheduled_paperless"] for c in ward.values()) == 1
    assert_in_step()
    services.update_meeting(tree.users.ward_staff, past, {"paperless": False})
    db.session.commit()
    assert sum(v[tally.COUNTS.index("held_paperless")] for k, v in stored().items()
               if k[0] == tree.phuc_xa.id) == 0
    assert_in_step()


def assert_in_step() -> None:
    db.session.commit()
    kept = stored()
    tally.rebuild()
    assert stored() == kept
    db.session.rollback()  # leave the running counts as the application kept them


def test_the_running_counts_equal_a_recount_after_every_change(tree, rooms):
    users = tree.users
    gated = rooms["gated"].id
    one = services.book_meeting(users.ward_staff, request_for(tree.phuc_xa, at(3), mode="online"))
    db.session.commit()
    assert_in_step()
    assert stored(), "booking a meeting counts it"
    series = services.book_meeting(users.district_staff, request_for(
        tree.ba_dinh, weekly_start(2, 6, hh=9), rrule="FREQ=WEEKLY;COUNT=6", category="trien_khai"))
    db.session.commit()
    assert_in_step()
    past = services.book_meeting(users.ward_staff, request_for(tree.phuc_xa, at(-40, 10), mode="hybrid"))
    db.session.commit()
    assert_in_step()
    pending = services.book_meeting(users.district_staff, request_for(tree.ba_dinh, at(5), rooms=[gated]))
    declined = services.book_meeting(users.district_staff, request_for(tree.ba_dinh, at(5, 14), rooms=[gated]))
    db.session.commit()
    assert_in_step()

    steps = [
        lambda: services.move_occurrence(users.district_staff, series.occurrences[1],
                                         (series.occurrences[1].start_at + timedelta(days=20)).isoformat(),
                                         (series.occurrences[1].end_at + timedelta(days=20)).isoformat()),
        lambda: services.cancel_occurrence(users.district_staff, series.occurrences[2], "Trùng lịch"),
        lambda: services.update_meeting(users.ward_staff, one, {"category": "giao_ban", "mode": "in_person"}),
        lambda: services.update_meeting(users.ward_staff, one, {
            "start": (one.start_at + timedelta(days=16)).isoformat(),
            "end": (one.end_at + timedelta(days=16)).isoformat()}),
        lambda: services.update_meeting(users.district_staff, series, {"rrule": "FREQ=WEEKLY;COUNT=8"}),
        lambda: services.update_meeting(users.district_admin, one, {"host_unit": tree.truc_bach.code}),
        lambda: services.set_held_mode(users.ward_staff, past.occurrences[0], "in_person"),
        lambda: services.approve_meeting(users.district_admin, pending, "Đồng ý"),
        lambda: services.decline_meeting(users.district_admin, declined, "Phòng bận"),
        lambda: close_meetings(utcnow() + timedelta(days=4)),
        lambda: services.cancel_meeting(users.district_staff, series, "Dừng chuỗi"),
    ]
    for step in steps:
        step()
        assert_in_step()


def test_an_upgraded_installation_is_counted_once(tree):
    """Before the running counts existed, meetings were booked without them: the migration
    after the counts' table counts them once, and leaves existing counts alone."""
    services.book_meeting(tree.users.ward_staff, request_for(tree.phuc_xa, at(3)))
    db.session.commit()
    kept = stored()
    db.session.execute(sa.delete(OccurrenceTally))  # as the upgrade leaves it
    db.session.commit()
    run_migration("b4d6f8a0c2e4")
    assert stored() == kept
    before = stored()
    run_migration("b4d6f8a0c2e4")  # counts present: nothing counted twice
    assert stored() == before


def run_migration(revision: str) -> None:
    """One migration's upgrade() on the test database, as `flask db upgrade` runs it."""
    import importlib.util
    from pathlib import Path

    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    folder = Path(tally.__file__).resolve().parent.parent / "migrations" / "versions"
    [path] = folder.glob(f"{revision}_*.py")
    spec = importlib.util.spec_from_file_location(f"migration_{revision}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with db.engine.begin() as connection:
        with Operations.context(MigrationContext.configure(connection)):
            module.upgrade()
