"""Advocates: invitations, grants, suspensions, never-link list (issue 6).

Revision ID: advocates0001
Revises: 68d6a3c79190
Create Date: 2026-11-23 13:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (column types)

revision = 'advocates0001'
down_revision = '68d6a3c79190'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('never_link_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=True),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('removed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_never_link_entries_person_id_persons')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['accounts.id'], name=op.f('fk_never_link_entries_recorded_by_id_accounts')),
    sa.ForeignKeyConstraint(['removed_by_id'], ['accounts.id'], name=op.f('fk_never_link_entries_removed_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_never_link_entries'))
    )
    with op.batch_alter_table('never_link_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_never_link_entries_person_id'), ['person_id'], unique=False)

    op.create_table('safeguarding_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('about', sa.String(length=254), nullable=True),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['closed_by_id'], ['accounts.id'], name=op.f('fk_safeguarding_alerts_closed_by_id_accounts')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_safeguarding_alerts_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_safeguarding_alerts'))
    )
    with op.batch_alter_table('safeguarding_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_safeguarding_alerts_person_id'), ['person_id'], unique=False)

    op.create_table('advocate_invitations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('relationship_label', sa.String(length=100), nullable=False),
    sa.Column('may_read', sa.Boolean(), nullable=False),
    sa.Column('may_book', sa.Boolean(), nullable=False),
    sa.Column('may_decide_consent', sa.Boolean(), nullable=False),
    sa.Column('may_see_disclosures', sa.Boolean(), nullable=False),
    sa.Column('may_request_records', sa.Boolean(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['accounts.id'], name=op.f('fk_advocate_invitations_accepted_by_id_accounts')),
    sa.ForeignKeyConstraint(['created_by_id'], ['accounts.id'], name=op.f('fk_advocate_invitations_created_by_id_accounts')),
    sa.ForeignKeyConstraint(['link_id'], ['advocate_links.id'], name=op.f('fk_advocate_invitations_link_id_advocate_links')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_advocate_invitations_person_id_persons')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advocate_invitations')),
    sa.UniqueConstraint('code_digest', name=op.f('uq_advocate_invitations_code_digest'))
    )
    with op.batch_alter_table('advocate_invitations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advocate_invitations_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('advocate_links', schema=None) as batch_op:
        batch_op.add_column(sa.Column('may_request_records', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('basis_details', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('review_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('granted_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('ended_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('suspended_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('suspended_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_advocate_links_granted_by_id_accounts'), 'accounts', ['granted_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_advocate_links_suspended_by_id_accounts'), 'accounts', ['suspended_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_advocate_links_ended_by_id_accounts'), 'accounts', ['ended_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('advocate_links', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_advocate_links_ended_by_id_accounts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_advocate_links_suspended_by_id_accounts'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_advocate_links_granted_by_id_accounts'), type_='foreignkey')
        batch_op.drop_column('suspended_by_id')
        batch_op.drop_column('suspended_reason')
        batch_op.drop_column('ended_by_id')
        batch_op.drop_column('granted_by_id')
        batch_op.drop_column('review_date')
        batch_op.drop_column('basis_details')
        batch_op.drop_column('may_request_records')

    with op.batch_alter_table('advocate_invitations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advocate_invitations_person_id'))

    op.drop_table('advocate_invitations')
    with op.batch_alter_table('safeguarding_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_safeguarding_alerts_person_id'))

    op.drop_table('safeguarding_alerts')
    with op.batch_alter_table('never_link_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_never_link_entries_person_id'))

    op.drop_table('never_link_entries')
