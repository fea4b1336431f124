"""Supervised file access (REC-1 to REC-4): bookings, supervisors' working hours, and
subject access requests (a copy of the records, REC-1).

No double booking is enforced by the database, not only by the code that checks first
(security.md, "Bookings"): a partial unique index lets a slot hold one active booking, and
confirming locks the supervisor's account row (PostgreSQL) or runs under ``BEGIN IMMEDIATE``
(SQLite) before it re-checks the supervisor's other sessions.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Enum, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.crypto import EncryptedText
from portal.db import Base, UTCDateTime, utcnow


class BookingStatus(enum.StrEnum):
    PENDING = "pending"  # asked for, waiting for staff: it holds its slot
    CONFIRMED = "confirmed"
    DECLINED = "declined"
    CANCELLED = "cancelled"  # by the person (or their advocate)
    ATTENDED = "attended"
    NOT_ATTENDED = "not-attended"


# The states in which a booking holds its slot (the partial unique index's condition).
ACTIVE = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
_ACTIVE_SQL = "status IN ('pending', 'confirmed')"


class DeclineReason(enum.StrEnum):
    """Why staff could not confirm: a fixed list, so the person reads it in their language."""

    NO_SUPERVISOR = "no-supervisor"
    FILE_NOT_READY = "file-not-ready"
    CLOSED = "closed"
    TALK_FIRST = "talk-first"


def _enum(kind: type[enum.StrEnum], name: str, length: int = 20) -> Enum:
    return Enum(kind, native_enum=False, length=length, create_constraint=True, name=name,
                values_callable=lambda members: [m.value for m in members])


class FileAccessBooking(Base):
    """A request to see one's file under supervision, and then the session itself."""

    __tablename__ = "file_access_bookings"
    __table_args__ = (
        # A slot holds one active booking, ever: the loser of a race gets an IntegrityError,
        # mapped to "that time was just taken" (security.md, "Bookings").
        Index("ix_file_access_bookings_active_slot", "starts_at", unique=True,
              sqlite_where=text(_ACTIVE_SQL), postgresql_where=text(_ACTIVE_SQL)),
        Index("ix_file_access_bookings_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    acted_as: Mapped[str] = mapped_column(String(20))  # self or advocate
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[BookingStatus] = mapped_column(_enum(BookingStatus, "booking_status"))
    # Bumped on every change, so each change makes its own message (outbox dedupe key).
    version: Mapped[int] = mapped_column(Integer, default=1)
    # What the person needs
    interpreter: Mapped[bool] = mapped_column(Boolean, default=False)
    interpreter_language: Mapped[str | None] = mapped_column(String(60))
    advocate_coming: Mapped[bool] = mapped_column(Boolean, default=False)
    access_needs: Mapped[str | None] = mapped_column(EncryptedText)  # free text, never searched
    copy_to_take_away: Mapped[bool] = mapped_column(Boolean, default=False)
    # Staff side
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(_enum(DeclineReason, "decline_reason"))
    third_parties_removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # REC-4
    third_parties_removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    file_ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_ready_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE


class SupervisorHours(Base):
    """When a staff member can supervise, per weekday, as "HH:MM-HH:MM" ranges in local
    time: ``{"monday": ["09:30-13:00"], ...}``. No row means the opening hours."""

    __tablename__ = "supervisor_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    weekly: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SubjectAccessRequest(Base):
    """A request for a copy of everything written about the person (REC-1, UK GDPR Art. 15):
    answered within one month, which staff may extend by up to two more with a reason that
    the person is told."""

    __tablename__ = "subject_access_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    acted_as: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date]
    due_on: Mapped[date]
    extended_months: Mapped[int] = mapped_column(Integer, default=0)
    extension_reason: Mapped[str | None] = mapped_column(EncryptedText)  # free text, never searched
    extended_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
