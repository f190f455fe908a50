"""The conclusion notice is due 5 working days after the meeting — weekends, Vietnamese public
holidays and the year's swapped days skipped — and, once overdue, the job runner tells the host
unit's staff and the admins, once."""
from datetime import date

import pytest

from scheduler.extensions import db
from scheduler.jobs import execution
from scheduler.notifications.models import Notification
from scheduler.core.workdays import add_working_days
from scheduler.paperless.minutes import conclusion_due, save_minutes
from tests.factories import local
from tests.job_helpers import count


def test_due_across_a_weekend_and_new_year(app, tree, create_meeting):
    # Thursday 31/12/2026: Friday 1/1 is New Year's Day, then a weekend
    meeting = create_meeting(tree.phuc_xa, local(2026, 12, 31, 8), minutes=120)
    assert conclusion_due(meeting) == date(2027, 1, 8)  # Friday 08/01/2027


def test_due_across_a_plain_weekend():
    assert add_working_days(date(2026, 12, 3), 5, swaps=[]) == date(2026, 12, 10)  # Thu → Thu


@pytest.mark.parametrize("meeting_day, without_swap, with_swap", [
    # Thursday before Tết Bính Ngọ (16–20/02/2026): the swap adds Monday 23/02 to the break
    (date(2026, 2, 12), date(2026, 2, 26), date(2026, 2, 27)),
    # ... and has Saturday 28/02 worked in exchange: it counts as a working day
    (date(2026, 2, 23), date(2026, 3, 2), date(2026, 2, 28)),
])
def test_due_across_tet_with_a_swapped_saturday(app, tree, meeting_day, without_swap, with_swap,
                                                create_meeting):
    meeting = create_meeting(tree.phuc_xa,
                             local(meeting_day.year, meeting_day.month, meeting_day.day, 14))
    app.config["WORKDAY_SWAPS"] = []
    assert conclusion_due(meeting) == without_swap
    app.config["WORKDAY_SWAPS"] = [("2026-02-23", "2026-02-28")]
    assert conclusion_due(meeting) == with_swap


def test_the_packages_own_swaps_count_their_saturday():
    # 2025: Friday 02/05 off, worked on Saturday 26/04 (the holidays package's record)
    assert add_working_days(date(2025, 4, 25), 1, swaps=[]) == date(2025, 4, 26)


@pytest.fixture
def overdue(app, tree, create_user, create_meeting):
    """A paperless meeting of Phúc Xá held on Thursday 03/12/2026, its notice due 10/12."""
    meeting = create_meeting(tree.phuc_xa, local(2026, 12, 3, 8), status="held",
                             participants=[tree.truc_bach])
    meeting.paperless = True
    create_user("vp_trucbach", "staff", tree.truc_bach)
    db.session.commit()
    return meeting


def _notified():
    return sorted(n.user.username for n in db.session.scalars(
        db.select(Notification).where(Notification.kind == "conclusion_overdue")))


def test_overdue_notice_reaches_host_and_admins_once(app, tree, overdue):
    run = execution.execute("conclusion-notices", now=local(2026, 12, 10, 20))
    assert run.status == "ok" and count(Notification) == 0  # due today: not yet overdue
    execution.execute("conclusion-notices", now=local(2026, 12, 11, 8))
    # the ward's staff and admin, and the city admin; not the invited ward, not the district
    assert _notified() == ["admin", "qt_phucxa", "vp_phucxa"]
    note = db.session.scalars(db.select(Notification)).first()
    assert "10/12/2026" in note.body and note.meeting_id == overdue.id
    execution.execute("conclusion-notices", now=local(2026, 12, 12, 8))
    assert len(_notified()) == 3  # never twice


def test_issued_notice_is_not_overdue(app, tree, overdue):
    save_minutes(tree.users.ward_staff, overdue, {"conclusions": "Thống nhất.",
                                                       "conclusion_issued": True}, local(2026, 12, 9))
    db.session.commit()
    execution.execute("conclusion-notices", now=local(2026, 12, 14, 8))
    assert count(Notification) == 0


def test_overdue_meetings_are_listed_per_scope(app, tree, overdue):
    from scheduler.paperless.minutes import overdue_meetings

    found = overdue_meetings(local(2026, 12, 14, 8), date(2026, 12, 14))
    assert [(m.id, due) for m, due in found] == [(overdue.id, date(2026, 12, 10))]
    assert overdue_meetings(local(2026, 12, 14, 8), date(2026, 12, 14),
                            scope_unit_ids=[tree.hang_bac.id]) == []
