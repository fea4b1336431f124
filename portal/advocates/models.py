"""Advocates (issue 6): invitations a person gives someone to help them, the people they
asked us never to link, and quiet safeguarding alerts for staff.

The link itself is ``portal.people.models.AdvocateLink``: the advocate acts *for* the
person, never *as* them (000 §4.3a).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedText
from portal.db import Base, UTCDateTime, append_only, utcnow
from portal.people.models import AdvocateLink, Person


class AdvocateInvitation(Base):
    """A one-time code a person gives someone they want help from. It works once, until it
    expires, and only for the email address the person named. Only a keyed digest of the
    code is stored (security.md, ASVS 5 6.4)."""

    __tablename__ = "advocate_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    name: Mapped[str] = mapped_column(String(120))
    relationship_label: Mapped[str] = mapped_column(String(100))
    may_read: Mapped[bool] = mapped_column(Boolean, default=True)
    may_book: Mapped[bool] = mapped_column(Boolean, default=True)
    may_decide_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    may_see_disclosures: Mapped[bool] = mapped_column(Boolean, default=False)
    may_request_records: Mapped[bool] = mapped_column(Boolean, default=False)
    code_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("advocate_links.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    link: Mapped[AdvocateLink | None] = relationship(foreign_keys=[link_id])


class NeverLink(Base):
    """Someone the person told us never to link as their advocate. Only staff take an
    entry off the list, so pressure on the person can't quickly undo it."""

    __tablename__ = "never_link_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


class SafeguardingAlert(Base):
    """A quiet alert for staff: the person said someone is pressuring them to let an
    advocate in, or someone they asked us never to link tried to use an invitation.
    Nothing about it is shown to the advocate."""

    __tablename__ = "safeguarding_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    reason: Mapped[str] = mapped_column(String(20))  # pressure, never-link
    # Whom it is about (the address or name given), for staff only.
    about: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


@append_only
class AdvocateLinkEnding(Base):
    """Why staff ended a link: a reason from a short list, and optional details. For staff
    only: the person is told that our team ended it, never why, and the advocate is told
    nothing. Ending is final, so this is written once and never changed. Who ended it, and
    when, are on the link (``ended_by_id``, ``ended_at``)."""

    __tablename__ = "advocate_link_endings"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("advocate_links.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(30))
    # May describe a safeguarding worry: encrypted, never searched (security.md).
    details: Mapped[str | None] = mapped_column(EncryptedText)


@append_only
class AdvocateLinkReview(Base):
    """Staff looked at a link made on a recorded basis and kept it, with the next date to
    look again. Kept as history: each review is added, none is rewritten."""

    __tablename__ = "advocate_link_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("advocate_links.id"), index=True)
    reviewed_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    previous_review_date: Mapped[date | None]
    next_review_date: Mapped[date]
