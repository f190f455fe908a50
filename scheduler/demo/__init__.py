"""The Hà Nội demo data set (`flask --app wsgi seed-demo`)."""
import click
from flask.cli import with_appcontext

from ..core.db_setup import writing
from ..extensions import db


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the Hà Nội demo data (idempotent: running it again keeps existing data)."""
    from .seed import seed_demo

    with writing():  # beside a running server (see cli.writes)
        summary = seed_demo()
        db.session.commit()
    click.echo(summary)


def _demo_usernames() -> list[str]:
    """The demo sign-ins from seed.DEMO_USERS, whatever the shape of its entries (a username,
    a tuple starting with one, or a mapping/object with a `username`)."""
    try:
        from .seed import DEMO_USERS
    except ImportError:
        return []
    names = []
    for entry in DEMO_USERS:
        if isinstance(entry, str):
            names.append(entry)
        elif isinstance(entry, dict):
            names.append(entry["username"])
        elif isinstance(entry, (tuple, list)):
            names.append(entry[0])
        else:
            names.append(entry.username)
    return names


@click.command("demo-info")
@click.option("--port", default=5000, show_default=True, help="port of the development server")
@with_appcontext
def demo_info_command(port):
    """Print the address of the development server and the demo sign-ins."""
    import sqlalchemy as sa

    from ..auth.models import User
    from ..core.labels import label
    from ..extensions import db

    try:
        from .seed import DEMO_PASSWORD as password
    except ImportError:
        password = "matkhau123"
    usernames = _demo_usernames()
    users = {u.username: u for u in db.session.scalars(sa.select(User).where(User.username.in_(usernames)))}
    click.echo("")
    click.echo(f"  Lịch họp trực tuyến: http://127.0.0.1:{port}")
    if users:
        click.echo(f"  Demo sign-ins (password {password}):")
        for name in usernames:
            if name in users:
                user = users[name]
                click.echo(f"    {name:<18} {label(user.role, 'role')} · {user.unit.name}")
    else:
        click.echo("  No demo users yet: run `flask --app wsgi seed-demo`.")
    click.echo("")
