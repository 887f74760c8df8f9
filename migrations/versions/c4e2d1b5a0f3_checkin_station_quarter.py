"""checkin_station_quarter: per-station counts per local quarter

Revision ID: c4e2d1b5a0f3
Revises: b3d1c0a4f9e2
Create Date: 2026-11-27 03:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e2d1b5a0f3'
down_revision = 'b3d1c0a4f9e2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_station_quarter',
    sa.Column('province', sa.String(length=2), nullable=False),
    sa.Column('quarter', sa.Date(), nullable=False),
    sa.Column('area', sa.String(length=6), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('uniq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_checkin_station_quarter_station_id_station'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('province', 'quarter', 'area', 'station_id', name=op.f('pk_checkin_station_quarter'))
    )
    with op.batch_alter_table('checkin_station_quarter', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_station_quarter_station_quarter', ['station_id', 'quarter'], unique=False)
    # Existing counts move up from the month rows: a quarter is the sum of its three months.
    if op.get_bind().dialect.name == 'postgresql':
        quarter = "CAST(date_trunc('quarter', month) AS DATE)"
    else:
        quarter = ("strftime('%Y-', month) || printf('%02d', (CAST(strftime('%m', month) AS INTEGER) - 1) "
                   "/ 3 * 3 + 1) || '-01'")
    op.execute(
        "INSERT INTO checkin_station_quarter (province, quarter, area, station_id, count, uniq) "
        f"SELECT province, {quarter}, area, station_id, SUM(count), SUM(uniq) FROM checkin_station_month "
        "GROUP BY 1, 2, 3, 4"
    )


def downgrade():
    with op.batch_alter_table('checkin_station_quarter', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_station_quarter_station_quarter')

    op.drop_table('checkin_station_quarter')
