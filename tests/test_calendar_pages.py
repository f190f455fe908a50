"""The calendar features as a signed-in user finds them in the pages: the invite download and
the state of the invitation e-mails on a meeting's page (with "send again"), and the menu entry
that leads to the subscriptions page and from there to the .ics import."""
import re
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.core.timeutil import utcnow
from scheduler.extensions import db
from scheduler.jobs import execution
from scheduler.mail.models import OutgoingMail
from tests.booking_helpers import book_with_guests
from tests.conftest import SmtpSink, start_smtp


class Refusing(SmtpSink):
    """Refuses while `code` is set: 451 for the message (try later), or 550 for every
    mailbox (permanent: the sender gives up at once)."""

    def __init__(self):
        super().__init__()
        self.code = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.code == 550:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.refuse = self.code == 451
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp():
    controller = start_smtp(Refusing())
    yield controller.inbox
    controller.stop()


@pytest.fixture
def app_config(smtp):
    return {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port, "SMTP_TIMEOUT": 5,
            "MAIL_SENDER": "lichhop@hanoi.gov.vn"}


def page(client, meeting) -> str:
    resp = client.get(f"/meetings/{meeting.id}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def invite_link(html: str) -> str | None:
    found = re.search(r'href="([^"]+)"[^>]*data-testid="download-invite"', html, re.S)
    return found.group(1) if found else None


def test_meeting_page_offers_the_invitation_download(client, auth, contacts):
    meeting = book_with_guests(contacts)
    auth.login("vp_badinh")  # staff of a participating unit
    href = invite_link(page(client, meeting))
    assert href and href.endswith(f"/api/v1/meetings/{meeting.id}/invite.ics")
    resp = client.get(href)
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    event = list(icalendar.Calendar.from_ical(resp.data).walk("VEVENT"))[0]
    assert str(event["UID"]) == meeting.uid
    auth.logout()
    auth.login("vp_hangbac")  # another ward sees the public facts only, and no invite
    assert invite_link(page(client, meeting)) is None


def send_mail(now):
    run = execution.execute("send-mail", now=now)
    assert run.status == "ok", run.error
    return run.result


def test_undelivered_invitation_is_shown_on_the_meeting_page_and_sent_again(
        client, auth, contacts, smtp):
    smtp.code = 451
    meeting = book_with_guests(contacts)  # the booking itself never waits for the mail server
    auth.login("vp_phucxa")
    assert 'data-testid="mail-problems"' not in page(client, meeting)  # not tried yet
    now = utcnow()
    assert send_mail(now) == "0 sent, 2 to retry, 0 failed"
    html = page(client, meeting)
    assert "Thư mời chưa gửi được" in html and "sẽ thử lại lúc" in html
    assert "vp.badinh@hanoi.gov.vn" in html and "451" in html
    db.session.expire_all()
    assert meeting.status == "scheduled"

    # the district's mailbox is refused for good: the runner gives up on that one
    smtp.code = 550
    assert send_mail(now + timedelta(hours=1)) == "0 sent, 0 to retry, 2 failed"
    html = page(client, meeting)
    assert html.count("đã ngừng gửi sau") == 2
    failed = db.session.scalars(sa.select(OutgoingMail).where(
        OutgoingMail.meeting_id == meeting.id).order_by(OutgoingMail.id)).all()

    # staff of another ward can neither see nor use "send again"
    auth.logout()
    auth.login("vp_hangbac")
    assert 'data-testid="resend-mail"' not in page(client, meeting)
    assert client.post(f"/calendar/meetings/{meeting.id}/mail/{failed[0].id}/resend").status_code == 403
    auth.logout()

    # once the server is fixed, the booker sends both again from the meeting page
    smtp.code = None
    auth.login("vp_phucxa")
    assert html.count('data-testid="resend-mail"') == 2
    for mail in failed:
        resp = client.post(f"/calendar/meetings/{meeting.id}/mail/{mail.id}/resend",
                           follow_redirects=True)
        assert resp.status_code == 200
        assert "Thư sẽ được gửi lại" in resp.get_data(as_text=True)
    assert send_mail(utcnow()) == "2 sent, 0 to retry, 0 failed"
    assert sorted(r for rcpts, _m in smtp.messages for r in rcpts) == [
        "trucbach@hanoi.gov.vn", "vp.badinh@hanoi.gov.vn"]
    assert 'data-testid="mail-problems"' not in page(client, meeting)
    # a message that went out cannot be queued again, and another meeting's is not found
    again = client.post(f"/calendar/meetings/{meeting.id}/mail/{failed[0].id}/resend",
                        follow_redirects=True)
    assert "không còn chờ gửi" in again.get_data(as_text=True)
    other = book_with_guests(contacts, title="Họp khác",
                 start=(meeting.start_at + timedelta(days=1)).isoformat(),
                 end=(meeting.end_at + timedelta(days=1)).isoformat())
    assert client.post(f"/calendar/meetings/{other.id}/mail/{failed[0].id}/resend").status_code == 404
    resends = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "mail.resend")).all()
    assert len(resends) == 2 and all(e.object_id == str(meeting.id) for e in resends)
    assert {e.user.username for e in resends} == {"vp_phucxa"}


def test_subscriptions_and_import_are_reachable_from_the_menu(client, auth, contacts):
    auth.login("vp_phucxa")
    home = client.get("/").get_data(as_text=True)
    # in the user's menu
    assert re.search(r'<a class="dropdown-item" href="/calendar">Đăng ký lịch</a>', home)
    subscriptions = client.get("/calendar").get_data(as_text=True)
    assert 'href="/calendar/import"' in subscriptions
    assert client.get("/calendar/import").status_code == 200
    auth.logout()
    auth.login("xem_badinh")  # a viewer subscribes but books nothing: no import offered
    assert 'href="/calendar"' in client.get("/").get_data(as_text=True)
    assert 'href="/calendar/import"' not in client.get("/calendar").get_data(as_text=True)
