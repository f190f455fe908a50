"""Command-line interface: flask --app wsgi init-db | seed-demo | import-units | create-user |
check | caches."""
from functools import wraps

import click
from flask import Flask
from flask.cli import with_appcontext

from .core.access import ROLES
from .core.cache import CACHES
from .core.db_setup import writing
from .core.errors import DomainError
from .extensions import db


def writes(command):
    """The command writes beside a running server: on SQLite its transactions take the write
    lock at their start, waiting for it, rather than failing with "database is locked" when
    a request writes between the command's reads and its writes."""
    @wraps(command)
    def wrapped(*args, **kwargs):
        try:
            with writing():
                return command(*args, **kwargs)
        finally:
            # the command has committed; what it read afterwards (its report) began a
            # transaction that holds the lock until the process ends: released now
            db.session.rollback()
    return wrapped


@click.command("init-db")
@with_appcontext
@writes
def init_db_command():
    """Create the schema, or upgrade it to the newest migration."""
    from flask_migrate import upgrade

    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
    upgrade()
    from .reports.targets import ensure_default_targets

    if ensure_default_targets():
        db.session.commit()
        click.echo("Created the city's default targets.")
    click.echo("Database schema is up to date.")


@click.command("import-units")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
@writes
def import_units_command(path):
    """Load or update units from a CSV or JSON file (or the predecessors of units: columns
    successor, predecessor, share); a bad file changes nothing."""
    from .units.importer import import_file

    try:
        report = import_file(path)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException("the file was refused, nothing was written:\n" + err.message)
    db.session.commit()
    click.echo(f"{report.created} units created, {report.updated} updated, {report.closed} closed"
               + (f", {report.successions} predecessor links added." if report.successions else "."))


@click.command("create-user")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--unit", "unit_code", required=True, help="code of the user's unit, e.g. 01")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--full-name", default="")
@click.option("--email", default=None)
@with_appcontext
@writes
def create_user_command(username, role, unit_code, password, full_name, email):
    """Create a user bound to a unit with a role."""
    from .auth.services import create_user
    from .units.models import Unit

    unit = Unit.by_code(unit_code)
    try:
        if unit is None:
            raise click.ClickException(f"no unit with code {unit_code}")
        create_user(None, username, password, role, unit, full_name=full_name, email=email)
    except DomainError as err:
        db.session.rollback()
        raise click.ClickException(err.message)
    db.session.commit()
    click.echo(f"User {username} ({role}) created in {unit.name}.")


@click.command("check")
@with_appcontext
def check_command():
    """Report every meeting whose status, sittings and reservations disagree (after a restore,
    say); exits with 1 when there is any."""
    from .meetings.integrity import problems

    found = problems()
    for item in found:
        click.echo(f"meeting {item['meeting_id']} sitting {item['occurrence_id'] or '-'}: "
                   f"{item['rule']} {item['detail'] or ''}".rstrip())
    if found:
        raise SystemExit(1)
    click.echo("OK: statuses, sittings and reservations agree.")


@click.command("caches")
@with_appcontext
def caches_command():
    """List every cache (core/cache.py): its name, its store and what makes its entries stale."""
    for kept in CACHES.values():
        store = kept.store + (f", up to {kept.size}" if kept.size else "")
        store += f", off unless {kept.switch.upper()}" if kept.switch else ""
        click.echo(f"{kept.name} ({store}): stale when {kept.stale_when}")


def init_app(app: Flask) -> None:
    app.cli.add_command(check_command)
    app.cli.add_command(caches_command)
    app.cli.add_command(init_db_command)
    app.cli.add_command(import_units_command)
    app.cli.add_command(create_user_command)
    from .demo import demo_info_command, seed_demo_command

    app.cli.add_command(seed_demo_command)
    from .jobs.cli import jobs_group

    app.cli.add_command(jobs_group)
    app.cli.add_command(demo_info_command)
