"""meeting version (ETag, edit form), stable Message-ID, SQLite's no-overlap triggers

Revision ID: a3c5e7f9b1d2
Revises: 1d41630ef2ac
Create Date: 2026-12-01 00:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a3c5e7f9b1d2'
down_revision = '1d41630ef2ac'
branch_labels = None
depends_on = None

# the same rule as PostgreSQL's ex_reservation_no_overlap (a copy of
# scheduler/meetings/models.py as of this revision: migrations never import application code)
_CHECK = """
  SELECT RAISE(ABORT, 'ex_reservation_no_overlap: a reservation lasts at most 7 days')
   WHERE julianday(NEW.ends_at) - julianday(NEW.starts_at) > 7;
  SELECT RAISE(ABORT, 'ex_reservation_no_overlap')
   WHERE EXISTS (SELECT 1 FROM reservation AS r
                  WHERE r.resource_kind = NEW.resource_kind AND r.resource_id = NEW.resource_id
                    AND r.active AND r.starts_at < NEW.ends_at AND r.ends_at > NEW.starts_at
                    AND r.starts_at >= strftime('%Y-%m-%d %H:%M:%S', NEW.starts_at, '-7 days')
                    {other});
"""
TRIGGERS = (
    "CREATE TRIGGER tr_reservation_no_overlap_insert BEFORE INSERT ON reservation "
    "WHEN NEW.active BEGIN" + _CHECK.format(other="") + "END",
    "CREATE TRIGGER tr_reservation_no_overlap_update BEFORE UPDATE OF active, starts_at, "
    "ends_at, resource_kind, resource_id ON reservation WHEN NEW.active BEGIN"
    + _CHECK.format(other="AND r.id != NEW.id") + "END",
)


def upgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.String(length=255), nullable=True))
    if op.get_bind().dialect.name == 'sqlite':
        for trigger in TRIGGERS:
            op.execute(trigger)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute("DROP TRIGGER IF EXISTS tr_reservation_no_overlap_update")
        op.execute("DROP TRIGGER IF EXISTS tr_reservation_no_overlap_insert")
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_column('message_id')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('version')
