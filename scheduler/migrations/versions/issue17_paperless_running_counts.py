"""the paperless share in the reports' running counts (occurrence_tally.held_paperless,
scheduled_paperless)

The year report counted its paperless share from every sitting of the period (a third of the
report's time at a million meetings); the tally now keeps it beside the online counts. An
installation with paperless meetings has every count recounted here, by the rule
scheduler/reports/tally.py kept them by at this revision, copied here with the tables as they
were then: a migration never imports the application, whose code moves on.

Revision ID: issue17_paperless
Revises: issue17_windows
Create Date: 2026-12-03 15:40:00

"""
from collections import defaultdict
from datetime import date, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = 'issue17_paperless'
down_revision = 'issue17_windows'
branch_labels = None
depends_on = None

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ONLINE_MODES = ("online", "hybrid")
COUNTS = ("held", "held_online", "scheduled", "scheduled_online", "held_paperless",
          "scheduled_paperless")

unit = sa.table('unit', sa.column('id', sa.Integer), sa.column('path', sa.String))
meeting = sa.table('meeting', sa.column('id', sa.Integer), sa.column('host_unit_id', sa.Integer),
                   sa.column('category', sa.String), sa.column('mode', sa.String),
                   sa.column('status', sa.String), sa.column('paperless', sa.Boolean))
occurrence = sa.table('occurrence', sa.column('id', sa.Integer),
                      sa.column('meeting_id', sa.Integer),
                      sa.column('start_at', sa.DateTime(timezone=True)),
                      sa.column('status', sa.String), sa.column('held_mode', sa.String))
occurrence_tally = sa.table('occurrence_tally', sa.column('unit_id', sa.Integer),
                            sa.column('half_month', sa.Integer), sa.column('category', sa.String),
                            *(sa.column(name, sa.Integer) for name in COUNTS))


def upgrade():
    op.add_column('occurrence_tally', sa.Column('held_paperless', sa.Integer(),
                                                server_default='0', nullable=False))
    op.add_column('occurrence_tally', sa.Column('scheduled_paperless', sa.Integer(),
                                                server_default='0', nullable=False))
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT 1 FROM meeting WHERE paperless LIMIT 1")).first():
        _recount(connection)


def downgrade():
    with op.batch_alter_table('occurrence_tally') as batch:
        batch.drop_column('scheduled_paperless')
        batch.drop_column('held_paperless')


def _recount(connection):
    connection.execute(occurrence_tally.delete())
    counted = (sa.select(unit.c.path, occurrence.c.start_at, meeting.c.category,
                         sa.func.coalesce(occurrence.c.held_mode, meeting.c.mode),
                         occurrence.c.status, meeting.c.paperless)
               .select_from(occurrence)
               .join(meeting, meeting.c.id == occurrence.c.meeting_id)
               .join(unit, unit.c.id == meeting.c.host_unit_id)
               .where(meeting.c.status != 'cancelled',
                      occurrence.c.status.in_(('held', 'scheduled'))))
    counts = defaultdict(lambda: [0] * len(COUNTS))
    for path, start, category, mode, status, paperless in connection.execute(
            counted.execution_options(yield_per=20_000)):
        _add(counts, path, start, category, mode, status, bool(paperless))
    rows = [{'unit_id': unit_id, 'half_month': half, 'category': category,
             **dict(zip(COUNTS, vector))}
            for (unit_id, half, category), vector in sorted(counts.items()) if any(vector)]
    for first in range(0, len(rows), 10_000):
        connection.execute(occurrence_tally.insert(), rows[first:first + 10_000])


def _half_month_of(day: date) -> int:
    return (day.year * 12 + day.month - 1) * 2 + (1 if day.day >= 15 else 0)


def _add(counts, path, start, category, mode, status, paperless):
    """A sitting counts in its host unit and every ancestor, in the half month of its local
    day: held or scheduled as stored, online when the mode it counts in is, paperless when its
    meeting is."""
    if start.tzinfo is None:  # stored as UTC
        start = start.replace(tzinfo=timezone.utc)
    half = _half_month_of(start.astimezone(LOCAL_TZ).date())
    online = 1 if mode in ONLINE_MODES else 0
    paper = 1 if paperless else 0
    vector = ((1, online, 0, 0, paper, 0) if status == 'held'
              else (0, 0, 1, online, 0, paper))
    for part in path.strip('/').split('/'):
        if part:
            slot = counts[(int(part), half, category)]
            for i, value in enumerate(vector):
                slot[i] += value
