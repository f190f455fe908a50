"""the paperless share in the reports' running counts (occurrence_tally.held_paperless,
scheduled_paperless)

The year report counted its paperless share from every sitting of the period (a third of the
report's time at a million meetings); the tally now keeps it beside the online counts. An
installation with paperless meetings has them counted once here, by the application's own
counting (scheduler/reports/tally.py), as the migration that introduced the counts did.

Revision ID: issue17_paperless
Revises: issue17_windows
Create Date: 2026-12-03 15:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'issue17_paperless'
down_revision = 'issue17_windows'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('occurrence_tally', sa.Column('held_paperless', sa.Integer(),
                                                server_default='0', nullable=False))
    op.add_column('occurrence_tally', sa.Column('scheduled_paperless', sa.Integer(),
                                                server_default='0', nullable=False))
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT 1 FROM meeting WHERE paperless LIMIT 1")).first():
        from scheduler.reports import tally

        tally.rebuild(connection)


def downgrade():
    with op.batch_alter_table('occurrence_tally') as batch:
        batch.drop_column('scheduled_paperless')
        batch.drop_column('held_paperless')
