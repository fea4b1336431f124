"""Advocates: invitations, grants, suspensions, never-link list (issue 6).

Revision ID: advocates0001
Revises: 68d6a3c79190
Create Date: 2026-11-23 13:45:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (column types)

revision = 'advocates0001'
down_revision = '68d6a3c79190'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
