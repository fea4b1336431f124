"""The outbox: one row per message the portal means to send."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class Status(enum.StrEnum):
    QUEUED = "queued"  # waiting to be sent (perhaps for a safe time)
    SENT = "sent"
    HELD_UNSAFE = "held-unsafe"  # the person has not marked the channel safe: never sent
    FAILED = "failed"  # gave up after too many attempts


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10))  # "email" for now
    # None when held as unsafe: an address nobody may use is not copied here.
    to_address: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # What the message is for (e.g. "consent-review"); never part of the text itself.
    purpose: Mapped[str] = mapped_column(String(40))
    # Makes each message once however often the job runs, e.g. "consent-review:12:2027-01-31".
    dedupe_key: Mapped[str] = mapped_column(String(120), unique=True)
    language: Mapped[str] = mapped_column(String(10))
    status: Mapped[Status] = mapped_column(
        Enum(Status, native_enum=False, length=12, create_constraint=True, name="status",
             values_callable=lambda members: [m.value for m in members])
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The kind of the last failure (an exception class name), never its text: SMTP errors
    # can echo the address back.
    last_error: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
