"""Recording audit events. Every change to a person's data goes through record_event()."""

from __future__ import annotations

from typing import Any

from flask import has_request_context
from flask_login import current_user

from portal.accounts.models import Account, Role
from portal.audit import chain
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.people.models import Person

# Details must never carry credentials or codes (security.md, ASVS 5 16.2.5).
_SECRET_WORDS = ("password", "code", "token", "secret")


def _acting_capacity(actor: Account | None, person: Person | None) -> str:
    if actor is None:
        return "system"
    if actor.role == Role.SERVICE_USER:
        return "self"
    if actor.role == Role.ADVOCATE:
        return "advocate"
    return "staff"


def _signed_in_account() -> Account | None:
    if has_request_context() and current_user.is_authenticated:
        account: Account = current_user._get_current_object()  # type: ignore[attr-defined]
        return account
    return None


def record_event(
    kind: str,
    *,
    person: Person | None = None,
    actor: Account | None = None,
    system: bool = False,
    **details: Any,
) -> AuditEvent:
    """Append one event. The actor defaults to whoever is signed in; ``system=True`` records
    an act of the portal itself (a CLI command, a scheduled job)."""
    for key in details:
        if any(word in key.lower() for word in _SECRET_WORDS):
            raise ValueError(f"audit details may not hold {key!r}")
    if actor is None and not system:
        actor = _signed_in_account()
    session = db.session
    session.flush()  # earlier events of this transaction first, so they are chained before this one
    fields: dict[str, Any] = {
        "occurred_at": utcnow(),
        "kind": kind,
        "actor_id": actor.id if actor else None,
        "person_id": person.id if person else None,
        "acted_as": _acting_capacity(actor, person),
        "details": details,
    }
    prev_hash = chain.lock_and_get_last_hash(session)
    event = AuditEvent(**fields, prev_hash=prev_hash, hash=chain.event_hash(prev_hash=prev_hash, **fields))
    session.add(event)
    session.flush()
    return event
