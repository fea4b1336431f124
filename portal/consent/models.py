"""Consent to share (CON-1 to CON-11): every decision is a new row, never an edit.

A ``ConsentChange`` is one act that someone signed or staff recorded (it gets a receipt);
its ``ConsentDecision`` rows say, per outside agency and kind of information, *yes*, *no*
or *ask me each time*. The decision in force for a pair is the latest one.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedText
from portal.db import Base, UTCDateTime, append_only, utcnow


class Choice(enum.StrEnum):
    YES = "yes"
    NO = "no"
    ASK = "ask"  # ask me each time


class Method(enum.StrEnum):
    """How the consent was given (CON-5)."""

    PORTAL = "portal"  # signed by the person (or their advocate) in the portal
    PAPER = "paper"  # on a signed form, entered by staff
    EMAIL = "email"  # by email, entered by staff
    VERBAL = "verbal"  # spoken, recorded by staff with a witness, where the pack allows


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    return Enum(kind, native_enum=False, length=10, create_constraint=True, name=name,
                values_callable=lambda members: [m.value for m in members])


@append_only
class ConsentChange(Base):
    __tablename__ = "consent_changes"
    __table_args__ = (
        CheckConstraint("method <> 'verbal' OR witness IS NOT NULL", name="verbal_has_witness"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    acted_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    acted_as: Mapped[str] = mapped_column(String(20))  # self, advocate or staff
    method: Mapped[Method] = mapped_column(_enum(Method, "method"))
    witness: Mapped[str | None] = mapped_column(String(200))
    signed_name: Mapped[str | None] = mapped_column(String(200))
    # decisions (chosen one by one), withdraw-all ("stop all sharing"), or answer (to a request)
    kind: Mapped[str] = mapped_column(String(20))
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    language: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decisions: Mapped[list[ConsentDecision]] = relationship(
        back_populates="change", order_by="ConsentDecision.id"
    )


@append_only
class ConsentDecision(Base):
    __tablename__ = "consent_decisions"
    __table_args__ = (
        Index("ix_consent_decisions_person_pair", "person_id", "agency", "information_kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    change_id: Mapped[int] = mapped_column(ForeignKey("consent_changes.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    agency: Mapped[str] = mapped_column(String(60))  # an id from the policy pack
    information_kind: Mapped[str] = mapped_column(String(60))  # an id from the policy pack
    choice: Mapped[Choice] = mapped_column(_enum(Choice, "choice"))
    purpose: Mapped[str | None] = mapped_column(String(300))
    review_due: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    change: Mapped[ConsentChange] = relationship(back_populates="decisions")


class ConsentRequest(Base):
    """A specific question staff send a person when the need arises (CON-3): "may we tell
    your GP about your housing?", with a reason and a date to answer by. The answer is
    recorded as a signed consent change; this row only tracks the question."""

    __tablename__ = "consent_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    agency: Mapped[str] = mapped_column(String(60))
    information_kind: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(300))
    answer_by: Mapped[date]
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_change_id: Mapped[int | None] = mapped_column(ForeignKey("consent_changes.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Issue 7: the answer waits on the staff workspace until a worker has read it.
    answer_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_read_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))


@append_only
class CompetenceAssessment(Base):
    """A worker's record that a young person under 16 understands enough to make their own
    decisions about sharing (CON-9, 000 §3.7). Until one says so, an under-16's own
    decisions do not count and staff must ask first."""

    __tablename__ = "competence_assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    competent: Mapped[bool]
    notes: Mapped[str] = mapped_column(EncryptedText)  # free text, never searched
    assessed_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AgencyNotice(Base):
    """A prompt for staff to tell an outside agency that the person has withdrawn or narrowed
    their consent, tracked until someone marks it done (issue 4, CON-6).

    Raised when a *yes* for an agency becomes *no* or *ask me each time* and the disclosure
    register shows something was shared with that agency about the person (issue 7)."""

    __tablename__ = "agency_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    agency: Mapped[str] = mapped_column(String(60))
    change_id: Mapped[int] = mapped_column(ForeignKey("consent_changes.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    how: Mapped[str | None] = mapped_column(EncryptedText)  # free text, never searched
