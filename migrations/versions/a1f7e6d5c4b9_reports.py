"""report, report_photo, report_event, report_confirmation: riders' tickets about stations and places

Revision ID: a1f7e6d5c4b9
Revises: f8c5d4e3b2a7
Create Date: 2026-11-30 06:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1f7e6d5c4b9'
down_revision = 'f8c5d4e3b2a7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=True),
    sa.Column('region_code', sa.String(length=6), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('confirmations', sa.Integer(), nullable=False),
    sa.Column('device_hash', sa.String(length=64), nullable=True),
    sa.Column('open_key', sa.String(length=48), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('station', 'community')", name=op.f('ck_report_kind')),
    sa.CheckConstraint("status IN ('open', 'acknowledged', 'in_progress', 'fixed', 'not_fixable', 'duplicate', 'referred')", name=op.f('ck_report_status')),
    sa.CheckConstraint('length(description) <= 500', name=op.f('ck_report_description')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_report_station_id_station'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report')),
    sa.UniqueConstraint('code', name=op.f('uq_report_code')),
    sa.UniqueConstraint('open_key', name=op.f('uq_report_open_key'))
    )
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_region_code'), ['region_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_station_id'), ['station_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_status'), ['status'], unique=False)

    op.create_table('report_confirmation',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('device_hash', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_confirmation_report_id_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', 'device_hash', 'day', name=op.f('pk_report_confirmation'))
    )
    op.create_table('report_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_event_report_id_report'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_report_event_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_event'))
    )
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_event_report_id'), ['report_id'], unique=False)

    op.create_table('report_photo',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('content_type', sa.String(length=32), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['report.id'], name=op.f('fk_report_photo_report_id_report'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('report_id', name=op.f('pk_report_photo'))
    )


def downgrade():
    op.drop_table('report_photo')
    with op.batch_alter_table('report_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_event_report_id'))

    op.drop_table('report_event')
    op.drop_table('report_confirmation')
    with op.batch_alter_table('report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_status'))
        batch_op.drop_index(batch_op.f('ix_report_station_id'))
        batch_op.drop_index(batch_op.f('ix_report_region_code'))
        batch_op.drop_index(batch_op.f('ix_report_created_at'))

    op.drop_table('report')
