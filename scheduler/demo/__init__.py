"""The Hà Nội demo data set (`flask --app wsgi seed-demo`)."""
import click
from flask.cli import with_appcontext


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the Hà Nội demo data (idempotent: running it again keeps existing data)."""
    from ..extensions import db
    from .seed import seed_demo

    summary = seed_demo()
    db.session.commit()
    click.echo(summary)
