"""The disclosure register: what was shared, why, on what basis, approvals and safety holds
(issue 7, DIS-1 to DIS-5).

Revision ID: disclosures001
Revises: auditchain001
Create Date: 2026-11-23 13:50:00
"""
from __future__ import annotations

import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

import portal.db  # noqa: F401  (column types)

revision = 'disclosures001'
down_revision = 'auditchain001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
