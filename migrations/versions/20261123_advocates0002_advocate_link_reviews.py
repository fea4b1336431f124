"""Advocate link reviews and staff ending a link (issue 6 follow-up).

Revision ID: advocates0002
Revises: twofactor001
Create Date: 2026-11-23 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (column types)
from portal.db import add_append_only_triggers, drop_append_only_triggers

# History: a review is added, never rewritten. (The endings table is not guarded by
# triggers: key rotation rewrites its encrypted details in place.)
HISTORY = ("advocate_link_reviews",)

revision = 'advocates0002'
down_revision = 'twofactor001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('advocate_link_endings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=30), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['link_id'], ['advocate_links.id'], name=op.f('fk_advocate_link_endings_link_id_advocate_links')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advocate_link_endings')),
    sa.UniqueConstraint('link_id', name=op.f('uq_advocate_link_endings_link_id'))
    )
    op.create_table('advocate_link_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', portal.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('previous_review_date', sa.Date(), nullable=True),
    sa.Column('next_review_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['advocate_links.id'], name=op.f('fk_advocate_link_reviews_link_id_advocate_links')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['accounts.id'], name=op.f('fk_advocate_link_reviews_reviewed_by_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advocate_link_reviews'))
    )
    with op.batch_alter_table('advocate_link_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advocate_link_reviews_link_id'), ['link_id'], unique=False)

    add_append_only_triggers(*HISTORY)


def downgrade() -> None:
    drop_append_only_triggers(*HISTORY)
    with op.batch_alter_table('advocate_link_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advocate_link_reviews_link_id'))

    op.drop_table('advocate_link_reviews')
    op.drop_table('advocate_link_endings')
