"""send-reminders, called with fixed `now`s: once per notice, late but before the start when the
runner was down, afresh for a moved meeting, never for a cancelled one."""
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.extensions import db
from scheduler.notifications.models import NoticeDelivery, Notification
from scheduler.jobs.tasks import send_reminders
from scheduler.mail.models import OutgoingMail
from tests.factories import local
from tests.job_helpers import count, move_occurrence

START = local(2026, 12, 10, 9, 0)  # a Thursday morning in Hà Nội
DAY, HOUR, MINUTE = timedelta(days=1), timedelta(hours=1), timedelta(minutes=1)


@pytest.fixture
def app_config():
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": 2525}


@pytest.fixture
def meeting(tree, create_meeting):
    """Ba Đình hosts, Phúc Xá and Trúc Bạch take part; the units have office mailboxes and
    technical contacts."""
    tree.ba_dinh.email, tree.ba_dinh.tech_email = "vp@badinh.gov.vn", "kt@badinh.gov.vn"
    tree.phuc_xa.tech_email = "kt@phucxa.gov.vn"
    tree.truc_bach.email = "truc.bach@hanoi.gov.vn"
    made = create_meeting(tree.ba_dinh, START, participants=[tree.phuc_xa, tree.truc_bach],
                          title="Giao ban công tác chuyển đổi số")
    db.session.commit()
    return made


def users_notified(kind="reminder") -> list[str]:
    db.session.rollback()
    return sorted(db.session.scalars(
        sa.select(Notification.user_id).where(Notification.kind == kind)).all())


def usernames(*users) -> list[int]:
    return sorted(u.id for u in users)


def test_one_day_before_every_unit_is_reminded_once(tree, meeting):
    users = tree.users
    send_reminders(START - DAY + MINUTE)
    # the host's and the participants' users, each once; Hàng Bạc is not invited
    assert users_notified() == usernames(users.district_admin, users.district_viewer,
                                         users.district_staff, users.ward_staff, users.ward_admin)
    mail = db.session.scalars(sa.select(OutgoingMail)).one()
    assert mail.recipients == ["phucxa@hanoi.gov.vn", "truc.bach@hanoi.gov.vn", "vp@badinh.gov.vn"]
    assert "Giao ban công tác chuyển đổi số" in mail.subject and "09:00 10/12/2026" in mail.subject
    assert "nhắc trước 1 ngày" in mail.body_text

    send_reminders(START - DAY + MINUTE)  # a second run, or a second runner
    send_reminders(START - DAY + 30 * MINUTE)
    assert len(users_notified()) == 5
    assert count(OutgoingMail) == 1


def test_each_offset_has_its_own_reminder(tree, meeting):
    send_reminders(START - 2 * DAY)  # too early
    assert count(Notification) == 0
    send_reminders(START - DAY)
    send_reminders(START - HOUR)
    send_reminders(START - HOUR + 10 * MINUTE)
    assert count(NoticeDelivery) == 2
    assert len(users_notified()) == 10
    bodies = [m.body_text for m in db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id))]
    assert "nhắc trước 1 ngày" in bodies[0] and "nhắc trước 1 giờ" in bodies[1]


def test_reminder_missed_while_the_runner_was_down_is_sent_late_before_the_start(tree, meeting):
    # the runner was down from two days before until three hours before the start
    send_reminders(START - 3 * HOUR)
    assert count(NoticeDelivery) == 1
    assert len(users_notified()) == 5
    # it says how much time is really left, not "one day ahead"
    late = db.session.scalars(sa.select(OutgoingMail)).one().body_text
    assert "chỉ còn khoảng 3 giờ" in late and "nhắc trước 1 ngày" not in late
    # down again until 30 minutes before: only the latest reminder goes out, not both
    send_reminders(START - 30 * MINUTE)
    assert count(NoticeDelivery) == 2
    assert len(users_notified()) == 10


def test_reminder_missed_entirely_is_skipped_once_the_meeting_has_started(tree, meeting):
    send_reminders(START)
    send_reminders(START + 5 * MINUTE)
    assert count(Notification) == 0 and count(OutgoingMail) == 0


