"""Month ranking indexes cover station_id: the busiest stations are read from the index alone

Revision ID: e7b4c3d2a1f6
Revises: d5f3e2c6b1a4
Create Date: 2026-11-27 06:10:00

"""
from alembic import op


revision = 'e7b4c3d2a1f6'
down_revision = 'd5f3e2c6b1a4'
branch_labels = None
depends_on = None

TABLE = 'checkin_station_month'
INDEXES = {
    'ix_checkin_station_month_month_count': ['month', 'count'],
    'ix_checkin_station_month_province_month_count': ['province', 'month', 'count'],
}


def upgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, [*columns, 'station_id'], unique=False)


def downgrade():
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        for name, columns in INDEXES.items():
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
