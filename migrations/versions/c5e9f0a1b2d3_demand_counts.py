"""demand_count: riders' searches per H3 cell, local day and distance band (unmet demand)

Revision ID: c5e9f0a1b2d3
Revises: b3d8e1f2a4c6
Create Date: 2026-11-30 09:18:38.147241

"""
from alembic import op
import sqlalchemy as sa


revision = 'c5e9f0a1b2d3'
down_revision = 'b3d8e1f2a4c6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('demand_count',
    sa.Column('cell', sa.String(length=16), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('band', sa.SmallInteger(), nullable=False),
    sa.Column('county', sa.String(length=6), nullable=True),
    sa.Column('searches', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('cell', 'day', 'band', name=op.f('pk_demand_count'))
    )
    with op.batch_alter_table('demand_count', schema=None) as batch_op:
        batch_op.create_index('ix_demand_count_county_day', ['county', 'day'], unique=False)



def downgrade():
    with op.batch_alter_table('demand_count', schema=None) as batch_op:
        batch_op.drop_index('ix_demand_count_county_day')

    op.drop_table('demand_count')
