"""count the meetings of an upgraded installation into the reports' running counts

An installation that booked meetings before `occurrence_tally` existed has none of them counted:
this data migration counts them once, so that a plain `flask db upgrade` leaves the reports
right. It counts by the rule scheduler/reports/tally.py kept the counts by at this revision,
copied here with the tables as they were then: a migration never imports the application,
whose code (and tables) move on while an old installation still has to pass through here.

Revision ID: b4d6f8a0c2e4
Revises: a3c5e7f9b1d2
Create Date: 2026-12-01 00:30:00

"""
from collections import defaultdict
from datetime import date, timezone
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa


revision = 'b4d6f8a0c2e4'
down_revision = 'a3c5e7f9b1d2'
branch_labels = None
depends_on = None

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ONLINE_MODES = ("online", "hybrid")
COUNTS = ("held", "held_online", "scheduled", "scheduled_online")

unit = sa.table('unit', sa.column('id', sa.Integer), sa.column('path', sa.String))
meeting = sa.table('meeting', sa.column('id', sa.Integer), sa.column('host_unit_id', sa.Integer),
                   sa.column('category', sa.String), sa.column('mode', sa.String),
                   sa.column('status', sa.String))
occurrence = sa.table('occurrence', sa.column('id', sa.Integer),
                      sa.column('meeting_id', sa.Integer),
                      sa.column('start_at', sa.DateTime(timezone=True)),
                      sa.column('status', sa.String), sa.column('held_mode', sa.String))
occurrence_tally = sa.table('occurrence_tally', sa.column('unit_id', sa.Integer),
                            sa.column('half_month', sa.Integer), sa.column('category', sa.String),
                            *(sa.column(name, sa.Integer) for name in COUNTS))


def upgrade():
    connection = op.get_bind()
    if (connection.execute(sa.select(occurrence_tally.c.unit_id).limit(1)).first() is not None
            or connection.execute(sa.select(occurrence.c.id).limit(1)).first() is None):
        return  # counted already, or nothing to count
    counted = (sa.select(unit.c.path, occurrence.c.start_at, meeting.c.category,
                         sa.func.coalesce(occurrence.c.held_mode, meeting.c.mode),
                         occurrence.c.status)
               .select_from(occurrence)
               .join(meeting, meeting.c.id == occurrence.c.meeting_id)
               .join(unit, unit.c.id == meeting.c.host_unit_id)
               .where(meeting.c.status != 'cancelled',
                      occurrence.c.status.in_(('held', 'scheduled'))))
    counts = defaultdict(lambda: [0] * len(COUNTS))
    for path, start, category, mode, status in connection.execute(
            counted.execution_options(yield_per=20_000)):
        _add(counts, path, start, category, mode, status)
    rows = [{'unit_id': unit_id, 'half_month': half, 'category': category,
             **dict(zip(COUNTS, vector))}
            for (unit_id, half, category), vector in sorted(counts.items()) if any(vector)]
    for first in range(0, len(rows), 10_000):
        connection.execute(occurrence_tally.insert(), rows[first:first + 10_000])


def downgrade():
    pass  # the counts stay correct; nothing to undo


def _half_month_of(day: date) -> int:
    return (day.year * 12 + day.month - 1) * 2 + (1 if day.day >= 15 else 0)


def _add(counts, path, start, category, mode, status):
    """A sitting counts in its host unit and every ancestor, in the half month of its local
    day: held or scheduled as stored, online when the mode it counts in is."""
    if start.tzinfo is None:  # stored as UTC
        start = start.replace(tzinfo=timezone.utc)
    half = _half_month_of(start.astimezone(LOCAL_TZ).date())
    online = 1 if mode in ONLINE_MODES else 0
    vector = (1, online, 0, 0) if status == 'held' else (0, 0, 1, online)
    for part in path.strip('/').split('/'):
        if part:
            slot = counts[(int(part), half, category)]
            for i, value in enumerate(vector):
                slot[i] += value
