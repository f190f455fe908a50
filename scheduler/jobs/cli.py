"""flask --app wsgi jobs run | once NAME | serve."""
import logging
import signal
import socket
import os
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from ..core.timeutil import LOCAL_TZ, UTC, utcnow
from .execution import JOBS, execute

jobs_group = AppGroup("jobs", help="Background jobs: reminders, closing meetings, endpoint "
                                   "probes, the monthly report and the mail outbox.")


def _configure_logging() -> None:
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


@jobs_group.command("run")
def run_command():
    """Run the job scheduler in this process until stopped (Ctrl-C or SIGTERM)."""
    from .runner import JobRunner

    _configure_logging()
    runner = JobRunner(current_app._get_current_object(), blocking=True)

    def _stop(signum, _frame):
        logging.getLogger(__name__).info("signal %s: stopping after the running jobs", signum)
        runner.stop(wait=True)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    runner.run()


def _parse_at(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("expected an ISO 8601 date and time, e.g. 2026-09-03T08:00",
                                 param_hint="--at")
    if moment.tzinfo is None:  # wall time in Hà Nội, as people type it
        moment = moment.replace(tzinfo=LOCAL_TZ)
    return moment.astimezone(UTC)


@jobs_group.command("once")
@click.argument("name", type=click.Choice(list(JOBS)))
@click.option("--at", "at", default=None,
              help="run as if it were this time (ISO 8601; local time without an offset)")
def once_command(name, at):
    """Run one job now, whether or not a runner is active (the jobs are safe to repeat)."""
    run = execute(name, now=_parse_at(at) or utcnow(),
                  runner=f"cli {socket.gethostname()}:{os.getpid()}")
    if run.status != "ok":
        raise click.ClickException(f"{name} failed: {run.result}")
    click.echo(f"{name}: {run.result} ({run.duration_ms} ms)")


@jobs_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reload/--no-reload", default=False, show_default=True,
              help="restart on code changes")
@click.option("--debugger/--no-debugger", default=False, show_default=True)
def serve_command(host, port, reload, debugger):
    """The development server; with JOBS_IN_DEV_SERVER=1 it also runs the background jobs
    (in the serving process only, not in the reloader's watcher)."""
    from werkzeug.serving import run_simple

    from .runner import start_in_dev_server

    app = current_app._get_current_object()
    if start_in_dev_server(app, reloader=reload) is not None:
        _configure_logging()
        click.echo(" * background jobs run in this server (JOBS_IN_DEV_SERVER)")
    run_simple(host, port, app, use_reloader=reload, use_debugger=debugger, threaded=True)
