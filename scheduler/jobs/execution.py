"""Running one job by name: the wrapper that records every run in JobRun, so that a failing job
is logged and shown on the admin page and never stops the others."""
import time
import traceback
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..core.db_setup import writing
from ..core.settings import settings
from ..core.timeutil import utcnow
from ..extensions import db
from . import tasks
from .models import JobRun

# the names of `flask jobs once NAME`, in the order the admin page lists them
JOBS = {
    "send-reminders": tasks.send_reminders,
    "send-mail": tasks.send_mail,
    "close-meetings": tasks.close_meetings,
    "probe-endpoints": tasks.probe_endpoints,
    "monthly-report": tasks.monthly_report,
    "conclusion-notices": tasks.conclusion_notices,
}


def execute(name: str, now: datetime | None = None, runner: str | None = None) -> JobRun:
    """Run job `name` at `now` (the current time by default) and return its JobRun. Exceptions
    of the job are caught, logged and stored; only a failure to write JobRun itself (the
    database is gone) propagates."""
    with writing():
        run_id = _execute(JOBS[name], name, now, runner)
    return db.session.get(JobRun, run_id)  # a read: holds no write lock once returned


def _execute(job, name: str, now: datetime | None, runner: str | None) -> int:
    started = utcnow()
    run = JobRun(job=name, started_at=started, status="running", runner=runner)
    db.session.add(run)
    db.session.commit()
    run_id = run.id
    clock = time.perf_counter()
    try:
        result, error, status = job(now or started), None, "ok"
    except Exception as err:  # a job's failure must not stop the runner or the other jobs
        db.session.rollback()
        current_app.logger.exception("job %s failed", name)
        result, error, status = f"{type(err).__name__}: {err}", traceback.format_exc(), "error"
    db.session.rollback()  # whatever the job left uncommitted is not ours to commit
    # writes first in the transaction: on SQLite a read followed by a write can fail at once
    # when another process wrote in between
    db.session.execute(sa.update(JobRun).where(JobRun.id == run_id).values(
        status=status, result=(result or "")[:500], error=error, finished_at=utcnow(),
        duration_ms=int((time.perf_counter() - clock) * 1000)))
    keep = timedelta(days=settings().jobs_history_days)
    db.session.execute(sa.delete(JobRun).where(JobRun.job == name, JobRun.status != "running",
                                               JobRun.started_at < started - keep))
    db.session.commit()
    return run_id


def mark_interrupted(holder: str, now: datetime) -> int:
    """Runs left `running` by a runner that died (SIGKILL, power cut): the new leader marks them
    so that the admin page does not show them running forever. Manual runs (`jobs once`) are
    left alone: they may still be going."""
    count = db.session.execute(sa.update(JobRun).where(
        JobRun.status == "running", JobRun.started_at < now,
        sa.or_(JobRun.runner.is_(None),
               sa.and_(sa.not_(JobRun.runner.startswith("cli ")), JobRun.runner != holder)),
    ).values(status="error", error="interrupted: the runner stopped during this run",
             result="interrupted", finished_at=now)).rowcount
    db.session.commit()
    return count
