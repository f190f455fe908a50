"""close-meetings, probe-endpoints, monthly-report, e-mail over a real SMTP server, the wrapper
that records every run, and `flask jobs once NAME`."""
import base64
import io
from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import openpyxl
import pytest
import sqlalchemy as sa

from scheduler.audit.models import AuditEntry
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.jobs import execution
from scheduler.jobs.models import JobRun
from scheduler.endpoints.models import EndpointCheck
from scheduler.notifications.models import Notification
from scheduler.jobs.tasks import close_meetings, monthly_report, probe_endpoints, send_reminders
from scheduler.core.workdays import first_working_day
from scheduler.mail.models import OutgoingMail
from scheduler.meetings.models import Meeting
from tests.factories import local
from tests.job_helpers import count

START = local(2026, 12, 10, 9, 0)


# -- close-meetings ---------------------------------------------------------------------------
def test_meeting_whose_end_passed_is_held_in_its_booked_mode(tree, create_meeting):
    hybrid = create_meeting(tree.ba_dinh, START, mode="hybrid", minutes=90)
    db.session.commit()
    close_meetings(START + timedelta(minutes=89))
    assert db.session.get(Meeting, hybrid.id).status == "scheduled"
    close_meetings(START + timedelta(minutes=90))
    meeting = db.session.get(Meeting, hybrid.id)
    assert meeting.status == "held"
    assert [(o.status, o.held_mode) for o in meeting.occurrences] == [("held", "hybrid")]
    entries = count(AuditEntry, AuditEntry.action == "meeting.held")
    close_meetings(START + timedelta(hours=5))  # again: nothing changes, nothing is logged
    assert count(AuditEntry, AuditEntry.action == "meeting.held") == entries == 1


def test_series_sittings_are_closed_one_by_one(tree, create_meeting):
    week = timedelta(days=7)
    series = create_meeting(tree.ba_dinh, START, mode="online",
                            extra_starts=[START + week, START + 2 * week, START + 3 * week])
    series.occurrences[2].status = "cancelled"
    db.session.commit()
    close_meetings(START + week + timedelta(hours=2))
    meeting = db.session.get(Meeting, series.id)
    assert [o.status for o in meeting.occurrences] == ["held", "held", "cancelled", "scheduled"]
    assert meeting.status == "scheduled"
    close_meetings(START + 3 * week + timedelta(hours=2))
    meeting = db.session.get(Meeting, series.id)
    assert [o.status for o in meeting.occurrences] == ["held", "held", "cancelled", "held"]
    assert meeting.status == "held"


def test_cancelled_and_pending_meetings_are_not_closed(tree, create_meeting):
    cancelled = create_meeting(tree.ba_dinh, START, status="cancelled")
    pending = create_meeting(tree.ba_dinh, START, status="pending")
    db.session.commit()
    close_meetings(START + timedelta(days=1))
    assert db.session.get(Meeting, cancelled.id).status == "cancelled"
    assert db.session.get(Meeting, pending.id).status == "pending"


# -- probe-endpoints --------------------------------------------------------------------------
def test_probe_records_state_latency_and_history(app, tree, create_endpoint, listening_port,
                                                 closed_port):
    app.config["PROBE_TIMEOUT_SECONDS"] = 2
    up = create_endpoint(tree.hang_bac, "Điểm cầu mở", host="127.0.0.1", port=listening_port)
    down = create_endpoint(tree.hang_bac, "Điểm cầu tắt", host="127.0.0.1", port=closed_port)
    retired = create_endpoint(tree.hang_bac, "Điểm cầu cũ", host="127.0.0.1", port=closed_port,
                              active=False)
    db.session.execute(sa.update(Endpoint).where(Endpoint.host == "127.0.0.2")
                       .values(active=False))  # the tree's fake addresses are not probed
    db.session.commit()
    now = local(2026, 12, 10, 7, 0)
    assert probe_endpoints(now) == "1/2 endpoints reachable"
    up, down, retired = (db.session.get(Endpoint, e.id) for e in (up, down, retired))
    assert (up.state, up.last_checked) == ("reachable", now) and up.latency_ms is not None
    assert (down.state, down.latency_ms, down.last_checked) == ("unreachable", None, now)
    assert (retired.state, retired.last_checked) == ("unknown", None)
    probe_endpoints(now + timedelta(minutes=5))
    history = db.session.execute(sa.select(EndpointCheck.endpoint_id, EndpointCheck.state)
                                 .order_by(EndpointCheck.at, EndpointCheck.endpoint_id)).all()
    assert [tuple(h) for h in history] == [(up.id, "reachable"), (down.id, "unreachable")] * 2


