"""Series of meetings: RRULE expansion, bounds, conflicting dates (fail or skip), restoring a
skipped date, single-sitting moves and cancellations, changing a running series."""
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from scheduler.audit.models import AuditEntry
from scheduler.core.errors import Conflict, ValidationError
from scheduler.core.timeutil import LOCAL_TZ
from scheduler.extensions import db
from scheduler.notifications.models import Notification
from scheduler.meetings import integrity, serializers, services
from scheduler.meetings.models import CATEGORIES, Meeting, Occurrence, Reservation
from scheduler.reports.counting import counted_occurrences
from scheduler.reports.periods import custom_period
from tests.booking_helpers import at, request_for, weekly_start
from tests.conftest import count


def monday(weeks_ahead: int, hh: int = 8):
    start = at(7 * weeks_ahead, hh)
    return start - timedelta(days=start.weekday())


def series(user, unit, start, rule, **kw):
    meeting = services.book_meeting(user, request_for(unit, start, rrule=rule, **kw))
    db.session.commit()
    return meeting


def local_dates(meeting):
    return [o.start_at.astimezone(LOCAL_TZ).date() for o in meeting.occurrences]


def test_weekly_series_on_chosen_days(tree):
    start = monday(2)
    meeting = series(tree.users.ward_staff, tree.phuc_xa, start, "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6")
    dates = local_dates(meeting)
    assert len(dates) == 6 and {d.weekday() for d in dates} == {0, 3}
    assert all(o.start_at.astimezone(LOCAL_TZ).hour == 8 for o in meeting.occurrences)
    assert meeting.start_at == meeting.occurrences[0].start_at


def test_every_two_weeks_until_and_monthly_nth_weekday(tree):
    start = monday(1)
    until = (start + timedelta(weeks=8)).strftime("%Y%m%d")
    fortnightly = series(tree.users.ward_staff, tree.phuc_xa, start,
                         f"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO;UNTIL={until}")
    gaps = {(b - a).days for a, b in zip(local_dates(fortnightly), local_dates(fortnightly)[1:])}
    assert gaps == {14} and len(fortnightly.occurrences) == 5
    monthly = series(tree.users.ward_staff, tree.phuc_xa, start.replace(hour=14),
                     "FREQ=MONTHLY;BYDAY=+2TU;COUNT=4")
    for day in local_dates(monthly):
        assert day.weekday() == 1 and 8 <= day.day <= 14
    by_date = series(tree.users.ward_staff, tree.phuc_xa, start.replace(hour=16),
                     "FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3")
    assert {d.day for d in local_dates(by_date)} == {15}


@pytest.mark.parametrize("rule, words", [
    ("FREQ=DAILY", "370"),  # no end: would run forever
    ("FREQ=WEEKLY;BYDAY=MO", "2 năm"),
    ("FREQ=DAILY;COUNT=400", "370"),
    ("FREQ=YEARLY;COUNT=5", "2 năm"),
    ("FREQ=MINUTELY;COUNT=3", "Tần suất"),
    ("FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2;COUNT=2", "không sinh ra"),
    ("FREQ=WEEKLY;COUNT=many", "không hợp lệ"),
    ("DTSTART:20260101T000000\nRRULE:FREQ=DAILY;COUNT=2", "DTSTART"),
    # dateutil loops for ever on INTERVAL=0 without COUNT, and repeats one date with it
    ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
    ("FREQ=DAILY;INTERVAL=0;COUNT=2", "INTERVAL"),
    ("FREQ=WEEKLY;INTERVAL=-1;COUNT=2", "INTERVAL"),
    ("FREQ=MONTHLY;BYDAY=9MO;COUNT=2", "BYDAY"),  # dateutil raises IndexError
    ("FREQ=MONTHLY;BYMONTHDAY=0;COUNT=2", "BYMONTHDAY"),
    # several sittings a day would take one room at once
    ("FREQ=DAILY;COUNT=3;BYHOUR=8,9,10;BYMINUTE=0,15,30,45", "BYHOUR"),
    ("FREQ=DAILY;COUNT=0", "COUNT"),
])
def test_absurd_recurrences_are_refused(tree, rule, words):
    before = count(Occurrence)
    with pytest.raises(ValidationError) as info:
        services.book_meeting(tree.users.ward_staff, request_for(tree.phuc_xa, monday(1), rrule=rule))
    db.session.rollback()
    assert words in info.value.details["fields"]["rrule"]
    assert count(Occurrence) == before and count(Meeting) == 0


