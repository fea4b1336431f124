"""Staff two-factor sign-in with TOTP and recovery codes (security.md, ASVS 5 6.3.3, 6.5.1).

Revision ID: twofactor001
Revises: disclosures002
Create Date: 2026-11-23 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (column types)

revision = 'twofactor001'
down_revision = 'disclosures002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
