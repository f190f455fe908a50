"""server-side session keys, API token last use, atomic sign-in throttle, hashed feed tokens

Revision ID: issue13_security
Revises: b4d6f8a0c2e4
Create Date: 2026-12-01 00:30:00

"""
import hashlib
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'issue13_security'
down_revision = 'b4d6f8a0c2e4'
branch_labels = None
depends_on = None

FEED_TABLES = ('unit', 'room', 'user_account')


def upgrade():
    op.create_table('login_throttle',
    sa.Column('scope', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("scope IN ('account', 'address')", name=op.f('ck_login_throttle_scope_known')),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_login_throttle_failures_not_negative')),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_login_throttle'))
    )
    with op.batch_alter_table('login_throttle', schema=None) as batch_op:
        batch_op.create_index('ix_login_throttle_window_start', ['window_start'], unique=False)
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True))

    # every existing user gets a session key of their own; the sessions signed before this
    # migration (which carried a password fingerprint) end, as after a sign-out
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_key', sa.String(length=32), nullable=True))
    conn = op.get_bind()
    users = sa.table('user_account', sa.column('id', sa.Integer), sa.column('session_key', sa.String))
    for (user_id,) in conn.execute(sa.select(users.c.id)).all():
        conn.execute(users.update().where(users.c.id == user_id)
                     .values(session_key=secrets.token_hex(16)))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('session_key', existing_type=sa.String(length=32), nullable=False)

    # feed tokens are kept as their SHA-256: the links already subscribed keep working
    for name in FEED_TABLES:
        table = sa.table(name, sa.column('id', sa.Integer), sa.column('feed_token', sa.String))
        rows = conn.execute(sa.select(table.c.id, table.c.feed_token)
                            .where(table.c.feed_token.is_not(None))).all()
        for row_id, token in rows:
            conn.execute(table.update().where(table.c.id == row_id).values(
                feed_token=hashlib.sha256(token.encode()).hexdigest()))


def downgrade():
    # the feed tokens cannot be un-hashed: every feed link must be made anew after a downgrade
    conn = op.get_bind()
    for name in FEED_TABLES:
        table = sa.table(name, sa.column('feed_token', sa.String))
        conn.execute(table.update().values(feed_token=None))
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_key')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('last_used_at')
    op.drop_table('login_throttle')