def test_series_conflicts_list_every_clashing_date(tree, rooms):
    room = rooms["phuc_xa"].id
    start = monday(1)
    for week in (1, 3):
        services.book_meeting(tree.users.ward_admin, request_for(
            tree.phuc_xa, start + timedelta(weeks=week, hours=1), rooms=[room], title=f"Chặn {week}"))
        db.session.commit()
    data = request_for(tree.phuc_xa, start, 120, rooms=[room], rrule="FREQ=WEEKLY;COUNT=5")
    with pytest.raises(Conflict) as info:
        services.book_meeting(tree.users.ward_staff, data)
    db.session.rollback()
    clashing = [(start + timedelta(weeks=w)).date().isoformat() for w in (1, 3)]
    assert sorted({c["date"] for c in info.value.details["conflicts"]}) == clashing
    assert info.value.details["dates"] == clashing
    assert count(Meeting) == 2
    # the booker chooses to skip those dates
    meeting = series(tree.users.ward_staff, tree.phuc_xa, start, "FREQ=WEEKLY;COUNT=5", minutes=120,
                     rooms=[room], on_conflict="skip")
    assert len(meeting.occurrences) == 3
    skipped = [v[:10] for v in serializers.meeting_to_dict(meeting, tree.users.ward_staff)["skipped"]]
    assert skipped == clashing


def test_skip_dates_and_restore_a_skipped_date(tree, rooms):
    room = rooms["phuc_xa"].id
    start = monday(1)
    second = (start + timedelta(weeks=1)).date()
    meeting = series(tree.users.ward_staff, tree.phuc_xa, start, "FREQ=WEEKLY;COUNT=3",
                     rooms=[room], skip_dates=[second.isoformat()])
    assert second not in local_dates(meeting) and len(meeting.exdates) == 1
    # someone takes the room on the skipped date: restoring is refused
    blocker = services.book_meeting(tree.users.ward_admin, request_for(
        tree.phuc_xa, start + timedelta(weeks=1), rooms=[room], title="Họp chen"))
    db.session.commit()
    with pytest.raises(Conflict):
        services.restore_occurrence(tree.users.ward_staff, meeting, start + timedelta(weeks=1))
    db.session.rollback()
    services.cancel_meeting(tree.users.ward_admin, blocker, "nhường phòng")
    db.session.commit()
    occ = services.restore_occurrence(tree.users.ward_staff, meeting,
                                      (start + timedelta(weeks=1)).isoformat())
    db.session.commit()
    meeting = db.session.get(Meeting, meeting.id)
    assert second in local_dates(meeting) and meeting.exdates == [] and occ.status == "scheduled"
    with pytest.raises(ValidationError):
        services.restore_occurrence(tree.users.ward_staff, meeting, start + timedelta(weeks=1))


def test_one_sitting_moves_or_is_cancelled_alone(tree, rooms):
    room = rooms["phuc_xa"].id
    start = monday(1)
    meeting = series(tree.users.ward_staff, tree.phuc_xa, start, "FREQ=WEEKLY;COUNT=4", rooms=[room])
    second, third = meeting.occurrences[1], meeting.occurrences[2]
    original = second.start_at
    services.move_occurrence(tree.users.ward_staff, second, (original + timedelta(days=1)).isoformat(),
                             (original + timedelta(days=1, hours=1)).isoformat())
    db.session.commit()
    assert second.moved and second.original_start == original
    assert second.start_at == original + timedelta(days=1)
    with force_locale("en"):  # an English-speaking booker: the log still reads in the installation's language
        services.cancel_occurrence(tree.users.ward_staff, third, "Trùng lịch tiếp dân")
    db.session.commit()
    summaries = db.session.scalars(sa.select(AuditEntry.summary).where(
        AuditEntry.action.in_(["meeting.occurrence_move", "meeting.occurrence_cancel"]))
        .order_by(AuditEntry.id)).all()
    assert [s.split(": ", 1)[1].split(" ")[:2] for s in summaries] == [["dời", "buổi"], ["hủy", "buổi"]]
    statuses = [o.status for o in db.session.get(Meeting, meeting.id).occurrences]
    assert statuses == ["scheduled", "scheduled", "cancelled", "scheduled"]
    assert meeting.status == "scheduled" and meeting.sequence == 2
    # the original slot and the cancelled one are free now, the moved one is taken
    assert series(tree.users.ward_admin, tree.phuc_xa, original, "FREQ=WEEKLY;INTERVAL=1;COUNT=1",
                  rooms=[room]).id
    assert series(tree.users.ward_admin, tree.phuc_xa, third.start_at, "FREQ=DAILY;COUNT=1",
                  rooms=[room]).id
    with pytest.raises(Conflict):
        services.book_meeting(tree.users.ward_admin, request_for(
            tree.phuc_xa, original + timedelta(days=1), rooms=[room]))


