"""The job runner: APScheduler with its jobs persisted in the application database, run only by
the process that holds the leader lock.

`flask --app wsgi jobs run` runs a BlockingScheduler in its own process (one per installation,
like microblog's task process). Should a second runner be started by mistake, it waits: only
the holder of the `scheduler_lock` row starts a scheduler, renews the lease every third of
JOBS_LOCK_TTL_SECONDS and stops scheduling as soon as it cannot; the other takes over once the
lease has expired (a killed runner is replaced within one TTL). The jobs themselves are
idempotent besides (see tasks.py), so even two runners at once deliver nothing twice.

Jobs live in the table `apscheduler_jobs` (SQLAlchemyJobStore on the same database): a restart
keeps each job's next run time, and a run missed while the runner was down is made up once
(coalesce) if it is less than its misfire grace time late.
"""
import atexit
import logging
import threading
from datetime import timedelta

from apscheduler.events import EVENT_SCHEDULER_START
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from werkzeug.serving import is_running_from_reloader

from ..core.settings import settings
from ..core.timeutil import LOCAL_TZ, UTC, utcnow
from ..extensions import db
from . import lock
from .execution import JOBS, execute, mark_interrupted

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "apscheduler_jobs"

# The APScheduler instance of this process while it holds the lead (None otherwise).
job_scheduler: BlockingScheduler | BackgroundScheduler | None = None

# What run_job needs; set by the JobRunner of this process. APScheduler stores jobs by
# reference ("scheduler.jobs.runner:run_job"), so the job itself carries only its name.
_app: Flask | None = None
_identity: str | None = None


def job_triggers(app: Flask) -> dict:
    """{name: (trigger, misfire grace seconds)} from the configuration."""
    given = settings(app)
    intervals, override = given.jobs_intervals, given.jobs_interval_seconds
    grace = given.jobs_misfire_grace_seconds
    triggers = {}
    for name in JOBS:
        if name == "monthly-report":
            continue
        seconds = float(override or intervals.get(name, 60))
        triggers[name] = (IntervalTrigger(seconds=seconds, timezone=UTC), grace)
    # once a day in office hours; the job itself decides whether the month's report is due
    hour = given.monthly_report_hour
    triggers["monthly-report"] = (CronTrigger(hour=hour, minute=0, timezone=LOCAL_TZ),
                                  max(grace, 12 * 3600))
    return triggers


def run_job(name: str) -> None:
    """What APScheduler calls: run one job if this process still holds the lead."""
    app, identity = _app, _identity
    if app is None:
        log.error("job %s fired in a process without a job runner", name)
        return
    with app.app_context():
        try:
            if not lock.holds(identity, utcnow()):
                log.warning("job %s skipped: this runner no longer holds the lead", name)
                return
            run = execute(name, runner=identity)
            log.info("job %s: %s (%s ms) %s", name, run.status, run.duration_ms, run.result)
        except Exception:  # the database itself failed; the scheduler must keep going
            log.exception("job %s could not run", name)


