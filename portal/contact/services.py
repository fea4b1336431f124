"""Reading and changing safe-contact preferences, and the safe-time rule.

The safe default matters most: a person who has never said how to reach them gets no
contact at all (nothing is sent, staff are told not to phone, text or email).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import select

from portal.accounts.models import Account, Role
from portal.audit.services import record_event
from portal.contact.models import NOTE_MAX, ContactPreference, SafeTimes
from portal.db import utcnow
from portal.extensions import db
from portal.i18n import organisation_zone
from portal.people.models import Person


class ContactError(ValueError):
    """A change the rules do not allow."""


@dataclass(frozen=True)
class Preferences:
    """What is in force for a person, whether they set it or not."""

    email_ok: bool
    text_ok: bool
    phone_ok: bool
    safe_times: SafeTimes
    may_leave_message: bool
    note: str | None
    row: ContactPreference | None  # None: never set, so the safe default applies

    @property
    def any_channel(self) -> bool:
        return self.email_ok or self.text_ok or self.phone_ok


# Never set: no channel is safe, nothing is left with anyone.
DEFAULT = Preferences(email_ok=False, text_ok=False, phone_ok=False, safe_times=SafeTimes.ANY,
                      may_leave_message=False, note=None, row=None)


def latest(person: Person) -> ContactPreference | None:
    return db.session.scalars(
        select(ContactPreference).where(ContactPreference.person_id == person.id)
        .order_by(ContactPreference.id.desc()).limit(1)
    ).first()


def in_force(person: Person) -> Preferences:
    row = latest(person)
    if row is None:
        return DEFAULT
    return Preferences(email_ok=row.email_ok, text_ok=row.text_ok, phone_ok=row.phone_ok,
                       safe_times=row.safe_times, may_leave_message=row.may_leave_message,
                       note=row.note, row=row)


def set_preferences(
    person: Person,
    *,
    by: Account,
    email_ok: bool,
    text_ok: bool,
    phone_ok: bool,
    safe_times: SafeTimes,
    may_leave_message: bool,
    note: str | None,
    now: datetime | None = None,
) -> ContactPreference:
    """Record a new version. Only the person themselves may: an advocate could be the very
    person they need protecting from, and there is no grant for this yet."""
    if by.role != Role.SERVICE_USER or by.person_id != person.id:
        raise ContactError("only the person themselves sets how they may be contacted")
    note = (note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise ContactError(f"the note is longer than {NOTE_MAX} characters")
    row = ContactPreference(
        person_id=person.id, email_ok=email_ok, text_ok=text_ok, phone_ok=phone_ok,
        safe_times=safe_times, may_leave_message=may_leave_message, note=note,
        set_by_id=by.id, created_at=now or utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    # The note itself stays out of the audit trail: it can name someone dangerous (SEC-1).
    record_event("contact.preferences-changed", actor=by, person=person, version=row.id)
    return row


_WINDOWS: dict[SafeTimes, tuple[time, time, bool]] = {
    # (from, until, weekdays only)
    SafeTimes.WEEKDAYS: (time(9, 0), time(17, 0), True),
    SafeTimes.EVENINGS: (time(18, 0), time(21, 0), False),
}


def is_safe_time(safe_times: SafeTimes, now: datetime | None = None) -> bool:
    """Whether ``now`` falls in the person's safe window, read in the organisation's zone
    (times are stored in UTC; people mean their local clock)."""
    if safe_times == SafeTimes.ANY:
        return True
    start, end, weekdays_only = _WINDOWS[safe_times]
    local = (now or utcnow()).astimezone(organisation_zone())
    if weekdays_only and local.weekday() >= 5:
        return False
    return start <= local.time() < end
