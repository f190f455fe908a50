"""an index of the rooms that need approval, for the menu's "waiting for approval" count

Every signed-in page counts the bookings waiting for the user; the count starts from the rooms
that require approval, which PostgreSQL found by reading every room (22,000 rows and 1.3 ms
per page in the national data set). A partial index holds only those rooms.

Revision ID: issue17_approval_rooms
Revises: issue17_paperless
Create Date: 2026-12-04 21:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'issue17_approval_rooms'
down_revision = 'issue17_paperless'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.create_index('ix_room_approval_unit_id', ['unit_id'], unique=False,
                              postgresql_where=sa.text('requires_approval'),
                              sqlite_where=sa.text('requires_approval = 1'))


def downgrade():
    with op.batch_alter_table('room', schema=None) as batch_op:
        batch_op.drop_index('ix_room_approval_unit_id')
