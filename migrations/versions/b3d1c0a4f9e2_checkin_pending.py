"""checkin.pending: check-ins recorded but not yet folded into the rollups

Revision ID: b3d1c0a4f9e2
Revises: 7e5c65f0215a
Create Date: 2026-11-27 02:10:00

"""

from alembic import op
import sqlalchemy as sa


revision = "b3d1c0a4f9e2"
down_revision = "7e5c65f0215a"
branch_labels = None
depends_on = None


def upgrade():
    # Existing rows were counted as they arrived, so none of them is pending.
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(
            "ix_checkin_pending",
            ["id"],
            unique=False,
            postgresql_where=sa.text("pending"),
            sqlite_where=sa.text("pending = 1"),
        )


def downgrade():
    # Count what is still pending first (flask rollups fold) or those check-ins stay uncounted.
    with op.batch_alter_table("checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_pending")
        batch_op.drop_column("pending")
