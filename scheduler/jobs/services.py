"""What the pages show about the jobs (the user's notification list: notifications/services.py)."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..core.timeutil import UTC
from ..extensions import db
from .execution import JOBS
from ..notifications.models import NoticeDelivery
from .models import JobRun
from .runner import JOBSTORE_TABLE


JOB_DESCRIPTIONS = {
    "send-reminders": _l("Nhắc lịch họp cho các đơn vị và nhắc kết nối thử điểm cầu"),
    "send-mail": _l("Gửi thư trong hàng đợi (giấy mời, nhắc lịch, báo cáo) và gửi lại thư lỗi"),
    "close-meetings": _l("Chuyển các cuộc họp đã qua giờ kết thúc sang trạng thái đã họp"),
    "probe-endpoints": _l("Kiểm tra kết nối các điểm cầu và ghi lịch sử trạng thái"),
    "monthly-report": _l("Gửi báo cáo chỉ tiêu tháng trước cho quản trị vào ngày làm việc đầu tháng"),
    "conclusion-notices": _l("Báo đơn vị chủ trì và quản trị khi thông báo kết luận cuộc họp quá hạn"),
}


@dataclass
class JobStatus:
    name: str
    description: str
    last_run: JobRun | None
    last_error: JobRun | None
    next_run: datetime | None


def next_run_times() -> dict[str, datetime]:
    """Next run of each job as the runner stored it in APScheduler's table; empty while no
    runner has ever started (the table does not exist yet)."""
    table = sa.table(JOBSTORE_TABLE, sa.column("id"), sa.column("next_run_time"))
    try:
        with db.engine.connect() as conn:
            rows = conn.execute(sa.select(table.c.id, table.c.next_run_time)).all()
    except sa.exc.DBAPIError:
        return {}
    return {row.id: datetime.fromtimestamp(row.next_run_time, UTC)
            for row in rows if row.next_run_time is not None}


def _latest(*conditions) -> dict[str, JobRun]:
    newest = (sa.select(JobRun.job, sa.func.max(JobRun.id).label("id"))
              .where(*conditions).group_by(JobRun.job).subquery())
    runs = db.session.scalars(sa.select(JobRun).join(newest, JobRun.id == newest.c.id))
    return {run.job: run for run in runs}


def job_statuses() -> list[JobStatus]:
    last = _latest()
    errors = _latest(JobRun.status == "error")
    upcoming = next_run_times()
    return [JobStatus(name, str(JOB_DESCRIPTIONS[name]), last.get(name), errors.get(name),
                      upcoming.get(name)) for name in JOBS]


def recent_runs(limit: int = 30) -> list[JobRun]:
    return list(db.session.scalars(sa.select(JobRun).order_by(JobRun.id.desc()).limit(limit)))


def recent_deliveries(limit: int = 30) -> list[NoticeDelivery]:
    return list(db.session.scalars(
        sa.select(NoticeDelivery).order_by(NoticeDelivery.delivered_at.desc(),
                                           NoticeDelivery.id.desc()).limit(limit)))
