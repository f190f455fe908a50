"""Invitation e-mails delivered to a real SMTP server (aiosmtpd on 127.0.0.1) started by the
tests: the calendar part Outlook and Gmail turn into Accept/Decline, retries when the server
refuses, and what the booker is shown."""
import email
from datetime import timedelta
from email import policy

import icalendar
import pytest
import sqlalchemy as sa

from scheduler.core.timeutil import utcnow
from scheduler.extensions import db
from scheduler.mail.models import OutgoingMail
from scheduler.mail.services import deliver_pending, mail_problems
from scheduler.meetings import services
from scheduler.rooms.models import Room
from tests.booking_helpers import book_with_guests, weekly_start
from tests.conftest import SmtpSink


Recorder = SmtpSink  # the name the other tests of mail use


@pytest.fixture
def app_config(smtp):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_TIMEOUT": 5,
            "MAIL_SENDER": "lichhop@hanoi.gov.vn"}


def queued(meeting_id=None):
    query = sa.select(OutgoingMail).order_by(OutgoingMail.id)
    if meeting_id is not None:
        query = query.where(OutgoingMail.meeting_id == meeting_id)
    return list(db.session.scalars(query))


def calendar_part(message):
    """The one text/calendar part, which Outlook shows as an invitation (Accept/Decline) only
    as an inline alternative of the body, not as an attachment."""
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    [alternative] = [p for p in message.walk() if p.get_content_type() == "multipart/alternative"]
    assert parts[0] in alternative.get_payload() and "text/plain" in {
        p.get_content_type() for p in alternative.get_payload()}
    assert parts[0]["Content-Disposition"] is None
    return parts[0]


def test_invitation_reaches_each_unit_with_a_calendar_request(contacts, smtp):
    meeting = book_with_guests(contacts, mode="online")
    mails = queued(meeting.id)
    assert sorted(m.recipients for m in mails) == [
        ["kythuat.trucbach@hanoi.gov.vn", "trucbach@hanoi.gov.vn"],  # online: technician too
        ["vp.badinh@hanoi.gov.vn"],
    ]
    counts = deliver_pending(utcnow())
    assert counts["sent"] == 2
    assert sorted(r for rcpts, _m in smtp.messages for r in rcpts) == [
        "kythuat.trucbach@hanoi.gov.vn", "trucbach@hanoi.gov.vn", "vp.badinh@hanoi.gov.vn"]
    _rcpts, message = smtp.messages[0]
    assert message["Subject"] == "Giấy mời họp: Họp giao ban tuần"
    part = calendar_part(message)
    assert part.get_param("method") == "REQUEST"
    cal = icalendar.Calendar.from_ical(part.get_content())
    event = list(cal.walk("VEVENT"))[0]
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == meeting.uid
    # the invitation's attendees are exactly the people it is sent to
    assert {str(a).removeprefix("mailto:") for a in event["ATTENDEE"]} == {
        r for rcpts, _m in smtp.messages for r in rcpts}
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Họp giao ban tuần" in body and meeting.join_url in body
    assert all(m.status == "sent" for m in queued(meeting.id))


def test_refusing_server_is_retried_and_shown_without_touching_the_booking(
        client, auth, contacts, smtp):
    smtp.refuse = True
    meeting = book_with_guests(contacts)
    now = utcnow()
    counts = deliver_pending(now)
    assert counts == {"sent": 0, "failed": 0, "retry": 2}
    db.session.expire_all()
    assert meeting.status == "scheduled"
    problems = mail_problems(meeting.id)
    assert len(problems) == 2
    assert all("451" in m.last_error and m.next_attempt_at > now for m in problems)
    auth.login("vp_phucxa")
    shown = client.get(f"/api/v1/meetings/{meeting.id}/mail-status").get_json()["mail_problems"]
    assert {tuple(p["recipients"]) for p in shown} == {("vp.badinh@hanoi.gov.vn",),
                                                      ("trucbach@hanoi.gov.vn",)}
    assert all("451" in p["last_error"] for p in shown)
    # not yet due: nothing is tried again before the delay
    assert deliver_pending(now + timedelta(seconds=10))["retry"] == 0
    smtp.refuse = False
    assert deliver_pending(now + timedelta(hours=1))["sent"] == 2
    assert mail_problems(meeting.id) == []
    assert len(smtp.messages) == 2


