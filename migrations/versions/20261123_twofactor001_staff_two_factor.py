"""Staff two-factor sign-in with TOTP and recovery codes (security.md, ASVS 5 6.3.3, 6.5.1).

Revision ID: twofactor001
Revises: disclosures002
Create Date: 2026-11-23 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (column types)

revision = 'twofactor001'
down_revision = 'disclosures002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The secrets are Fernet tokens (portal.crypto.EncryptedText, stored as TEXT).
    op.create_table('two_factor_credentials',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('secret', sa.Text(), nullable=True),
    sa.Column('enabled_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_used_step', sa.Integer(), nullable=True),
    sa.Column('pending_secret', sa.Text(), nullable=True),
    sa.Column('pending_since', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_two_factor_credentials_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_two_factor_credentials'))
    )
    op.create_table('recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', portal.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_recovery_codes_account_id_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_codes')),
    sa.UniqueConstraint('code_digest', name=op.f('uq_recovery_codes_code_digest'))
    )
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recovery_codes_account_id'), ['account_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recovery_codes_account_id'))
    op.drop_table('recovery_codes')
    op.drop_table('two_factor_credentials')
