"""Audit trail hash chain (issue 7, SEC-2).

Revision ID: auditchain001
Revises: bookings00001
Create Date: 2026-11-23 13:45:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (column types)

revision = 'auditchain001'
down_revision = 'bookings00001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