def test_a_meeting_booked_an_hour_ahead_gets_a_single_reminder(tree, meeting):
    send_reminders(START - 40 * MINUTE)
    send_reminders(START - 20 * MINUTE)
    assert count(NoticeDelivery) == 1
    assert len(users_notified()) == 5


def test_moved_meeting_gets_fresh_reminders_with_the_new_time(tree, meeting):
    send_reminders(START - DAY + MINUTE)
    assert count(OutgoingMail) == 1
    move_occurrence(meeting.occurrences[0], START + 2 * HOUR)
    db.session.commit()
    send_reminders(START - DAY + 2 * MINUTE)  # the new time is not one day away yet
    assert count(NoticeDelivery) == 1
    send_reminders(START + 2 * HOUR - DAY)
    assert count(NoticeDelivery) == 2
    newest = db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id.desc())).first()
    assert "11:00 10/12/2026" in newest.subject
    send_reminders(START + 2 * HOUR - DAY + MINUTE)
    assert count(OutgoingMail) == 2


def test_cancelled_meeting_gets_no_reminder(tree, meeting):
    meeting.status = "cancelled"
    meeting.occurrences[0].status = "cancelled"
    db.session.commit()
    send_reminders(START - DAY + MINUTE)
    send_reminders(START - 30 * MINUTE)
    assert count(Notification) == 0 and count(OutgoingMail) == 0


def test_cancelled_sitting_of_a_series_gets_none_the_others_do(tree, create_meeting):
    series = create_meeting(tree.ba_dinh, START, participants=[tree.phuc_xa],
                            extra_starts=[START + 7 * DAY, START + 14 * DAY])
    series.occurrences[1].status = "cancelled"
    db.session.commit()
    for day in range(15):
        send_reminders(START - DAY + day * DAY + MINUTE)
    reminded = set(db.session.scalars(sa.select(NoticeDelivery.occurrence_id)))
    assert reminded == {series.occurrences[0].id, series.occurrences[2].id}


def test_pending_meeting_awaiting_approval_gets_no_reminder(tree, create_meeting):
    create_meeting(tree.ba_dinh, START, participants=[tree.phuc_xa], status="pending")
    db.session.commit()
    send_reminders(START - DAY + MINUTE)
    assert count(Notification) == 0


def test_online_meeting_reminds_technical_contacts_at_the_connection_test(tree, create_meeting):
    tree.ba_dinh.tech_email = "kt@badinh.gov.vn"
    tree.phuc_xa.tech_email = "kt@phucxa.gov.vn"
    online = create_meeting(tree.ba_dinh, START, participants=[tree.phuc_xa], mode="online",
                            join_url="https://meet.hanoi.gov.vn/giaoban")
    db.session.commit()
    send_reminders(START - HOUR)
    assert users_notified("tech_reminder") == []  # the test starts 30 minutes before
    send_reminders(START - 30 * MINUTE)
    send_reminders(START - 29 * MINUTE)
    # the IT leads of the units inside the application, the technical contacts by e-mail
    assert users_notified("tech_reminder") == usernames(tree.users.district_admin,
                                                        tree.users.ward_admin)
    tech_mail = db.session.scalars(sa.select(OutgoingMail).where(
        OutgoingMail.purpose == "tech_reminder")).one()
    assert tech_mail.recipients == ["kt@badinh.gov.vn", "kt@phucxa.gov.vn"]
    assert "08:30 10/12/2026" in tech_mail.body_text
    assert "https://meet.hanoi.gov.vn/giaoban" in tech_mail.body_text
    assert tech_mail.meeting_id == online.id


def test_in_person_meeting_has_no_connection_test_reminder(tree, meeting):
    send_reminders(START - 30 * MINUTE)
    assert users_notified("tech_reminder") == []


def test_without_smtp_reminders_stay_in_the_application(app, tree, meeting):
    app.config["SMTP_HOST"] = None
    send_reminders(START - DAY + MINUTE)
    assert len(users_notified()) == 5
    assert count(OutgoingMail) == 0


