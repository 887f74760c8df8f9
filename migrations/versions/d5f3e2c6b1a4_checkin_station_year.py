"""checkin_station_year: per-station counts per local calendar year

Revision ID: d5f3e2c6b1a4
Revises: c4e2d1b5a0f3
Create Date: 2026-11-27 03:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd5f3e2c6b1a4'
down_revision = 'c4e2d1b5a0f3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('checkin_station_year',
    sa.Column('province', sa.String(length=2), nullable=False),
    sa.Column('year', sa.Date(), nullable=False),
    sa.Column('area', sa.String(length=6), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('uniq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_checkin_station_year_station_id_station'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('province', 'year', 'area', 'station_id', name=op.f('pk_checkin_station_year'))
    )
    with op.batch_alter_table('checkin_station_year', schema=None) as batch_op:
        batch_op.create_index('ix_checkin_station_year_station_year', ['station_id', 'year'], unique=False)
    # Existing counts move up from the month rows: a year is the sum of its twelve months.
    if op.get_bind().dialect.name == 'postgresql':
        year = "CAST(date_trunc('year', month) AS DATE)"
    else:
        year = "strftime('%Y-01-01', month)"
    op.execute(
        "INSERT INTO checkin_station_year (province, year, area, station_id, count, uniq) "
        f"SELECT province, {year}, area, station_id, SUM(count), SUM(uniq) FROM checkin_station_month "
        "GROUP BY 1, 2, 3, 4"
    )


def downgrade():
    with op.batch_alter_table('checkin_station_year', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_station_year_station_year')

    op.drop_table('checkin_station_year')