# -- monthly-report ---------------------------------------------------------------------------
@pytest.mark.parametrize("year, month, expected", [
    (2026, 9, date(2026, 9, 3)),    # 1 and 2 September: National Day
    (2027, 1, date(2027, 1, 4)),    # New Year's Day on a Friday, then a weekend
    (2026, 11, date(2026, 11, 2)),  # the 1st is a Sunday
    (2026, 12, date(2026, 12, 1)),
])
def test_first_working_day_skips_weekends_and_public_holidays(year, month, expected):
    assert first_working_day(year, month) == expected


@pytest.fixture
def admins(app, tree, create_user, create_meeting):
    from scheduler.reports.targets import ensure_default_targets

    app.config["SMTP_HOST"] = "127.0.0.1"
    ensure_default_targets()
    tree.users.admin.email = "admin@hanoi.gov.vn"
    create_user("admin2", "admin", tree.city)  # no e-mail: in-app only
    create_meeting(tree.phuc_xa, local(2026, 8, 12, 9, 0), mode="online", category="trien_khai",
                   status="held")
    db.session.commit()
    return tree.users.admin


def test_monthly_report_goes_out_on_the_first_working_day_only(admins):
    for day in (1, 2):  # National Day holidays
        assert "waiting" in monthly_report(local(2026, 9, day, 8, 0))
    assert count(OutgoingMail) == 0 and count(Notification) == 0
    monthly_report(local(2026, 9, 3, 8, 0))
    mail = db.session.scalars(sa.select(OutgoingMail)).one()
    assert mail.recipients == ["admin@hanoi.gov.vn"]
    assert "08/2026" in mail.subject
    attachment = mail.attachments[0]
    assert attachment["filename"].endswith("2026-08.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(attachment["data_b64"])))
    sheet = book["online_80"]
    cells = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    assert any("08/2026" in str(c) for c in cells)
    assert count(Notification) == 2  # both admins see it in the application
    monthly_report(local(2026, 9, 3, 15, 0))
    monthly_report(local(2026, 9, 4, 8, 0))
    assert count(OutgoingMail) == 1


def test_monthly_report_missed_on_its_day_goes_out_later_that_month(admins):
    monthly_report(local(2026, 9, 7, 8, 0))  # the runner was down on the 3rd and 4th
    assert count(OutgoingMail) == 1
    monthly_report(local(2026, 10, 1, 8, 0))  # the next month: September's report
    assert [m.subject[-7:] for m in db.session.scalars(
        sa.select(OutgoingMail).order_by(OutgoingMail.id))] == ["08/2026", "09/2026"]


# -- e-mail through a real SMTP server --------------------------------------------------------
@pytest.fixture
def smtp(app, smtp):
    """The SMTP sink (tests/conftest.py) as the application's mail server."""
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
    return smtp


def test_reminder_reaches_the_units_mailboxes_over_smtp(tree, smtp, create_meeting):
    tree.truc_bach.email = "truc.bach@hanoi.gov.vn"
    create_meeting(tree.ba_dinh, START, participants=[tree.phuc_xa, tree.truc_bach],
                   title="Hội nghị sơ kết quý IV")
    db.session.commit()
    now = START - timedelta(hours=1)
    send_reminders(now)
    run = execution.execute("send-mail", now=now)
    assert (run.status, run.result) == ("ok", "1 sent, 0 to retry, 0 failed")
    execution.execute("send-mail", now=now + timedelta(minutes=1))
    assert len(smtp.envelopes) == 1
    envelope = smtp.envelopes[0]
    assert sorted(envelope.rcpt_tos) == ["phucxa@hanoi.gov.vn", "truc.bach@hanoi.gov.vn"]
    message = message_from_bytes(envelope.original_content, policy=default_policy)
    assert message["Subject"] == "Nhắc lịch họp: Hội nghị sơ kết quý IV – 09:00 10/12/2026"
    assert "Đơn vị chủ trì: Quận Ba Đình" in message.get_body().get_content()


def test_monthly_report_reaches_the_admins_mailbox_with_the_excel_file(admins, smtp):
    first_day = local(2026, 9, 3, 7, 0)
    assert execution.execute("monthly-report", now=first_day).status == "ok"
    run = execution.execute("send-mail")  # the outbox goes out at the real time
    assert run.result == "1 sent, 0 to retry, 0 failed"
    envelope = smtp.envelopes[0]
    assert envelope.rcpt_tos == ["admin@hanoi.gov.vn"]
    message = message_from_bytes(envelope.original_content, policy=default_policy)
    assert message["Subject"] == "Báo cáo chỉ tiêu họp trực tuyến tháng 08/2026"
    files = [part for part in message.iter_attachments() if part.get_filename().endswith(".xlsx")]
    assert [f.get_content_type() for f in files] == [
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    book = openpyxl.load_workbook(io.BytesIO(files[0].get_content()))
    assert "online_80" in book.sheetnames


# -- the wrapper and the CLI ------------------------------------------------------------------
def test_failing_job_is_recorded_and_does_not_stop_the_others(app, tree, monkeypatch,
                                                              create_meeting):
    def broken(now):
        raise RuntimeError("mạng nội bộ mất kết nối")

    monkeypatch.setitem(execution.JOBS, "probe-endpoints", broken)
    create_meeting(tree.ba_dinh, START)
    db.session.commit()
    failed = execution.execute("probe-endpoints", now=START)
    assert failed.status == "error" and "mạng nội bộ mất kết nối" in failed.result
    assert "Traceback" in failed.error and failed.duration_ms is not None
    ok = execution.execute("close-meetings", now=START + timedelta(hours=2))
    assert (ok.status, ok.result) == ("ok", "1 occurrences held, 1 meetings held")
    assert count(JobRun) == 2


def test_jobs_once_runs_a_job_from_the_command_line(app, tree, runner, create_meeting):
    create_meeting(tree.ba_dinh, START, participants=[tree.phuc_xa])
    db.session.commit()
    result = runner.invoke(args=["jobs", "once", "send-reminders", "--at", "2026-12-10T08:30"])
    assert result.exit_code == 0, result.output
    assert "send-reminders: 1 reminders" in result.output
    assert count(Notification) == 5
    again = runner.invoke(args=["jobs", "once", "send-reminders", "--at", "2026-12-10T08:31"])
    assert "0 reminders" in again.output
    run = db.session.scalars(sa.select(JobRun).order_by(JobRun.id.desc())).first()
    assert run.runner.startswith("cli ") and run.status == "ok"


def test_jobs_once_refuses_unknown_names_and_reports_failures(app, runner, monkeypatch):
    unknown = runner.invoke(args=["jobs", "once", "send-everything"])
    assert unknown.exit_code == 2 and "send-everything" in unknown.output
    bad_time = runner.invoke(args=["jobs", "once", "close-meetings", "--at", "hôm qua"])
    assert bad_time.exit_code == 2 and "--at" in bad_time.output

    def broken(now):
        raise RuntimeError("hỏng")

    monkeypatch.setitem(execution.JOBS, "close-meetings", broken)
    failed = runner.invoke(args=["jobs", "once", "close-meetings"])
    assert failed.exit_code == 1 and "close-meetings failed: RuntimeError: hỏng" in failed.output
