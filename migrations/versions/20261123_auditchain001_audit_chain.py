"""Audit trail hash chain (issue 7, SEC-2): each event carries the previous event's hash
and its own; existing events are chained in id order.

Revision ID: auditchain001
Revises: bookings00001
Create Date: 2026-11-23 13:45:00
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

import portal.db  # noqa: F401  (column types)
from portal.audit.chain import GENESIS, event_hash
from portal.db import UTCDateTime

revision = 'auditchain001'
down_revision = 'bookings00001'
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = ("audit_events_no_update", "audit_events_no_delete")


def _drop_guards(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update_delete ON audit_events")
    else:
        for name in _SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")


def _restore_guards(dialect: str) -> None:
    if dialect == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events "
            "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_events_no_{action.lower()} BEFORE {action} ON audit_events "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            )


def upgrade() -> None:
    bind = op.get_bind()
    dialect = bind.dialect.name
    _drop_guards(dialect)
    # Plain ADD COLUMN (no table rebuild), so SQLite keeps the table and its other triggers.
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default=""))
    op.add_column("audit_events", sa.Column("hash", sa.String(length=64), nullable=False, server_default=""))
    events = sa.table(
        "audit_events", sa.column("id", sa.Integer), sa.column("occurred_at", UTCDateTime()),
        sa.column("kind", sa.String), sa.column("actor_id", sa.Integer), sa.column("person_id", sa.Integer),
        sa.column("acted_as", sa.String), sa.column("details", sa.JSON), sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    previous = GENESIS
    for row in bind.execute(sa.select(events).order_by(events.c.id)).mappings().all():
        details = row["details"] if not isinstance(row["details"], str) else json.loads(row["details"])
        digest = event_hash(prev_hash=previous, occurred_at=row["occurred_at"], kind=row["kind"],
                            actor_id=row["actor_id"], person_id=row["person_id"], acted_as=row["acted_as"],
                            details=details)
        bind.execute(sa.update(events).where(events.c.id == row["id"]).values(prev_hash=previous, hash=digest))
        previous = digest
    op.create_index("uq_audit_events_prev_hash", "audit_events", ["prev_hash"], unique=True)
    _restore_guards(dialect)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    _drop_guards(dialect)
    op.drop_index("uq_audit_events_prev_hash", table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    _restore_guards(dialect)
