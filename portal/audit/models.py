"""The append-only audit trail (SEC-1, SEC-2).

Rows are only ever inserted: the ORM refuses updates and deletes, and the migration adds
database triggers that refuse them too, so neither the app nor a hurried SQL session can
quietly edit history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, append_only, utcnow


@append_only
class AuditEvent(Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    kind: Mapped[str] = mapped_column(String(60), index=True)
    # Who acted: an account, or nobody for the system (CLI, scheduled jobs).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    # For whom: the person whose data this is about, if any.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    # In what capacity: self, advocate (for the person), staff, or system.
    acted_as: Mapped[str] = mapped_column(String(20))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The hash chain (portal.audit.chain): the previous event's hash, and this one's. No two
    # events may follow the same one, so a forked chain is refused by the database itself.
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("uq_audit_events_prev_hash", "prev_hash", unique=True),)

