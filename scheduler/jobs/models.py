"""What the job runner leaves behind: its runs and its leader lock. (The notices the jobs
deliver and the in-app notifications are the notifications package's; the endpoints' check
history is the endpoints'.)"""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..core.types import UTCDateTime
from ..extensions import db

RUN_STATUSES = ("running", "ok", "error")


class JobRun(db.Model):
    """One execution of a job, written by the wrapper around every job (see execution.py)."""

    __tablename__ = "job_run"
    __table_args__ = (
        sa.CheckConstraint(f"status IN {RUN_STATUSES}", name="status_known"),
        sa.Index("ix_job_run_job_started_at", "job", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_ms: Mapped[int | None]
    status: Mapped[str] = mapped_column(sa.String(10), default="running")
    # the job's own summary ("3 reminders"), or the exception for a failed run
    result: Mapped[str | None] = mapped_column(sa.String(500))
    error: Mapped[str | None] = mapped_column(sa.Text)
    # host:pid of the process that ran it: shows which runner holds the lead
    runner: Mapped[str | None] = mapped_column(sa.String(120))


class SchedulerLock(db.Model):
    """The leader lock of the job runners: one row per lock name, held by `holder` until
    `expires_at`. The holder renews it (heartbeat); another runner may take it only once it
    has expired, so at most one process runs the jobs."""

    __tablename__ = "scheduler_lock"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
