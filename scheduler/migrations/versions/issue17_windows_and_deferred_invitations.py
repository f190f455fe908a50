"""index-friendly windows (the subtree prefix on PostgreSQL, the feeds' version read) and
invitations built by the job runner (outgoing_mail.render)

Revision ID: issue17_windows
Revises: 0493e27e7e94
Create Date: 2026-12-01 00:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'issue17_windows'
down_revision = '0493e27e7e94'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index('ix_unit_path_pattern', 'unit', ['path'], unique=False,
                        postgresql_ops={'path': 'varchar_pattern_ops'})
    op.create_index('ix_unit_updated_at', 'unit', ['updated_at'], unique=False)
    op.create_index('ix_room_updated_at', 'room', ['updated_at'], unique=False)
    op.add_column('outgoing_mail', sa.Column('render', sa.JSON(), nullable=True))


def downgrade():
    op.drop_column('outgoing_mail', 'render')
    op.drop_index('ix_room_updated_at', table_name='room')
    op.drop_index('ix_unit_updated_at', table_name='unit')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_unit_path_pattern', table_name='unit')
