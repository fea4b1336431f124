"""Disclosure refusals and encrypted free-text notes (issue 7, DIS-2, security.md).

Revision ID: disclosures002
Revises: disclosures001
Create Date: 2026-11-23 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (column types)

revision = 'disclosures002'
down_revision = 'disclosures001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