class JobRunner:
    """Waits for the leader lock, schedules the jobs while holding it, and goes back to waiting
    if it loses it. `blocking` picks the scheduler: BlockingScheduler in the runner's own
    process, BackgroundScheduler inside the development server."""

    def __init__(self, app: Flask, *, blocking: bool):
        self.app = app
        self.blocking = blocking
        self.identity = lock.runner_identity()
        self.ttl = settings(app).jobs_lock_ttl_seconds
        self.beat = max(self.ttl / 3, 0.2)
        self.stopping = threading.Event()
        self.scheduler = None
        self.lease_until = None
        self._lost = threading.Event()

    def run(self) -> None:
        """Block until stop() is called."""
        global _app, _identity
        _app, _identity = self.app, self.identity
        log.info("job runner %s started, waiting for the lead", self.identity)
        try:
            while not self.stopping.is_set():
                if self._claim():
                    self._lead()
                else:
                    self.stopping.wait(self.beat)
        finally:
            with self.app.app_context():
                lock.release(self.identity, utcnow())
            log.info("job runner %s stopped", self.identity)

    def stop(self, wait: bool = False) -> None:
        self.stopping.set()
        self._lost.set()
        scheduler = self.scheduler
        if scheduler is not None and scheduler.running:
            scheduler.shutdown(wait=wait)

    def shutdown_at_exit(self) -> None:
        """Hand the lead over at once when the development server exits (its runner thread is
        a daemon and may not reach its own cleanup)."""
        self.stop()
        with self.app.app_context():
            lock.release(self.identity, utcnow())

    def _claim(self) -> bool:
        now = utcnow()
        try:
            with self.app.app_context():
                claimed = lock.claim(self.identity, now, self.ttl)
        except Exception:
            log.exception("could not reach the database for the leader lock")
            claimed = False
        if claimed:
            self.lease_until = now + timedelta(seconds=self.ttl)
        return claimed

    def _heartbeat(self) -> None:
        if self._claim():
            return
        if self.lease_until is None or utcnow() >= self.lease_until:
            log.warning("job runner %s lost the lead; stops scheduling", self.identity)
            self._lost.set()
            if self.scheduler is not None and self.scheduler.running:
                self.scheduler.shutdown(wait=False)

    def _lead(self) -> None:
        global job_scheduler
        log.info("job runner %s holds the lead", self.identity)
        with self.app.app_context():
            mark_interrupted(self.identity, utcnow())
            engine = db.engine
        grace = settings(self.app).jobs_misfire_grace_seconds
        scheduler_class = BlockingScheduler if self.blocking else BackgroundScheduler
        scheduler = scheduler_class(
            jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOBSTORE_TABLE),
                       "local": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(8)},
            job_defaults={"coalesce": True, "misfire_grace_time": grace, "max_instances": 1},
            timezone=UTC,
        )
        scheduler.add_listener(lambda _event: self._sync_jobs(scheduler), EVENT_SCHEDULER_START)
        scheduler.add_job(self._heartbeat, IntervalTrigger(seconds=self.beat, timezone=UTC),
                          id="heartbeat", jobstore="local", misfire_grace_time=None)
        self.scheduler = job_scheduler = scheduler
        self._lost.clear()
        try:
            scheduler.start()  # BlockingScheduler: returns once shut down
            if not self.blocking:
                self._lost.wait()
        finally:
            if scheduler.running:
                scheduler.shutdown(wait=False)
            self.scheduler = job_scheduler = None

    def _sync_jobs(self, scheduler) -> None:
        """Add the jobs missing from the store and reschedule those whose trigger changed in
        the configuration; a job whose trigger is unchanged keeps its stored next run time,
        which is what makes a restart catch up on a missed run."""
        wanted = job_triggers(self.app)
        for job in scheduler.get_jobs(jobstore="default"):
            if job.id not in wanted:
                scheduler.remove_job(job.id, jobstore="default")
        for name, (trigger, grace) in wanted.items():
            job = scheduler.get_job(name, jobstore="default")
            if job is None:
                scheduler.add_job(run_job, trigger, args=[name], id=name, name=name,
                                  jobstore="default", misfire_grace_time=grace,
                                  replace_existing=True)
            elif str(job.trigger) != str(trigger) or job.misfire_grace_time != grace:
                job.modify(misfire_grace_time=grace)
                scheduler.reschedule_job(name, jobstore="default", trigger=trigger)


def start_in_dev_server(app: Flask, *, reloader: bool) -> JobRunner | None:
    """Run the jobs in a thread of the development server when JOBS_IN_DEV_SERVER is on (the
    one-command start). With the reloader only in the serving child, never in the watcher;
    gunicorn workers never get here, since only the dev-server command calls this."""
    if not settings(app).jobs_in_dev_server:
        return None
    if reloader and not is_running_from_reloader():
        return None
    runner = JobRunner(app, blocking=False)
    threading.Thread(target=runner.run, name="job-runner", daemon=True).start()
    atexit.register(runner.shutdown_at_exit)
    return runner