def test_a_sitting_moves_by_less_than_its_length(tree, rooms):
    """Its old reservations give way to the new ones (on PostgreSQL the exclusion constraint
    would otherwise see the sitting clash with itself)."""
    room = rooms["phuc_xa"].id
    meeting = series(tree.users.ward_staff, tree.phuc_xa, monday(1), "FREQ=WEEKLY;COUNT=2",
                     rooms=[room], mode="online")
    first = meeting.occurrences[0]
    later = (first.start_at + timedelta(minutes=30), first.end_at + timedelta(minutes=30))
    services.move_occurrence(tree.users.ward_staff, first, *(t.isoformat() for t in later))
    db.session.commit()
    taken = db.session.scalars(sa.select(Reservation).where(
        Reservation.occurrence_id == first.id, Reservation.active)).all()
    assert {(r.resource_kind, r.ends_at) for r in taken} == {("room", later[1]), ("endpoint", later[1])}
    assert min(r.starts_at for r in taken) == later[0] - timedelta(minutes=30)


def test_moving_a_sitting_onto_a_taken_slot_is_refused(tree, rooms):
    room = rooms["phuc_xa"].id
    start = monday(1)
    meeting = series(tree.users.ward_staff, tree.phuc_xa, start, "FREQ=WEEKLY;COUNT=2", rooms=[room])
    services.book_meeting(tree.users.ward_admin, request_for(tree.phuc_xa, start.replace(hour=14),
                                                             rooms=[room], title="Buổi chiều"))
    db.session.commit()
    first = meeting.occurrences[0]
    with pytest.raises(Conflict) as info:
        services.move_occurrence(tree.users.ward_staff, first, start.replace(hour=14),
                                 start.replace(hour=15))
    db.session.rollback()
    assert info.value.details["conflicts"][0]["title"] == "Buổi chiều"
    with pytest.raises(ValidationError):
        services.move_occurrence(tree.users.ward_staff, first, "sáng mai", "chiều mai")
    db.session.rollback()
    assert db.session.get(Occurrence, first.id).start_at == start


def test_changing_a_running_series_keeps_past_sittings(tree, rooms):
    room = rooms["phuc_xa"].id
    # three weekly sittings wholly in the past (the last one yesterday or before, whatever the
    # hour the suite runs at), two to come
    start = weekly_start(-15, 5)
    meeting = series(tree.users.ward_staff, tree.phuc_xa, start, "FREQ=WEEKLY;COUNT=5", rooms=[room],
                     mode="online")
    held = [o for o in meeting.occurrences if o.status == "held"]
    assert len(held) == 3 and all(o.held_mode == "online" for o in held)
    assert meeting.status == "scheduled"
    held_ids = {o.id: o.start_at for o in held}
    services.update_meeting(tree.users.ward_staff, meeting, {
        "start": start.replace(hour=14).isoformat(), "end": start.replace(hour=15).isoformat()})
    db.session.commit()
    meeting = db.session.get(Meeting, meeting.id)
    kept = {o.id: o.start_at for o in meeting.occurrences if o.id in held_ids}
    assert kept == held_ids
    coming = [o for o in meeting.occurrences if o.id not in held_ids]
    assert len(coming) == 2 and all(o.start_at.astimezone(LOCAL_TZ).hour == 14 for o in coming)
    assert meeting.sequence == 1
    # the old morning slots of coming weeks are free again
    active = db.session.scalars(sa.select(Reservation).where(Reservation.active)).all()
    assert len(active) == 5 * 2  # each sitting: the room and the host's endpoint
    assert sorted(r.starts_at.astimezone(LOCAL_TZ).hour for r in active if r.resource_kind == "room") == [
        8, 8, 8, 14, 14]


