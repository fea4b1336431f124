"""The disclosure register (DIS-1 to DIS-5): every time information actually leaves the
organisation, what went, to whom, why, on what basis, who approved it, and whether the
person may be told.

A ``Disclosure`` is one share to one agency; its ``DisclosureKind`` rows name each kind of
information and the consent decision that covered it (if any). Approvals and the kinds are
history (append-only); the disclosure's ``status`` moves forward only, through
``portal.disclosures.services``.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.crypto import EncryptedText
from portal.db import Base, UTCDateTime, append_only, utcnow

if TYPE_CHECKING:
    from portal.accounts.models import Account
    from portal.people.models import Person


class Status(enum.StrEnum):
    # Without consent, waiting for the pack's approvers before it may happen (DIS-2).
    PENDING = "pending"
    # Shared at once because of an immediate threat; approval is still owed (DIS-2).
    DONE_PENDING_APPROVAL = "done-pending-approval"
    # Counts as done: shared with consent, or approved by enough approvers.
    DONE = "done"
    # An approver refused a pending share: nothing left the organisation, and nothing will.
    REFUSED = "refused"
    # Shared in an emergency, then an approver refused it afterwards: it did happen (so the
    # person is still told, DIS-3, and it still counts), but managers must look at it.
    DONE_APPROVAL_REFUSED = "done-approval-refused"


# Statuses in which information has actually left the organisation.
SHARED = (Status.DONE, Status.DONE_PENDING_APPROVAL, Status.DONE_APPROVAL_REFUSED)
# Statuses in which an approver refused it (DIS-2).
REFUSALS = (Status.REFUSED, Status.DONE_APPROVAL_REFUSED)


class Basis(enum.StrEnum):
    CONSENT = "consent"  # an in-force yes for every kind shared
    CIRCUMSTANCE = "circumstance"  # a named exceptional circumstance from the pack


def _enum(kind: type[enum.StrEnum], name: str, length: int = 30) -> Enum:
    return Enum(kind, native_enum=False, length=length, create_constraint=True, name=name,
                values_callable=lambda members: [m.value for m in members])


class Disclosure(Base):
    __tablename__ = "disclosures"
    __table_args__ = (
        # DIS-4: a phone share records how the caller's identity was checked.
        CheckConstraint("channel <> 'phone' OR identity_check IS NOT NULL", name="phone_identity_checked"),
        CheckConstraint("basis = 'consent' OR circumstance IS NOT NULL", name="circumstance_named"),
        # DIS-2: a refusal says who refused and why.
        CheckConstraint("status NOT IN ('refused', 'done-approval-refused') "
                        "OR (refused_by_id IS NOT NULL AND refusal_reason IS NOT NULL)",
                        name="refusal_explained"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    agency: Mapped[str] = mapped_column(String(60))  # an id from the policy pack
    # Free text, never searched: encrypted (security.md, "Headers and data").
    purpose: Mapped[str] = mapped_column(EncryptedText)
    channel: Mapped[str] = mapped_column(String(30))  # one of the pack's disclosure.channels
    identity_check: Mapped[str | None] = mapped_column(EncryptedText)
    basis: Mapped[Basis] = mapped_column(_enum(Basis, "basis", 20))
    circumstance: Mapped[str | None] = mapped_column(String(60))  # an id from the pack
    status: Mapped[Status] = mapped_column(_enum(Status, "status"), index=True)
    # The number of approvals the pack asked for when it was recorded.
    approvals_needed: Mapped[int] = mapped_column(Integer, default=0)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the information left (or, for a pending share, may leave): set once it counts.
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An approver's refusal (DIS-2): one ends the wait. The reason is for staff only.
    refused_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str | None] = mapped_column(EncryptedText)
    # A manager has looked into an emergency share whose approval was refused, and says
    # what was done (staff only); it then leaves the managers' list.
    followed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_up_note: Mapped[str | None] = mapped_column(EncryptedText)

    person: Mapped[Person] = relationship()
    refused_by: Mapped[Account | None] = relationship(foreign_keys=[refused_by_id])
    followed_up_by: Mapped[Account | None] = relationship(foreign_keys=[followed_up_by_id])
    kinds: Mapped[list[DisclosureKind]] = relationship(order_by="DisclosureKind.id")
    approvals: Mapped[list[DisclosureApproval]] = relationship(order_by="DisclosureApproval.id")
    holds: Mapped[list[SafetyHold]] = relationship(order_by="SafetyHold.id")

    @property
    def on_hold(self) -> bool:
        return any(hold.lifted_at is None for hold in self.holds)


@append_only
class DisclosureKind(Base):
    __tablename__ = "disclosure_kinds"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    information_kind: Mapped[str] = mapped_column(String(60))  # an id from the policy pack
    # The decision in force when it was recorded ("yes" for a consent basis), if any.
    consent_decision_id: Mapped[int | None] = mapped_column(ForeignKey("consent_decisions.id"))
    consent_answer: Mapped[str] = mapped_column(String(10))  # yes, no or ask, as checked


@append_only
class DisclosureApproval(Base):
    """One approver's approval (DIS-2). Unique per approver: nobody approves twice."""

    __tablename__ = "disclosure_approvals"
    __table_args__ = (UniqueConstraint("disclosure_id", "approver_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    approver_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    approver_role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SafetyHold(Base):
    """Telling the person would not be possible or would put someone at risk (DIS-3): while
    a hold is in place the disclosure never shows to the person or their advocate. Holds are
    reviewed by their date; lifting one is recorded, never deleted."""

    __tablename__ = "disclosure_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosures.id"), index=True)
    reason: Mapped[str] = mapped_column(EncryptedText)
    review_on: Mapped[date]
    placed_by_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"))
