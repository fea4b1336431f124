"""The audit trail as a hash chain (SEC-2, issue 7).

Each event stores the hash of the event before it and a hash of its own contents together
with that previous hash. Changing, deleting or reordering any event breaks the chain from
that point on, and ``verify`` names the first broken event. The latest hash, printed by
``flask audit head``, can be kept somewhere the database can't rewrite (a printed log book,
another system); ``flask audit verify --expect-head`` then also proves nothing was cut off
the end.

Appending must be serialised or two writers would both chain onto the same predecessor:
on PostgreSQL a transaction-scoped advisory lock at READ COMMITTED (each statement after the
lock sees the latest committed event; under REPEATABLE READ the snapshot would predate the
lock and the chain would fork silently — security.md); on SQLite every transaction already
starts with BEGIN IMMEDIATE (portal.db), which serialises writers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

GENESIS = "0" * 64
# Any fixed number: the advisory lock that every audit append takes on PostgreSQL.
ADVISORY_LOCK_KEY = 0x5EC2_A0D1


def event_hash(*, prev_hash: str, occurred_at: datetime, kind: str, actor_id: int | None,
               person_id: int | None, acted_as: str, details: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"prev": prev_hash, "at": occurred_at.isoformat(), "kind": kind, "actor": actor_id,
         "person": person_id, "as": acted_as, "details": details},
        sort_keys=True, ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def lock_and_get_last_hash(session: Session) -> str:
    """Take the append lock (PostgreSQL) and return the hash to chain onto."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
    from portal.audit.models import AuditEvent

    last = session.scalars(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return last or GENESIS


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    head: str
    first_broken_id: int | None = None
    reason: str = ""


def verify_rows(rows: Iterable[Any]) -> Verification:
    """Walk the events in id order; stop at the first that doesn't hold."""
    previous = GENESIS
    checked = 0
    for row in rows:
        if row.prev_hash != previous:
            return Verification(False, checked, previous, row.id,
                                "does not follow the event before it: an event was deleted, "
                                "inserted or moved")
        expected = event_hash(prev_hash=row.prev_hash, occurred_at=row.occurred_at, kind=row.kind,
                              actor_id=row.actor_id, person_id=row.person_id, acted_as=row.acted_as,
                              details=row.details)
        if row.hash != expected:
            return Verification(False, checked, previous, row.id,
                                "its contents do not match its hash: it was changed")
        previous = row.hash
        checked += 1
    return Verification(True, checked, previous)


def verify(session: Session) -> Verification:
    from portal.audit.models import AuditEvent

    return verify_rows(session.scalars(select(AuditEvent).order_by(AuditEvent.id)).yield_per(1000))
