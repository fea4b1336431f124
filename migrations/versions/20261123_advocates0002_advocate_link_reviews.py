"""Advocate link reviews and staff ending a link (issue 6 follow-up).

Revision ID: advocates0002
Revises: twofactor001
Create Date: 2026-11-23 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (column types)

revision = 'advocates0002'
down_revision = 'twofactor001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
