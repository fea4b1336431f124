"""Caseloads and recorded reasons for opening a record (issue 7, SEC-1).

Revision ID: caseload0001
Revises: advocates0002
Create Date: 2026-11-23 16:00:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (column types)

revision = 'caseload0001'
down_revision = 'advocates0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
