"""Safe-contact preferences, kept as versions like consent (CON-11): every change is a new
row, the latest is in force, and nothing is ever edited or deleted (SEC-2)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Enum, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from portal.crypto import EncryptedText
from portal.db import Base, UTCDateTime, append_only, utcnow

NOTE_MAX = 300


class SafeTimes(enum.StrEnum):
    """When contact is safe, in the organisation's time zone. A small fixed set, so staff
    and the outbox can act on it without reading free text."""

    ANY = "any"  # any time
    WEEKDAYS = "weekdays"  # Monday to Friday, 9:00 to 17:00
    EVENINGS = "evenings"  # every day, 18:00 to 21:00


@append_only
class ContactPreference(Base):
    __tablename__ = "contact_preferences"
    __table_args__ = (Index("ix_contact_preferences_person_latest", "person_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    # Which channels are safe. All false means "don't contact me, I'll sign in"; that is
    # also what a person who never set anything gets (see services.in_force).
    email_ok: Mapped[bool] = mapped_column(Boolean)
    text_ok: Mapped[bool] = mapped_column(Boolean)
    phone_ok: Mapped[bool] = mapped_column(Boolean)
    safe_times: Mapped[SafeTimes] = mapped_column(
        Enum(SafeTimes, native_enum=False, length=10, create_constraint=True, name="safe_times",
             values_callable=lambda members: [m.value for m in members])
    )
    # Whether a message may be left: on voicemail, or with whoever answers.
    may_leave_message: Mapped[bool] = mapped_column(Boolean)
    # For staff only ("my partner reads my texts"); never shown to advocates.
    # (Encrypted: free text, never searched; NOTE_MAX is checked by the form.)
    note: Mapped[str | None] = mapped_column(EncryptedText)
    set_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
