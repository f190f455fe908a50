"""The outbox between the change that causes a message and the job runner that delivers it:
queued whatever the web process's mail settings, each message dated and identified once, and
the changes of one delivery interval sent to each recipient as one message in its latest
state. Delivered to a real SMTP server (aiosmtpd on 127.0.0.1)."""
import email
from email import policy
from email.utils import parsedate_to_datetime

import icalendar
import pytest
import sqlalchemy as sa

from scheduler import create_app
from scheduler.core.timeutil import utcnow
from scheduler.extensions import db
from scheduler.jobs.tasks import send_mail
from scheduler.mail.models import OutgoingMail
from scheduler.mail.services import deliver_pending
from scheduler.meetings import services
from tests.booking_helpers import book_with_guests
from tests.conftest import SmtpSink, make_config, start_smtp

INVITED = ["trucbach@hanoi.gov.vn", "vp.badinh@hanoi.gov.vn"]


def mail_config(port: int) -> dict:
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_TIMEOUT": 5,
            "MAIL_SENDER": "lichhop@hanoi.gov.vn"}


def outbox(meeting_id) -> list[OutgoingMail]:
    return list(db.session.scalars(sa.select(OutgoingMail).where(
        OutgoingMail.meeting_id == meeting_id).order_by(OutgoingMail.id)))


def received_by(smtp, address: str) -> list:
    return [message for recipients, message in smtp.messages if address in recipients]


def calendar_of(message) -> icalendar.Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content())


def summary_of(message) -> str:
    return str(list(calendar_of(message).walk("VEVENT"))[0]["SUMMARY"])


@pytest.fixture
def app_config():
    return {"SMTP_HOST": None}  # the web process: no mail settings at all


def test_web_without_smtp_queues_and_the_runner_with_smtp_delivers(app, database_url, contacts,
                                                                    smtp):
    meeting = book_with_guests(contacts, title="Họp triển khai quý I")
    assert sorted(r for m in outbox(meeting.id) for r in m.recipients) == INVITED
    assert all(m.status == "queued" for m in outbox(meeting.id))
    # the web process cannot deliver: its send-mail job keeps the outbox as it is
    assert send_mail(utcnow()) == "0 sent, 0 to retry, 0 failed"
    runner = create_app(make_config(database_url, **mail_config(smtp.port)))
    with runner.app_context():
        try:
            assert send_mail(utcnow()) == "2 sent, 0 to retry, 0 failed"
        finally:
            db.session.remove()
            db.engine.dispose()
    assert sorted(r for recipients, _m in smtp.messages for r in recipients) == INVITED
    assert {m["Subject"] for _r, m in smtp.messages} == {"Giấy mời họp: Họp triển khai quý I"}
    db.session.rollback()  # a fresh snapshot: the runner wrote meanwhile
    assert all(m.status == "sent" for m in outbox(meeting.id))


class RefusingFirst(SmtpSink):
    """Refuses (451) the first message it is given, keeping it, and accepts every later one."""

    def __init__(self):
        super().__init__()
        self.refused = []

    async def handle_DATA(self, server, session, envelope):
        if not self.refused:
            self.refused.append(email.message_from_bytes(envelope.content, policy=policy.default))
            return "451 4.3.0 Try again later"
        return await super().handle_DATA(server, session, envelope)


def test_a_retried_message_keeps_its_date_and_message_id(app, contacts):
    server = start_smtp(RefusingFirst())
    try:
        app.config.update(mail_config(server.port))
        meeting = book_with_guests(contacts, participants=["00004"])
        [queued] = outbox(meeting.id)
        now = utcnow()
        assert deliver_pending(now) == {"sent": 0, "failed": 0, "retry": 1}
        assert deliver_pending(queued.next_attempt_at)["sent"] == 1
        [first] = server.inbox.refused
        [(_to, second)] = server.inbox.messages
    finally:
        server.stop()
    assert first["Message-ID"] and first["Message-ID"] == second["Message-ID"]
    assert first["Date"] and first["Date"] == second["Date"]
    # the moment the change queued it, not the moment of the attempt
    assert parsedate_to_datetime(second["Date"]) <= now


def test_two_changes_within_one_interval_reach_each_recipient_once(app, contacts, smtp):
    app.config.update(mail_config(smtp.port))
    meeting = book_with_guests(contacts, title="Họp giao ban tuần")
    deliver_pending(utcnow())
    services.update_meeting(contacts.users.ward_staff, meeting, {"title": "Họp giao ban (sửa 1)"})
    db.session.commit()
    services.update_meeting(contacts.users.ward_staff, meeting, {"title": "Họp giao ban (sửa 2)"})
    db.session.commit()
    assert deliver_pending(utcnow())["sent"] == 2
    for address in INVITED:
        invitation, change = received_by(smtp, address)
        assert invitation["Subject"] == "Giấy mời họp: Họp giao ban tuần"
        assert change["Subject"] == "Thay đổi lịch họp: Họp giao ban (sửa 2)"
        assert summary_of(change) == "Họp giao ban (sửa 2)"
        assert invitation["Message-ID"] != change["Message-ID"]
    # what was sent stays on record
    assert [m.status for m in outbox(meeting.id)] == ["sent"] * 4


def test_a_change_before_the_first_delivery_still_arrives_as_the_invitation(app, contacts, smtp):
    app.config.update(mail_config(smtp.port))
    meeting = book_with_guests(contacts, title="Họp giao ban tuần")
    services.update_meeting(contacts.users.ward_staff, meeting, {"title": "Họp giao ban (đã sửa)"})
    db.session.commit()
    deliver_pending(utcnow())
    for address in INVITED:
        [message] = received_by(smtp, address)
        assert message["Subject"] == "Giấy mời họp: Họp giao ban (đã sửa)"
        assert str(calendar_of(message)["METHOD"]) == "REQUEST"
        assert summary_of(message) == "Họp giao ban (đã sửa)"


def test_a_cancellation_after_a_change_arrives_as_one_cancel(app, contacts, smtp):
    app.config.update(mail_config(smtp.port))
    meeting = book_with_guests(contacts)
    deliver_pending(utcnow())
    services.update_meeting(contacts.users.ward_staff, meeting, {"title": "Họp giao ban (dời)"})
    db.session.commit()
    services.cancel_meeting(contacts.users.ward_staff, meeting)
    db.session.commit()
    deliver_pending(utcnow())
    for address in INVITED:
        invitation, cancellation = received_by(smtp, address)
        assert str(calendar_of(invitation)["METHOD"]) == "REQUEST"
        cal = calendar_of(cancellation)
        assert str(cal["METHOD"]) == "CANCEL"
        assert str(list(cal.walk("VEVENT"))[0]["STATUS"]) == "CANCELLED"
        assert cancellation["Subject"].startswith("Hủy cuộc họp")


def test_a_message_being_sent_is_not_withdrawn(app, contacts, smtp):
    app.config.update(mail_config(smtp.port))
    meeting = book_with_guests(contacts, participants=["00004"])
    [invitation] = outbox(meeting.id)
    # a runner has claimed it and is talking to the mail server right now
    db.session.execute(sa.update(OutgoingMail).where(OutgoingMail.id == invitation.id)
                       .values(status="sending"))
    db.session.commit()
    services.update_meeting(contacts.users.ward_staff, meeting, {"title": "Họp giao ban (sửa)"})
    db.session.commit()
    db.session.expire_all()
    sending, change = outbox(meeting.id)
    assert (sending.id, sending.status) == (invitation.id, "sending")
    assert change.status == "queued" and change.subject == "Thay đổi lịch họp: Họp giao ban (sửa)"