def test_pending_booking_sends_nothing_until_approved(contacts, smtp):
    hall = Room(unit=contacts.phuc_xa, name="Hội trường", capacity=100, requires_approval=True)
    db.session.add(hall)
    db.session.commit()
    meeting = book_with_guests(contacts, rooms=[hall.id])
    assert meeting.status == "pending"
    assert queued(meeting.id) == []
    services.approve_meeting(contacts.users.ward_admin, meeting)
    db.session.commit()
    mails = queued(meeting.id)
    assert len(mails) == 2 and {m.ical_method for m in mails} == {"REQUEST"}
    assert mails[0].subject.startswith("Giấy mời họp")


def test_changes_and_cancellation_reach_those_invited(contacts, smtp):
    meeting = book_with_guests(contacts)
    deliver_pending(utcnow())  # the invitations went out before the change
    services.update_meeting(contacts.users.ward_staff, meeting, {"participants": ["00004"]})
    db.session.commit()
    latest = queued(meeting.id)[2:]
    by_recipient = {tuple(m.recipients): m for m in latest}
    assert by_recipient[("trucbach@hanoi.gov.vn",)].ical_method == "REQUEST"
    assert by_recipient[("trucbach@hanoi.gov.vn",)].subject.startswith("Thay đổi lịch họp")
    dropped = by_recipient[("vp.badinh@hanoi.gov.vn",)]
    assert dropped.ical_method == "CANCEL"
    deliver_pending(utcnow())
    [(_to, message)] = [m for m in smtp.messages if m[0] == ["vp.badinh@hanoi.gov.vn"]][-1:]
    assert "METHOD:CANCEL" in calendar_part(message).get_content()
    before = len(queued(meeting.id))
    services.cancel_meeting(contacts.users.ward_staff, meeting)
    db.session.commit()
    cancels = queued(meeting.id)[before:]
    assert [m.recipients for m in cancels] == [["trucbach@hanoi.gov.vn"]]
    assert cancels[0].ical_method == "CANCEL" and cancels[0].subject.startswith("Hủy cuộc họp")
    deliver_pending(utcnow())
    part = calendar_part(smtp.messages[-1][1])
    assert part.get_param("method") == "CANCEL"
    event = list(icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT"))[0]
    assert str(event["STATUS"]) == "CANCELLED"


def test_cancelling_one_date_of_a_series_cancels_that_date_only(contacts, smtp):
    meeting = book_with_guests(contacts, rrule="FREQ=WEEKLY;COUNT=4", participants=["00004"])
    second = sorted(meeting.occurrences, key=lambda o: o.start_at)[1]
    services.cancel_occurrence(contacts.users.ward_staff, second)
    db.session.commit()
    last = queued(meeting.id)[-1]
    assert last.ical_method == "CANCEL"
    deliver_pending(utcnow())
    event = list(icalendar.Calendar.from_ical(
        calendar_part(smtp.messages[-1][1]).get_content()).walk("VEVENT"))[0]
    assert event["RECURRENCE-ID"].dt == second.original_start
    assert str(event["UID"]) == meeting.uid
    # the rest of the series still stands for the unit: no series-wide cancel was sent
    assert [m.ical_method for m in queued(meeting.id)] == ["REQUEST", "CANCEL"]


def test_stopping_a_running_series_cancels_it_for_the_invitees(contacts, smtp):
    """The series stays held for the sittings that took place; the invitees still hear that
    the rest is off (before the fix of `flask check`'s report, the meeting turned cancelled)."""
    start = weekly_start(-8, 3)
    meeting = book_with_guests(contacts, rrule="FREQ=WEEKLY;COUNT=3", participants=["00004"],
                               start=start.isoformat(),
                               end=(start + timedelta(hours=1)).isoformat())
    assert [m.ical_method for m in queued(meeting.id)] == ["REQUEST"]
    services.cancel_meeting(contacts.users.ward_staff, meeting, "Dừng chuỗi")
    db.session.commit()
    assert meeting.status == "held"
    last = queued(meeting.id)[-1]
    assert last.ical_method == "CANCEL" and last.subject.startswith("Hủy cuộc họp")
    assert last.recipients == ["trucbach@hanoi.gov.vn"]


def test_recording_how_a_past_sitting_was_held_sends_no_invitation(contacts, smtp, create_meeting):
    """Correcting the held mode of a past date of a running series is bookkeeping, not news
    for the invited units: no "change" e-mail goes out."""
    from scheduler.core.timeutil import LOCAL_TZ

    start = (utcnow() - timedelta(days=7)).astimezone(LOCAL_TZ).replace(
        hour=8, minute=0, second=0, microsecond=0)
    meeting = create_meeting(contacts.phuc_xa, start, rrule="FREQ=WEEKLY", count=3,
                             participants=[contacts.truc_bach])
    db.session.commit()
    past = sorted(meeting.occurrences, key=lambda o: o.start_at)[0]
    services.set_held_mode(contacts.users.ward_staff, past, "online")
    db.session.commit()
    assert past.held_mode == "online"
    assert queued(meeting.id) == []


def test_a_recipient_refused_among_others_is_neither_lost_nor_sent_twice(contacts, smtp):
    """smtplib raises only when every recipient is refused; one refused address among others
    must stay undelivered (and shown), and be retried alone."""
    meeting = book_with_guests(contacts, mode="online")
    smtp.unknown = {"kythuat.trucbach@hanoi.gov.vn": "450 4.2.1 Mailbox busy"}
    now = utcnow()
    assert deliver_pending(now) == {"sent": 1, "failed": 0, "retry": 1}
    assert sorted(r for rcpts, _m in smtp.messages for r in rcpts) == [
        "trucbach@hanoi.gov.vn", "vp.badinh@hanoi.gov.vn"]
    [problem] = mail_problems(meeting.id)
    assert problem.recipients == ["kythuat.trucbach@hanoi.gov.vn"] and problem.status == "queued"
    assert "kythuat.trucbach@hanoi.gov.vn: 450" in problem.last_error
    smtp.unknown = {}
    assert deliver_pending(now + timedelta(hours=1)) == {"sent": 1, "failed": 0, "retry": 0}
    assert [rcpts for rcpts, _m in smtp.messages][-1] == ["kythuat.trucbach@hanoi.gov.vn"]
    assert mail_problems(meeting.id) == []


def test_a_permanently_refused_recipient_is_given_up_and_shown(contacts, smtp):
    meeting = book_with_guests(contacts, mode="online")
    smtp.unknown = {"kythuat.trucbach@hanoi.gov.vn": "550 5.1.1 No such user"}
    assert deliver_pending(utcnow()) == {"sent": 1, "failed": 1, "retry": 0}
    [problem] = mail_problems(meeting.id)
    assert problem.status == "failed" and problem.recipients == ["kythuat.trucbach@hanoi.gov.vn"]
    assert "550" in problem.last_error


def test_a_server_down_for_good_is_given_up_after_the_last_attempt(contacts, smtp):
    from scheduler.mail.services import MAX_ATTEMPTS

    meeting = book_with_guests(contacts)
    smtp.refuse = True
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        counts = deliver_pending(now + timedelta(days=attempt))
        assert counts["retry" if attempt < MAX_ATTEMPTS else "failed"] == 2, attempt
    assert {m.status for m in mail_problems(meeting.id)} == {"failed"}
    assert deliver_pending(now + timedelta(days=30)) == {"sent": 0, "failed": 0, "retry": 0}


def test_a_message_that_cannot_be_built_is_given_up_without_holding_up_the_others(contacts, smtp,
                                                                                   monkeypatch):
    from scheduler.mail import services as mail_services
    from scheduler.mail.services import enqueue_mail

    broken = enqueue_mail(["vp.badinh@hanoi.gov.vn"], "Thư hỏng", "…", purpose="test")
    db.session.commit()
    book_with_guests(contacts)  # two invitations queued behind it
    real_build = mail_services.build_message

    def build(mail, sender):
        if mail.id == broken.id:
            raise ValueError("a header the mail library refuses")
        return real_build(mail, sender)

    monkeypatch.setattr(mail_services, "build_message", build)
    assert deliver_pending(utcnow()) == {"sent": 2, "failed": 1, "retry": 0}
    db.session.expire_all()
    assert broken.status == "failed" and "ValueError" in broken.last_error
    assert deliver_pending(utcnow() + timedelta(days=1)) == {"sent": 0, "failed": 0, "retry": 0}


def test_a_message_whose_database_connection_drops_while_built_is_tried_again(
        contacts, smtp, monkeypatch):
    """A connection ended under the runner (a PostgreSQL restart) is no fault of the message:
    it stays in the outbox and goes out on the next run."""
    from sqlalchemy.exc import OperationalError

    from scheduler.mail import services as mail_services

    book_with_guests(contacts)
    real_build = mail_services.build_message
    dropped = []

    def build(mail, sender):
        if not dropped:
            dropped.append(mail.id)
            raise OperationalError("SELECT unit.name ...", {}, Exception("server closed the connection"))
        return real_build(mail, sender)

    monkeypatch.setattr(mail_services, "build_message", build)
    assert deliver_pending(utcnow()) == {"sent": 1, "failed": 0, "retry": 1}
    later = deliver_pending(utcnow() + timedelta(days=1))
    assert later == {"sent": 1, "failed": 0, "retry": 0}
    assert len(smtp.messages) == 2


def test_a_title_with_line_breaks_makes_a_one_line_subject(contacts, smtp):
    from scheduler.mail.services import enqueue_mail

    enqueue_mail(["vp.badinh@hanoi.gov.vn"], "Giấy mời họp: Dòng một\nDòng hai", "…", purpose="test")
    db.session.commit()
    assert deliver_pending(utcnow())["sent"] == 1
    assert smtp.messages[-1][1]["Subject"] == "Giấy mời họp: Dòng một Dòng hai"


def test_the_cancel_to_a_dropped_unit_names_that_unit_not_those_who_remain(contacts, smtp):
    """RFC 5546 3.2.5: a CANCEL removing attendees lists the removed ones; listing the others
    would tell the dropped unit's calendar nothing about itself."""
    meeting = book_with_guests(contacts, mode="online")
    services.update_meeting(contacts.users.ward_staff, meeting, {"participants": ["001"]})
    db.session.commit()
    [dropped] = [m for m in queued(meeting.id) if m.ical_method == "CANCEL"]
    removed = ["kythuat.trucbach@hanoi.gov.vn", "trucbach@hanoi.gov.vn"]
    assert sorted(dropped.recipients) == removed
    deliver_pending(utcnow())
    [(rcpts, part)] = [(sorted(rcpts), calendar_part(m)) for rcpts, m in smtp.messages
                       if calendar_part(m).get_param("method") == "CANCEL"]
    assert rcpts == removed
    event = list(icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT"))[0]
    attendees = event["ATTENDEE"] if isinstance(event["ATTENDEE"], list) else [event["ATTENDEE"]]
    assert sorted(str(a).removeprefix("mailto:") for a in attendees) == removed
    assert str(event["STATUS"]) == "CANCELLED" and str(event["UID"]) == meeting.uid


def test_a_booking_queues_one_row_per_message_and_the_runner_builds_them(
        contacts, smtp, create_unit):
    """Inviting 30 wards stores 30 addressed messages; their bodies and calendar parts are
    built when the mail job sends them, each naming its own unit."""
    wards = [create_unit(f"9{n:04d}", f"Phường Thử {n}", "ward", contacts.ba_dinh,
                         email=f"p{n}@hanoi.gov.vn") for n in range(30)]
    db.session.commit()
    meeting = book_with_guests(contacts, participants=[w.code for w in wards], user=contacts.users.admin,
                   host_unit="001")
    mails = queued(meeting.id)
    assert len(mails) == 30 and {m.ical_method for m in mails} == {"REQUEST"}
    assert all(m.ical is None and m.body_text == "" for m in mails)  # not built in the request
    assert deliver_pending(utcnow())["sent"] == 30
    by_address = {rcpts[0]: message for rcpts, message in smtp.messages}
    message = by_address["p7@hanoi.gov.vn"]
    assert "Phường Thử 7" in message.get_body(preferencelist=("plain",)).get_content()
    event = list(icalendar.Calendar.from_ical(calendar_part(message).get_content()).walk("VEVENT"))[0]
    assert str(event["UID"]) == meeting.uid
    assert all(m.ical and "BEGIN:VCALENDAR" in m.ical for m in queued(meeting.id))


def test_a_delivered_message_is_recorded_sent_while_others_write(app, contacts, smtp):
    """Before: on SQLite the send-mail job had read the message, another process wrote during
    the SMTP conversation, and recording the delivery failed with "database is locked"; the
    claim expired and the message went out a second time. Each message also carries one
    Message-ID from the moment it is queued, so a resend is recognisable."""
    from scheduler.jobs import execution

    meeting = book_with_guests(contacts, participants=["00004"])
    [mail] = queued(meeting.id)
    assert mail.message_id.startswith("<") and mail.message_id.endswith("@hanoi.gov.vn>")
    other = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    plain = smtp.handle_DATA

    async def meanwhile(server, session, envelope):
        with other.begin() as conn:  # another worker writes while the server accepts
            conn.execute(sa.text("UPDATE unit SET name = name"))
        return await plain(server, session, envelope)

    smtp.handle_DATA = meanwhile
    try:
        run = execution.execute("send-mail")
    finally:
        other.dispose()
    assert (run.status, run.result) == ("ok", "1 sent, 0 to retry, 0 failed")
    db.session.rollback()
    assert [m.status for m in queued(meeting.id)] == ["sent"]
    assert len(smtp.messages) == 1
    assert smtp.messages[0][1]["Message-ID"] == mail.message_id
    execution.execute("send-mail", now=utcnow() + timedelta(minutes=10))
    assert len(smtp.messages) == 1
