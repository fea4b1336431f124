"""The people the organisation supports (the subjects of records), and who may act for them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Account
from portal.db import Base, UTCDateTime, utcnow


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
    basis_details: Mapped[str | None] = mapped_column(String(500))
    review_date: Mapped[date | None]
    # Who granted it: the person (by invitation) or the worker who recorded the basis.
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    # A safeguarding suspension: the reason is for staff only, never shown to the advocate.
    suspended_reason: Mapped[str | None] = mapped_column(String(500))
    suspended_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    advocate: Mapped[Account] = relationship(foreign_keys=[advocate_id])
    person: Mapped[Person] = relationship(foreign_keys=[person_id])

    @property
    def in_force(self) -> bool:
        return self.ended_at is None and self.suspended_at is None