def test_two_runners_at_the_same_moment_deliver_once(app, tree, meeting):
    barrier = threading.Barrier(2)
    errors = []

    def runner():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                send_reminders(START - DAY + MINUTE)
        except Exception as err:  # surfaced by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(users_notified()) == 5
    assert count(OutgoingMail) == 1


# -- reminders of meetings changed through the booking service ------------------------------
def booked(tree, start, **kw):
    from scheduler.meetings import services
    from tests.booking_helpers import request_for

    made = services.book_meeting(tree.users.district_staff, request_for(
        tree.ba_dinh, start, participants=[tree.phuc_xa.code], **kw))
    db.session.commit()
    return made


def reminder_mails() -> list:
    db.session.rollback()
    return list(db.session.scalars(sa.select(OutgoingMail).where(OutgoingMail.purpose == "reminder")
                                   .order_by(OutgoingMail.id)))


@pytest.mark.parametrize("change", ["end", "series"])
def test_a_change_that_keeps_the_start_sends_no_second_reminder(tree, change):
    """Changing the end, or the series around a sitting, rebuilds the coming occurrence rows
    (new ids): the reminder already sent for the same start must not go out again."""
    from scheduler.meetings import services
    from tests.booking_helpers import weekly_start

    start = weekly_start(10, 5, hh=9)
    rule = {"rrule": "FREQ=WEEKLY;COUNT=3"} if change == "series" else {}
    meeting = booked(tree, start, **rule)
    booked(tree, start + 2 * DAY)  # a later row: the rebuilt sitting cannot reuse the freed id
    send_reminders(start - DAY + MINUTE)
    assert count(NoticeDelivery) == 1
    first_id = meeting.occurrences[0].id
    new = ({"end": (start + 2 * HOUR).isoformat()} if change == "end"
           else {"rrule": "FREQ=WEEKLY;COUNT=5"})
    services.update_meeting(tree.users.district_staff, meeting, new)
    db.session.commit()
    assert db.session.get(type(meeting), meeting.id).occurrences[0].id != first_id
    send_reminders(start - DAY + 2 * MINUTE)
    assert count(NoticeDelivery) == 1 and len(reminder_mails()) == 1


def test_cancelling_withdraws_the_reminder_mail_still_queued(tree):
    from scheduler.meetings import services
    from tests.booking_helpers import at

    meeting = booked(tree, at(10, 9))
    send_reminders(meeting.start_at - DAY + MINUTE)
    assert [m.status for m in reminder_mails()] == ["queued"]
    services.cancel_meeting(tree.users.district_staff, meeting, "Hoãn họp")
    db.session.commit()
    assert reminder_mails() == []


def test_moving_a_sitting_withdraws_its_queued_reminder_and_announces_the_new_time(tree):
    from scheduler.meetings import services
    from tests.booking_helpers import at

    meeting = booked(tree, at(10, 9))
    old_start = meeting.start_at
    send_reminders(old_start - DAY + MINUTE)
    services.move_occurrence(tree.users.district_staff, meeting.occurrences[0],
                             (old_start + 3 * HOUR).isoformat(), (old_start + 4 * HOUR).isoformat())
    db.session.commit()
    assert reminder_mails() == []
    send_reminders(old_start + 3 * HOUR - DAY + MINUTE)
    [mail] = reminder_mails()
    assert mail.expires_at == old_start + 3 * HOUR


def test_a_reminder_mail_not_delivered_before_the_start_is_given_up(tree, meeting):
    from scheduler.mail.services import EXPIRED, deliver_pending

    send_reminders(START - HOUR + MINUTE)
    [mail] = reminder_mails()
    assert mail.expires_at == START
    # the mail server was unreachable until after the meeting began
    assert deliver_pending(START + MINUTE) == {"sent": 0, "failed": 0, "retry": 0}
    [mail] = reminder_mails()
    assert (mail.status, mail.last_error, mail.sent_at) == ("failed", EXPIRED, None)
