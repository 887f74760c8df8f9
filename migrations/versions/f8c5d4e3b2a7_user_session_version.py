"""user.session_version: bumped on logout, disable, password change and revoke-tokens to end old sessions

Revision ID: f8c5d4e3b2a7
Revises: e7b4c3d2a1f6
Create Date: 2026-11-30 02:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f8c5d4e3b2a7'
down_revision = 'e7b4c3d2a1f6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
