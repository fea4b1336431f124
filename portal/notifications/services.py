"""Making and sending outbox messages.

The rules, in the order they are applied:

1. A message is made once per ``dedupe_key``, however often a job runs.
2. It goes only by email the person marked safe (portal.contact); otherwise it is recorded
   as ``held-unsafe`` and never sent. Never set counts as "not safe" (domain.md, "Safety of
   people at risk"). This is checked again just before sending, so a change of mind in
   between is obeyed.
3. The text is always the same discreet sentence, in the person's language, with the
   portal's address: no name, no organisation, nothing about what the portal is for.
4. It is sent only inside the person's safe times; outside them it waits, queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from portal.audit.services import record_event
from portal.contact import services as contact
from portal.db import utcnow
from portal.extensions import db
from portal.i18n import DEFAULT, is_supported
from portal.notifications.backends import Backend, Email, backend_from_config
from portal.notifications.models import OutboxMessage, Status
from portal.people.models import Person
from portal.people.services import account_of

EMAIL = "email"
# After this many failed attempts a message is given up (status failed) rather than
# retried for ever; staff can see it in the outbox.
MAX_ATTEMPTS = 5


def message_language(person: Person) -> str:
    return person.preferred_language if is_supported(person.preferred_language) else DEFAULT.code


def discreet_text(language: str) -> tuple[str, str]:
    """Subject and body. Deliberately the same for every purpose: whoever else reads the
    phone learns only that some site has a message."""
    with force_locale(language):
        subject = _("You have a message")
        body = _("You have a message. Sign in to read it.")
    return subject, f"{body}\n\n{current_app.config['PORTAL_BASE_URL']}\n"


def safe_email_address(person: Person) -> str | None:
    """The address to use, or None if email is not safe for this person right now."""
    if not contact.in_force(person).email_ok:
        return None
    account = account_of(person)
    # A switched-off account may have been taken over, and one not yet activated cannot
    # sign in to read anything: neither is sent a message.
    if account is None or not account.is_active or not account.email:
        return None
    return account.email


@dataclass(frozen=True)
class Enqueued:
    message: OutboxMessage
    created: bool


def enqueue(person: Person, purpose: str, dedupe_key: str, *,
            now: datetime | None = None) -> Enqueued:
    """Make the message once (rule 1), queued if email is safe, else held (rule 2)."""
    existing = _by_key(dedupe_key)
    if existing is not None:
        return Enqueued(existing, created=False)
    language = message_language(person)
    subject, body = discreet_text(language)
    address = safe_email_address(person)
    message = OutboxMessage(
        person_id=person.id, channel=EMAIL, to_address=address, subject=subject, body=body,
        purpose=purpose, dedupe_key=dedupe_key, language=language,
        status=Status.QUEUED if address else Status.HELD_UNSAFE, attempts=0,
        created_at=now or utcnow(),
    )
    try:
        # A savepoint: another worker may make the same message at the same moment; the
        # unique key then decides, and this one gives way.
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        existing = _by_key(dedupe_key)
        assert existing is not None
        return Enqueued(existing, created=False)
    record_event("notification.made", system=True, person=person, purpose=purpose,
                 status=message.status.value, message=message.id)
    return Enqueued(message, created=True)


def _by_key(dedupe_key: str) -> OutboxMessage | None:
    return db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.dedupe_key == dedupe_key)
    ).first()


@dataclass
class Delivery:
    sent: int = 0
    held_unsafe: int = 0
    waiting: int = 0  # outside the person's safe times
    retrying: int = 0  # failed this time, tried again on the next run
    failed: int = 0  # failed for the last allowed time: given up


def deliver(*, now: datetime | None = None, backend: Backend | None = None) -> Delivery:
    """Send what is queued and may be sent now.

    Commits after each message: once an email has gone it cannot be unsent, so that it went
    is recorded at once, and a crash later in the run does not send it twice.
    """
    backend = backend or backend_from_config(current_app.config)
    result = Delivery()
    ids = list(db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == Status.QUEUED)
        .order_by(OutboxMessage.id)
    ))
    db.session.commit()
    for message_id in ids:
        # Claim it: another run may be sending too (SKIP LOCKED on PostgreSQL; SQLite's
        # BEGIN IMMEDIATE serialises runs anyway).
        message = db.session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == Status.QUEUED)
            .with_for_update(skip_locked=True)
        ).first()
        if message is None:
            db.session.commit()
            continue
        _deliver_one(message, backend, now or utcnow(), result)
        db.session.commit()
    return result


def _deliver_one(message: OutboxMessage, backend: Backend, now: datetime, result: Delivery) -> None:
    person = db.session.get(Person, message.person_id)
    assert person is not None
    address = safe_email_address(person)
    if address is None:
        # They changed their mind, or the account changed, after the message was made.
        message.status = Status.HELD_UNSAFE
        message.to_address = None
        record_event("notification.held", system=True, person=person, message=message.id)
        result.held_unsafe += 1
        return
    if not contact.is_safe_time(contact.in_force(person).safe_times, now):
        result.waiting += 1
        return
    message.to_address = address  # the current one, if it changed since
    message.attempts += 1
    try:
        backend.send(Email(to=address, subject=message.subject, body=message.body))
    except Exception as exc:  # any failure of a backend (SMTP, network, TLS) is a failed attempt
        message.last_error = type(exc).__name__[:100]
        current_app.logger.warning("outbox message %s not sent: %s", message.id, type(exc).__name__)
        if message.attempts >= MAX_ATTEMPTS:
            message.status = Status.FAILED
            result.failed += 1
        else:
            result.retrying += 1
        return
    message.status = Status.SENT
    message.sent_at = now
    record_event("notification.sent", system=True, person=person, message=message.id)
    result.sent += 1
