"""Supervised file access bookings and subject access requests (issue 5).

Revision ID: bookings00001
Revises: advocates0001
Create Date: 2026-11-23 13:45:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (column types)

revision = 'bookings00001'
down_revision = 'advocates0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
