"""count the meetings of an upgraded installation into the reports' running counts

An installation that booked meetings before `occurrence_tally` existed has none of them counted:
this data migration counts them once, so that a plain `flask db upgrade` leaves the reports
right. It uses the application's own counting (scheduler/reports/tally.py): the counts must
follow exactly the rule the application keeps them by.

Revision ID: b4d6f8a0c2e4
Revises: a3c5e7f9b1d2
Create Date: 2026-12-01 00:30:00

"""
from alembic import op


revision = 'b4d6f8a0c2e4'
down_revision = 'a3c5e7f9b1d2'
branch_labels = None
depends_on = None


def upgrade():
    from scheduler.reports import tally

    tally.count_if_missing(op.get_bind())


def downgrade():
    pass  # the counts stay correct; nothing to undo
