"""What the background jobs show in the pages: the in-app notifications with the unread count in
every page's header, and the admins' jobs page (last run, next run, duration, last error),
reached from the menu."""
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from scheduler.core.timeutil import UTC, utcnow
from scheduler.extensions import db
from scheduler.jobs import execution, lock
from scheduler.notifications.models import Notification
from scheduler.jobs.runner import JOBSTORE_TABLE, JobRunner
from scheduler.jobs.tasks import send_reminders


def unread_badge(html: str) -> str | None:
    found = re.search(r'data-testid="unread-badge">(\d+)<', html)
    return found.group(1) if found else None


@pytest.fixture
def reminded(tree, create_meeting):
    """Two meetings of Phúc Xá starting in two hours, their one-hour reminders delivered."""
    start = utcnow().replace(microsecond=0) + timedelta(hours=2)
    create_meeting(tree.phuc_xa, start, title="Họp giao ban sáng")
    create_meeting(tree.phuc_xa, start + timedelta(minutes=90), title="Họp chuyên đề chiều")
    db.session.commit()
    send_reminders(start - timedelta(minutes=59))
    return tree


def test_header_counts_unread_notifications_and_reading_them_clears_it(client, auth, reminded):
    auth.login("vp_phucxa")
    home = client.get("/").get_data(as_text=True)
    assert unread_badge(home) == "2"
    assert 'aria-label="Thông báo: 2 chưa đọc"' in home
    listing = client.get("/notifications").get_data(as_text=True)
    assert "2 chưa đọc" in listing
    assert "Nhắc lịch họp: Họp giao ban sáng" in listing
    assert "Nhắc lịch họp: Họp chuyên đề chiều" in listing
    mine = db.session.scalars(sa.select(Notification).join(Notification.user).where(
        Notification.user.has(username="vp_phucxa")).order_by(Notification.id)).all()
    # read one from the header's page: back to that page, one fewer in the badge
    resp = client.post(f"/notifications/{mine[0].id}/read", data={"next": "/"})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    assert unread_badge(client.get("/").get_data(as_text=True)) == "1"
    listing = client.get("/notifications").get_data(as_text=True)
    assert f'data-notification="{mine[0].id}" data-read="yes"' in listing
    assert f'data-notification="{mine[1].id}" data-read="no"' in listing
    # never sent off-site by the form
    resp = client.post(f"/notifications/{mine[1].id}/read", data={"next": "//evil.example/x"})
    assert resp.headers["Location"] == "/notifications"
    auth.logout()

    # a colleague's list is their own: marking another user's entry is refused
    auth.login("qt_phucxa")
    assert unread_badge(client.get("/").get_data(as_text=True)) == "2"
    theirs = db.session.scalars(sa.select(Notification.id).where(
        Notification.user.has(username="qt_phucxa"))).all()
    assert client.post(f"/notifications/{mine[1].id}/read").status_code == 404
    resp = client.post("/notifications/read-all", follow_redirects=True)
    assert "Đã đánh dấu 2 thông báo là đã đọc." in resp.get_data(as_text=True)
    assert unread_badge(client.get("/").get_data(as_text=True)) is None
    db.session.expire_all()
    assert all(db.session.get(Notification, i).read_at is not None for i in theirs)
    auth.logout()

    # an unrelated ward was not reminded
    auth.login("vp_hangbac")
    assert unread_badge(client.get("/").get_data(as_text=True)) is None
    assert "0 chưa đọc" in client.get("/notifications").get_data(as_text=True)


def job_row(html: str, name: str) -> str:
    found = re.search(rf'<tr data-job="{name}">(.*?)</tr>', html, re.S)
    assert found, name
    return found.group(1)


def cells(row: str) -> list[str]:
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


@pytest.fixture
def stored_schedule(app):
    """The runner's schedule written to its job store, as a runner does when it takes the
    lead (a paused scheduler: nothing runs); removed afterwards."""
    # an engine of its own, disposed of once the scheduler's thread has ended (that thread
    # takes one more look at the store after the store was shut down)
    engine = sa.create_engine(db.engine.url.render_as_string(hide_password=False))
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE)},
        timezone=UTC)
    scheduler.start(paused=True)
    JobRunner(app, blocking=False)._sync_jobs(scheduler)
    yield scheduler
    scheduler.remove_all_jobs()
    scheduler.shutdown(wait=True)
    engine.dispose()


def test_admin_jobs_page_shows_each_jobs_runs_schedule_and_errors(
        app, client, auth, tree, monkeypatch, create_meeting):
    auth.login("vp_phucxa")
    assert 'href="/admin/jobs"' not in client.get("/").get_data(as_text=True)
    assert client.get("/admin/jobs").status_code == 403
    auth.logout()

    auth.login("admin")
    assert re.search(r'href="/admin/jobs">Tác vụ nền</a>', client.get("/").get_data(as_text=True))
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "Không có bộ chạy tác vụ nào đang hoạt động" in html
    assert set(re.findall(r'<tr data-job="([^"]+)">', html)) == set(execution.JOBS)
    assert cells(job_row(html, "close-meetings"))[1] == "chưa chạy"

    now = utcnow()
    create_meeting(tree.phuc_xa, now - timedelta(hours=3))
    db.session.commit()
    assert execution.execute("close-meetings", now=now).status == "ok"

    def broken(_now):
        raise RuntimeError("mạng nội bộ mất kết nối")

    monkeypatch.setitem(execution.JOBS, "probe-endpoints", broken)
    assert execution.execute("probe-endpoints", now=now).status == "error"
    monkeypatch.undo()
    assert execution.execute("probe-endpoints", now=now).status == "ok"  # it recovers

    lock.claim("may-chu-1:4242:abcd", utcnow(), ttl_seconds=60)  # on a connection of its own
    db.session.rollback()  # as a new request would, see what the runner committed
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "Bộ chạy tác vụ đang hoạt động: may-chu-1:4242:abcd" in html
    closing = cells(job_row(html, "close-meetings"))
    assert closing[1].startswith("thành công") and "1 occurrences held" in closing[1]
    assert re.fullmatch(r"\d+,\d giây", closing[2])  # duration, with the Vietnamese decimal comma
    assert closing[3] == "—"  # no stored schedule yet
    assert closing[4] == "—"  # never failed
    probing = cells(job_row(html, "probe-endpoints"))
    assert probing[1].startswith("thành công")  # the latest run
    assert "RuntimeError: mạng nội bộ mất kết nối" in probing[4]  # the last error stays visible
    assert "Traceback" in job_row(html, "probe-endpoints")


def test_admin_jobs_page_shows_the_next_run_of_each_job(client, auth, tree, stored_schedule):
    auth.login("admin")
    html = client.get("/admin/jobs").get_data(as_text=True)
    for name in execution.JOBS:
        next_run = cells(job_row(html, name))[3]
        assert re.fullmatch(r"\d\d:\d\d \d\d/\d\d/\d{4}", next_run), (name, next_run)
    # the monthly report is looked at once a day, at 07:00 Hà Nội time
    assert cells(job_row(html, "monthly-report"))[3].startswith("07:00 ")
