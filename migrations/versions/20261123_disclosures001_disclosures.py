"""The disclosure register: what was shared, why, on what basis, approvals and safety holds
(issue 7, DIS-1 to DIS-5).

Revision ID: disclosures001
Revises: auditchain001
Create Date: 2026-11-23 13:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (column types)
from portal.db import add_append_only_triggers, drop_append_only_triggers

# History: what was shared and who approved it is added to, never rewritten (DIS-1, DIS-2).
HISTORY = ("disclosure_kinds", "disclosure_approvals")

revision = 'disclosures001'
down_revision = 'auditchain001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('disclosures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=12), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('agency', sa.String(length=60), nullable=False),
    sa.Column('purpose', sa.String(length=500), nullable=False),
    sa.Column('channel', sa.String(length=30), nullable=False),
    sa.Column('identity_check', sa.String(length=300), nullable=True),
    sa.Column('basis', sa.Enum('consent', 'circumstance', name='basis', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('circumstance', sa.String(length=60), nullable=True),
    sa.Column('status', sa.Enum('pending', 'done-pending-approval', 'done', name='status', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('approvals_needed', sa.Integer(), nullable=False),
    sa.Column('policy_version_id', sa.Integer(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('shared_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("basis = 'consent' OR circumstance IS NOT NULL", name=op.f('ck_disclosures_circumstance_named')),
    sa.CheckConstraint("channel <> 'phone' OR identity_check IS NOT NULL", name=op.f('ck_disclosures_phone_identity_checked')),
    sa.ForeignKeyConstraint(['person_id'], ['persons.id'], name=op.f('fk_disclosures_person_id_persons')),
    sa.ForeignKeyConstraint(['policy_version_id'], ['policy_versions.id'], name=op.f('fk_disclosures_policy_version_id_policy_versions')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['accounts.id'], name=op.f('fk_disclosures_recorded_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosures')),
    sa.UniqueConstraint('reference', name=op.f('uq_disclosures_reference'))
    )
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosures_person_id'), ['person_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_disclosures_status'), ['status'], unique=False)

    op.create_table('disclosure_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('approver_id', sa.Integer(), nullable=False),
    sa.Column('approver_role', sa.String(length=20), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approver_id'], ['accounts.id'], name=op.f('fk_disclosure_approvals_approver_id_accounts')),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_approvals_disclosure_id_disclosures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_approvals')),
    sa.UniqueConstraint('disclosure_id', 'approver_id', name=op.f('uq_disclosure_approvals_disclosure_id'))
    )
    with op.batch_alter_table('disclosure_approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_approvals_disclosure_id'), ['disclosure_id'], unique=False)

    op.create_table('disclosure_holds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=1000), nullable=False),
    sa.Column('review_on', sa.Date(), nullable=False),
    sa.Column('placed_by_id', sa.Integer(), nullable=False),
    sa.Column('placed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lifted_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_holds_disclosure_id_disclosures')),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['accounts.id'], name=op.f('fk_disclosure_holds_lifted_by_id_accounts')),
    sa.ForeignKeyConstraint(['placed_by_id'], ['accounts.id'], name=op.f('fk_disclosure_holds_placed_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_holds'))
    )
    with op.batch_alter_table('disclosure_holds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_holds_disclosure_id'), ['disclosure_id'], unique=False)

    op.create_table('disclosure_kinds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('disclosure_id', sa.Integer(), nullable=False),
    sa.Column('information_kind', sa.String(length=60), nullable=False),
    sa.Column('consent_decision_id', sa.Integer(), nullable=True),
    sa.Column('consent_answer', sa.String(length=10), nullable=False),
    sa.ForeignKeyConstraint(['consent_decision_id'], ['consent_decisions.id'], name=op.f('fk_disclosure_kinds_consent_decision_id_consent_decisions')),
    sa.ForeignKeyConstraint(['disclosure_id'], ['disclosures.id'], name=op.f('fk_disclosure_kinds_disclosure_id_disclosures')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_kinds'))
    )
    with op.batch_alter_table('disclosure_kinds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disclosure_kinds_disclosure_id'), ['disclosure_id'], unique=False)

    add_append_only_triggers(*HISTORY)


def downgrade() -> None:
    drop_append_only_triggers(*HISTORY)
    with op.batch_alter_table('disclosure_kinds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_kinds_disclosure_id'))

    op.drop_table('disclosure_kinds')
    with op.batch_alter_table('disclosure_holds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_holds_disclosure_id'))

    op.drop_table('disclosure_holds')
    with op.batch_alter_table('disclosure_approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosure_approvals_disclosure_id'))

    op.drop_table('disclosure_approvals')
    with op.batch_alter_table('disclosures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disclosures_status'))
        batch_op.drop_index(batch_op.f('ix_disclosures_person_id'))

    op.drop_table('disclosures')
