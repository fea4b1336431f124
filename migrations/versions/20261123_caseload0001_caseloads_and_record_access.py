"""Caseloads and recorded reasons for opening a record (issue 7, SEC-1); answers read;
managers following up emergency shares whose approval was refused (DIS-2).

Revision ID: caseload0001
Revises: advocates0002
Create Date: 2026-11-23 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.crypto
import portal.db
from portal.db import rebuilding_sqlite_tables

revision = 'caseload0001'
down_revision = 'advocates0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('caseload_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('added_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('ended_at', portal.db.UTCDateTime(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_caseload_members_account_id_accounts')),
    sa.ForeignKeyConstraint(['added_by_id'], ['accounts.id'], name=op.f('fk_caseload_members_added_by_id_accounts')),
    sa.ForeignKeyConstraint(['ended_by_id'], ['accounts.id'], name=op.f('fk_caseload_members_ended_by_id_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_caseload_members_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caseload_members'))
    )
    op.create_index(op.f('ix_caseload_members_account_id'), 'caseload_members', ['account_id'], unique=False)
    op.create_index(op.f('ix_caseload_members_person_id'), 'caseload_members', ['person_id'], unique=False)
    op.create_index('uq_caseload_members_active', 'caseload_members', ['person_id', 'account_id'], unique=True,
                    sqlite_where=sa.text('ended_at IS NULL'), postgresql_where=sa.text('ended_at IS NULL'))
    # Append-only in the ORM; no database trigger, so `flask crypto rotate` can re-encrypt
    # the details (the audit trail's hash chain keeps the unchangeable copy of each opening).
    op.create_table('record_accesses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('details', portal.crypto.EncryptedText(), nullable=True),
    sa.Column('opened_at', portal.db.UTCDateTime(), nullable=False),
    sa.Column('until', portal.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_record_accesses_account_id_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_record_accesses_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_accesses'))
    )
    op.create_index(op.f('ix_record_accesses_account_id'), 'record_accesses', ['account_id'], unique=False)
    op.create_index(op.f('ix_record_accesses_person_id'), 'record_accesses', ['person_id'], unique=False)
    with op.batch_alter_table('consent_requests') as batch:
        batch.add_column(sa.Column('answer_read_at', portal.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('answer_read_by_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f('fk_consent_requests_answer_read_by_id_accounts'), 'accounts',
                                 ['answer_read_by_id'], ['id'])
    with rebuilding_sqlite_tables(), op.batch_alter_table('disclosures') as batch:
        batch.add_column(sa.Column('followed_up_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('followed_up_at', portal.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column('follow_up_note', portal.crypto.EncryptedText(), nullable=True))
        batch.create_foreign_key(op.f('fk_disclosures_followed_up_by_id_accounts'), 'accounts',
                                 ['followed_up_by_id'], ['id'])
    # Whoever set a person up is their first worker (as the app now does at first contact).
    op.execute(
        "INSERT INTO caseload_members (person_id, account_id, added_at, added_by_id) "
        "SELECT e.person_id, e.actor_id, e.occurred_at, e.actor_id FROM audit_events e "
        "JOIN accounts a ON a.id = e.actor_id "
        "WHERE e.kind = 'person.created' AND e.person_id IS NOT NULL "
        "AND a.role IN ('staff', 'manager', 'administrator')"
    )


def downgrade() -> None:
    with rebuilding_sqlite_tables(), op.batch_alter_table('disclosures') as batch:
        batch.drop_constraint(op.f('fk_disclosures_followed_up_by_id_accounts'), type_='foreignkey')
        batch.drop_column('follow_up_note')
        batch.drop_column('followed_up_at')
        batch.drop_column('followed_up_by_id')
    with op.batch_alter_table('consent_requests') as batch:
        batch.drop_constraint(op.f('fk_consent_requests_answer_read_by_id_accounts'), type_='foreignkey')
        batch.drop_column('answer_read_by_id')
        batch.drop_column('answer_read_at')
    op.drop_index(op.f('ix_record_accesses_person_id'), table_name='record_accesses')
    op.drop_index(op.f('ix_record_accesses_account_id'), table_name='record_accesses')
    op.drop_table('record_accesses')
    op.drop_index('uq_caseload_members_active', table_name='caseload_members')
    op.drop_index(op.f('ix_caseload_members_person_id'), table_name='caseload_members')
    op.drop_index(op.f('ix_caseload_members_account_id'), table_name='caseload_members')
    op.drop_table('caseload_members')
