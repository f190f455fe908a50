"""calendar tags: what the calendar pages' and API lists' cache is checked against

Each unit's calendar gets a tag that every change of its meetings replaces in the same
transaction (scheduler/meetings/calendar_tags.py); unit 0 stands for every calendar. The table
starts empty: a unit without a row has tag 0, and a server starts with an empty cache.

Revision ID: issue17_calendar_tags
Revises: issue17_approval_rooms
Create Date: 2026-12-05 15:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'issue17_calendar_tags'
down_revision = 'issue17_approval_rooms'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'calendar_tag',
        sa.Column('unit_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('tag', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('unit_id', name=op.f('pk_calendar_tag')),
    )


def downgrade():
    op.drop_table('calendar_tag')