def test_cancelling_a_running_series_keeps_what_was_held(tree):
    meeting = series(tree.users.ward_staff, tree.phuc_xa, weekly_start(-8, 3), "FREQ=WEEKLY;COUNT=3")
    services.cancel_meeting(tree.users.ward_staff, meeting, "Dừng chuỗi")
    db.session.commit()
    assert [o.status for o in db.session.get(Meeting, meeting.id).occurrences] == [
        "held", "held", "cancelled"]


def test_a_stopped_running_series_stays_held_in_the_check_and_the_reports(tree):
    """Before: cancelling a series some of whose sittings were held marked the meeting
    cancelled; `flask check` reported it (a cancelled meeting with held sittings) and the reports
    dropped the sittings that had taken place. The participants still hear of it."""
    start = weekly_start(-8, 3)
    meeting = series(tree.users.ward_staff, tree.phuc_xa, start, "FREQ=WEEKLY;COUNT=3",
                     participants=["001"])
    services.cancel_meeting(tree.users.ward_staff, meeting, "Dừng chuỗi")
    db.session.commit()
    meeting = db.session.get(Meeting, meeting.id)
    assert [o.status for o in meeting.occurrences] == ["held", "held", "cancelled"]
    assert (meeting.status, meeting.cancel_reason) == ("held", "Dừng chuỗi")
    assert integrity.problems() == []
    period = custom_period(start.date(), start.date() + timedelta(days=21))
    counted = counted_occurrences(CATEGORIES, tree.phuc_xa, period).subquery()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(counted)) == 2
    told = db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "cancellation", Notification.meeting_id == meeting.id)).all()
    assert sorted(told) == sorted(u.id for u in (tree.users.district_admin,
                                                 tree.users.district_viewer,
                                                 tree.users.district_staff))
    # what was held and did not take place is withdrawn afterwards, with a reason
    services.cancel_meeting(tree.users.ward_staff, meeting, "Nhập nhầm")
    db.session.commit()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    assert integrity.problems() == []


def test_sittings_of_one_series_may_not_overlap(tree):
    """A daily series of 30-hour sittings would hold its own room twice at once."""
    before = count(Occurrence)
    with pytest.raises(ValidationError) as info:
        services.book_meeting(tree.users.ward_staff, request_for(
            tree.phuc_xa, monday(1), minutes=30 * 60, rrule="FREQ=DAILY;COUNT=3"))
    db.session.rollback()
    assert "chồng lên nhau" in info.value.details["fields"]["rrule"]
    assert count(Occurrence) == before


@pytest.mark.parametrize("rule, said", [
    ("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6", "Hằng tuần vào Thứ Hai, Thứ Năm; 6 lần"),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;UNTIL=20261231", "2 tuần một lần vào Thứ Sáu; đến ngày 31/12/2026"),
    ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", "Hằng tháng vào Thứ Sáu cuối cùng của tháng; 3 lần"),
    ("FREQ=MONTHLY;BYDAY=2TU;COUNT=4", "Hằng tháng vào Thứ Ba, lần 2 trong tháng; 4 lần"),
    ("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1;COUNT=4", "Hằng tháng vào Thứ Hai đầu tiên của tháng; 4 lần"),
    ("FREQ=MONTHLY;BYMONTHDAY=15;COUNT=12", "Hằng tháng vào ngày 15; 12 lần"),
])
def test_a_series_is_described_in_words_on_the_meeting_page(tree, client, auth, rule, said):
    from scheduler.core.recurrence import describe, normalise_rule

    assert describe(normalise_rule(rule)) == said
    meeting = series(tree.users.ward_staff, tree.phuc_xa, monday(1), rule)
    auth.login("vp_phucxa")
    page = client.get(f"/meetings/{meeting.id}").get_data(as_text=True)
    assert f'data-testid="recurrence">{said} <code' in page
