"""The people the organisation supports (the subjects of records), and who may act for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Account
from portal.crypto import EncryptedText
from portal.db import Base, UTCDateTime, append_only, utcnow


class Person(Base):
    """A service user as the subject of records: consents, bookings and disclosures hang
    off this, not off an account, so an advocate's account can act *for* them."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    # A short random reference for URLs and phone calls; never a name (SEC-1).
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    known_as: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date | None]
    preferred_language: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdvocateLink(Base):
    """An advocate (relative, carer, supporter) helping a person, within what is granted.

    The advocate acts *for* the person, never *as* them (000 §4.3a); every act is audited
    as the advocate's, on the person's behalf.
    """

    __tablename__ = "advocate_links"
    __table_args__ = (UniqueConstraint("advocate_id", "person_id", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    relationship_label: Mapped[str] = mapped_column(String(100))
    # How the link came about: "invited by the person", or a basis staff recorded.
    basis: Mapped[str] = mapped_column(String(200))
    may_read: Mapped[bool] = mapped_column(Boolean, default=True)
    may_book: Mapped[bool] = mapped_column(Boolean, default=False)
    may_decide_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    may_see_disclosures: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Issue 6 (portal/advocates): the person's recorded authority to ask for a copy of their
    # records on their behalf; off unless granted.
    may_request_records: Mapped[bool] = mapped_column(Boolean, default=False)
    # Staff links: what the basis rests on, and when staff must look at it again.
    basis_details: Mapped[str | None] = mapped_column(EncryptedText)  # free text, never searched
    review_date: Mapped[date | None]
    # Who granted it: the person (by invitation) or the worker who recorded the basis.
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # A safeguarding suspension: the reason is for staff only, never shown to the advocate.
    suspended_reason: Mapped[str | None] = mapped_column(EncryptedText)
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    advocate: Mapped[Account] = relationship(foreign_keys=[advocate_id])
    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    @property
    def in_force(self) -> bool:
        return self.ended_at is None and self.suspended_at is None


class CaseloadMember(Base):
    """A worker with a person on their caseload: they may open the person's record without
    giving a reason each time (SEC-1, need to know). Kept as history: a worker taken off a
    caseload gets an end time, never a deleted row."""

    __tablename__ = "caseload_members"
    __table_args__ = (
        Index("uq_caseload_members_active", "person_id", "account_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    person: Mapped[Person] = relationship(foreign_keys=[person_id])


@append_only
class RecordAccess(Base):
    """A worker's recorded reason for opening the record of someone not on their caseload
    (SEC-1). It lets them in until ``until``; the reason is in the audit trail too."""

    __tablename__ = "record_accesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    reason: Mapped[str] = mapped_column(String(30))  # a key of need_to_know.REASONS
    details: Mapped[str | None] = mapped_column(EncryptedText)  # free text, never searched
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
