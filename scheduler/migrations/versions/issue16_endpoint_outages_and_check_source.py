"""endpoint outages for alerts, demo-or-probe source of checks, endpoint notice kinds

Revision ID: issue16_a1
Revises: issue13_security
Create Date: 2026-11-30 23:59:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'issue16_a1'
down_revision = 'issue13_security'
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('reminder', 'tech_reminder', 'monthly_report')"
NEW_KINDS = ("kind IN ('reminder', 'tech_reminder', 'monthly_report', 'endpoint_down', "
             "'endpoint_up', 'meeting_unreachable')")


def upgrade():
    with op.batch_alter_table('endpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('down_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('failed_probes', sa.Integer(), server_default='0',
                                      nullable=False))
    with op.batch_alter_table('endpoint_check', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=10), server_default='probe',
                                      nullable=False))
        batch_op.create_check_constraint('source_known', "source IN ('probe', 'demo')")
    with op.batch_alter_table('notice_delivery', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notice_delivery_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', NEW_KINDS)


def downgrade():
    op.execute("DELETE FROM notice_delivery WHERE kind IN "
               "('endpoint_down', 'endpoint_up', 'meeting_unreachable')")
    with op.batch_alter_table('notice_delivery', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_notice_delivery_kind_known'), type_='check')
        batch_op.create_check_constraint('kind_known', OLD_KINDS)
    with op.batch_alter_table('endpoint_check', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_endpoint_check_source_known'), type_='check')
        batch_op.drop_column('source')
    with op.batch_alter_table('endpoint', schema=None) as batch_op:
        batch_op.drop_column('failed_probes')
        batch_op.drop_column('down_since')
