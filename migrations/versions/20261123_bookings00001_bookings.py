"""Supervised file access bookings and subject access requests (issue 5).

Revision ID: bookings00001
Revises: advocates0001
Create Date: 2026-11-23 13:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (column types)

revision = 'bookings00001'
down_revision = 'advocates0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('file_access_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('acted_as', sa.String(length=20), nullable=False),
    sa.Column('starts_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sa.Enum('pending', 'confirmed', 'declined', 'cancelled', 'attended', 'not-attended', name='booking_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('interpreter', sa.Boolean(), nullable=False),
    sa.Column('interpreter_language', sa.String(length=60), nullable=True),
    sa.Column('advocate_coming', sa.Boolean(), nullable=False),
    sa.Column('access_needs', sa.String(length=500), nullable=True),
    sa.Column('copy_to_take_away', sa.Boolean(), nullable=False),
    sa.Column('supervisor_id', sa.Integer(), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decline_reason', sa.Enum('no-supervisor', 'file-not-ready', 'closed', 'talk-first', name='decline_reason', native_enum=False, create_constraint=True, length=20), nullable=True),
    sa.Column('third_parties_removed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('third_parties_removed_by_id', sa.Integer(), nullable=True),
    sa.Column('file_ready_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('file_ready_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['accounts.id'], name=op.f('fk_file_access_bookings_decided_by_id_accounts')),
    sa.ForeignKeyConstraint(['file_ready_by_id'], ['accounts.id'], name=op.f('fk_file_access_bookings_file_ready_by_id_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_file_access_bookings_person_id_persons')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['accounts.id'], name=op.f('fk_file_access_bookings_requested_by_id_accounts')),
    sa.ForeignKeyConstraint(['supervisor_id'], ['accounts.id'], name=op.f('fk_file_access_bookings_supervisor_id_accounts')),
    sa.ForeignKeyConstraint(['third_parties_removed_by_id'], ['accounts.id'], name=op.f('fk_file_access_bookings_third_parties_removed_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_file_access_bookings')),
    sa.UniqueConstraint('reference', name=op.f('uq_file_access_bookings_reference'))
    )
    op.create_index('ix_file_access_bookings_active_slot', 'file_access_bookings', ['starts_at'], unique=True, sqlite_where=sa.text("status IN ('pending', 'confirmed')"), postgresql_where=sa.text("status IN ('pending', 'confirmed')"))
    op.create_index(op.f('ix_file_access_bookings_person_id'), 'file_access_bookings', ['person_id'], unique=False)
    op.create_index('ix_file_access_bookings_status', 'file_access_bookings', ['status', 'created_at'], unique=False)
    op.create_index(op.f('ix_file_access_bookings_supervisor_id'), 'file_access_bookings', ['supervisor_id'], unique=False)
    op.create_table('subject_access_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('acted_as', sa.String(length=20), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('extended_months', sa.Integer(), nullable=False),
    sa.Column('extension_reason', sa.String(length=500), nullable=True),
    sa.Column('extended_by_id', sa.Integer(), nullable=True),
    sa.Column('done_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('done_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['done_by_id'], ['accounts.id'], name=op.f('fk_subject_access_requests_done_by_id_accounts')),
    sa.ForeignKeyConstraint(['extended_by_id'], ['accounts.id'], name=op.f('fk_subject_access_requests_extended_by_id_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_subject_access_requests_person_id_persons')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['accounts.id'], name=op.f('fk_subject_access_requests_requested_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subject_access_requests')),
    sa.UniqueConstraint('reference', name=op.f('uq_subject_access_requests_reference'))
    )
    op.create_index(op.f('ix_subject_access_requests_person_id'), 'subject_access_requests', ['person_id'], unique=False)
    op.create_table('supervisor_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('weekly', sa.JSON(), nullable=False),
    sa.Column('updated_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_supervisor_hours_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisor_hours')),
    sa.UniqueConstraint('account_id', name=op.f('uq_supervisor_hours_account_id'))
    )


def downgrade() -> None:
    op.drop_table('supervisor_hours')
    op.drop_index(op.f('ix_subject_access_requests_person_id'), table_name='subject_access_requests')
    op.drop_table('subject_access_requests')
    op.drop_index(op.f('ix_file_access_bookings_supervisor_id'), table_name='file_access_bookings')
    op.drop_index('ix_file_access_bookings_status', table_name='file_access_bookings')
    op.drop_index(op.f('ix_file_access_bookings_person_id'), table_name='file_access_bookings')
    op.drop_index('ix_file_access_bookings_active_slot', table_name='file_access_bookings', sqlite_where=sa.text("status IN ('pending', 'confirmed')"), postgresql_where=sa.text("status IN ('pending', 'confirmed')"))
    op.drop_table('file_access_bookings')
