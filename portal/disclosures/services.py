"""The rules of the disclosure register: recording a share, approving one made without
consent, safety holds, what the person is told, and figures without names (DIS-1 to DIS-5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from portal import codes
from portal.accounts.models import Account
from portal.audit.services import record_event
from portal.consent import services as consent
from portal.consent.models import Choice
from portal.db import utcnow
from portal.disclosures.models import (
    SHARED,
    Basis,
    Disclosure,
    DisclosureApproval,
    DisclosureKind,
    SafetyHold,
    Status,
)
from portal.extensions import db
from portal.people.models import Person
from portal.policy import services as policy

PHONE = "phone"


class DisclosureError(ValueError):
    """Something the rules do not allow; the message says which rule."""


@dataclass(frozen=True)
class KindCheck:
    kind: str
    check: consent.Check


def check_consent(person: Person, agency: str, kinds: Sequence[str]) -> list[KindCheck]:
    """The consent check for every kind to be shared (CON-1): a share rests on consent only
    if every one of them is a yes."""
    return [KindCheck(kind, consent.check(person, agency, kind)) for kind in kinds]


def all_consented(checks: Sequence[KindCheck]) -> bool:
    return bool(checks) and all(item.check.answer == Choice.YES for item in checks)


def circumstances() -> dict[str, bool]:
    """The pack's exceptional circumstances, by id, with whether each is immediate."""
    version = policy.current_version()
    if version is None:
        return {}
    return {c["id"]: bool(c.get("immediate")) for c in version.content["exceptional_circumstances"]}


def circumstance_names(language: str) -> dict[str, str]:
    """The pack's exceptional circumstances, by id, titled in ``language`` (or English)."""
    version = policy.current_version()
    if version is None:
        return {}
    return {c.id: c.title for c in policy.policy_text(version, language).circumstances}


def channels() -> list[str]:
    allowed: list[str] = policy.setting("disclosure.channels", [])
    return allowed


def approver_roles() -> list[str]:
    roles: list[str] = policy.setting("disclosure.approver_roles", [])
    return roles


def new_reference() -> str:
    return codes.new_reference("D", Disclosure)


def record_disclosure(
    person: Person,
    *,
    agency: str,
    kinds: Sequence[str],
    purpose: str,
    channel: str,
    by: Account,
    identity_check: str | None = None,
    circumstance: str | None = None,
    now: datetime | None = None,
) -> Disclosure:
    """Record a share (DIS-1). With an in-force yes for every kind it is done at once; if
    not, it rests on a named exceptional circumstance and waits for the pack's approvers
    (DIS-2), unless the circumstance is immediate, when it is recorded as done and flagged
    for approval afterwards."""
    version = policy.current_version()
    if version is None:
        raise DisclosureError("no policy has been loaded")
    agencies, known_kinds = consent.pairs_in_pack()
    if agency not in agencies:
        raise DisclosureError(f"unknown agency: {agency}")
    kinds = sorted(set(kinds))
    if not kinds or any(kind not in known_kinds for kind in kinds):
        raise DisclosureError("choose kinds of information from the policy in force")
    if not purpose.strip():
        raise DisclosureError("a disclosure states its purpose")
    if channel not in channels():
        raise DisclosureError(f"the policy does not allow sharing by {channel}")
    identity_check = (identity_check or "").strip() or None
    if channel == PHONE and identity_check is None:
        raise DisclosureError("a phone share records how the caller's identity was checked (DIS-4)")
    now = now or utcnow()
    checks = check_consent(person, agency, kinds)
    known_circumstances = circumstances()
    if all_consented(checks):
        # Consent is the stronger basis and needs no approval: a circumstance is not kept.
        basis, circumstance, status, needed = Basis.CONSENT, None, Status.DONE, 0
    else:
        if circumstance not in known_circumstances:
            raise DisclosureError("without consent for every kind, name an exceptional circumstance")
        basis = Basis.CIRCUMSTANCE
        needed = int(policy.setting("disclosure.approvals_needed", 1))
        immediate = known_circumstances[circumstance]
        status = Status.DONE_PENDING_APPROVAL if immediate else Status.PENDING
        if needed <= 0:
            status = Status.DONE
    disclosure = Disclosure(
        reference=new_reference(), person_id=person.id, agency=agency, purpose=purpose.strip(),
        channel=channel, identity_check=identity_check, basis=basis, circumstance=circumstance,
        status=status, approvals_needed=needed, policy_version_id=version.id, recorded_by_id=by.id,
        recorded_at=now, shared_at=now if status in SHARED else None,
    )
    db.session.add(disclosure)
    db.session.flush()
    for item in checks:
        db.session.add(DisclosureKind(
            disclosure_id=disclosure.id, information_kind=item.kind,
            consent_decision_id=item.check.decision.id if item.check.decision else None,
            consent_answer=item.check.answer.value,
        ))
    db.session.flush()
    record_event("disclosure.recorded", actor=by, person=person, reference=disclosure.reference,
                 agency=agency, information_kinds=kinds, channel=channel, basis=basis.value,
                 circumstance=circumstance, status=status.value)
    return disclosure


def find_disclosure(person: Person, reference: str) -> Disclosure | None:
    """Scoped to the person: a reference from another person's record finds nothing."""
    return db.session.scalars(
        select(Disclosure).where(Disclosure.person_id == person.id,
                                 Disclosure.reference == reference.upper())
    ).first()


def for_person(person: Person) -> list[Disclosure]:
    return list(db.session.scalars(
        select(Disclosure).where(Disclosure.person_id == person.id)
        .order_by(Disclosure.recorded_at.desc(), Disclosure.id.desc())
    ))


# --- approval (DIS-2) ------------------------------------------------------------------------


def awaiting_approval(disclosure: Disclosure) -> bool:
    return disclosure.status == Status.PENDING or (
        disclosure.status == Status.DONE_PENDING_APPROVAL
    )


def may_approve(disclosure: Disclosure, account: Account) -> bool:
    """An approver of a role the pack names, who did not record it and has not approved it.
    The same people may refuse it instead (DIS-2)."""
    return (
        awaiting_approval(disclosure)
        and account.role.value in approver_roles()
        and account.id != disclosure.recorded_by_id
        and all(approval.approver_id != account.id for approval in disclosure.approvals)
    )


REFUSAL_REASON_MAX = 1000


def _lock_for_decision(disclosure: Disclosure, by: Account) -> Disclosure:
    """The disclosure, locked, once it is sure ``by`` may approve or refuse it now.

    The lock makes two approvers at once see each other's decision: two approvals both
    count, and an approval and a refusal cannot both win (PostgreSQL: FOR UPDATE; SQLite:
    every write transaction is BEGIN IMMEDIATE already)."""
    locked = db.session.scalars(
        select(Disclosure).where(Disclosure.id == disclosure.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    db.session.refresh(locked, attribute_names=["approvals"])
    if not awaiting_approval(locked):
        raise DisclosureError("this disclosure is not waiting for approval")
    if locked.recorded_by_id == by.id:
        raise DisclosureError("nobody approves a disclosure they recorded (DIS-2)")
    if by.role.value not in approver_roles():
        raise DisclosureError("the policy does not let this role approve disclosures")
    if any(approval.approver_id == by.id for approval in locked.approvals):
        raise DisclosureError("each approver approves once")
    return locked


def approve(disclosure: Disclosure, *, by: Account, now: datetime | None = None) -> Disclosure:
    locked = _lock_for_decision(disclosure, by)
    now = now or utcnow()
    try:
        with db.session.begin_nested():
            db.session.add(DisclosureApproval(disclosure_id=locked.id, approver_id=by.id,
                                              approver_role=by.role.value, created_at=now))
    except IntegrityError as error:  # the same approver, twice at the same moment
        raise DisclosureError("each approver approves once") from error
    db.session.refresh(locked, attribute_names=["approvals"])
    person = db.session.get(Person, locked.person_id)
    record_event("disclosure.approved", actor=by, person=person, reference=locked.reference,
                 approvals=len(locked.approvals), approvals_needed=locked.approvals_needed)
    if len(locked.approvals) >= locked.approvals_needed:
        before = locked.status
        locked.status = Status.DONE
        locked.approved_at = now
        if locked.shared_at is None:
            locked.shared_at = now
        db.session.flush()
        record_event("disclosure.done", actor=by, person=person, reference=locked.reference,
                     previous_status=before.value)
    return locked


def refuse(disclosure: Disclosure, *, by: Account, reason: str, now: datetime | None = None) -> Disclosure:
    """One approver's refusal ends the wait, however many approvals the pack asks for
    (DIS-2). A pending share is then never made; an emergency share already happened, so
    the person is still told of it (DIS-3) and managers must look at it."""
    reason = reason.strip()
    if not reason:
        raise DisclosureError("a refusal gives its reason")
    if len(reason) > REFUSAL_REASON_MAX:
        raise DisclosureError(f"a refusal's reason is at most {REFUSAL_REASON_MAX} characters")
    locked = _lock_for_decision(disclosure, by)
    before = locked.status
    locked.status = Status.REFUSED if before == Status.PENDING else Status.DONE_APPROVAL_REFUSED
    locked.refused_by_id = by.id
    locked.refused_at = now or utcnow()
    locked.refusal_reason = reason
    db.session.flush()
    # The reason is for staff only and stays out of the audit trail's details.
    record_event("disclosure.refused", actor=by, person=db.session.get(Person, locked.person_id),
                 reference=locked.reference, previous_status=before.value, status=locked.status.value,
                 reason_given=True)
    return locked


def not_approved_after_the_event() -> list[Disclosure]:
    """Shares made in an emergency whose approval was then refused, oldest first: they did
    happen, and managers must look at them."""
    return list(db.session.scalars(
        select(Disclosure).where(Disclosure.status == Status.DONE_APPROVAL_REFUSED,
                                 Disclosure.followed_up_at.is_(None))
        .options(selectinload(Disclosure.person), selectinload(Disclosure.refused_by))
        .order_by(Disclosure.recorded_at, Disclosure.id)
    ))


FOLLOW_UP_ROLES = ("manager", "administrator")


def may_follow_up(disclosure: Disclosure, account: Account) -> bool:
    return (disclosure.status == Status.DONE_APPROVAL_REFUSED and disclosure.followed_up_at is None
            and account.role.value in FOLLOW_UP_ROLES)


def follow_up(disclosure: Disclosure, *, by: Account, note: str, now: datetime | None = None) -> None:
    """A manager records what was done about an emergency share whose approval was refused
    (for example: spoke to the worker, told the person, reported a breach)."""
    note = note.strip()
    if not note:
        raise DisclosureError("say what was done")
    if not may_follow_up(disclosure, by):
        raise DisclosureError("only a manager follows up an emergency share not approved, once")
    disclosure.followed_up_by_id = by.id
    disclosure.followed_up_at = now or utcnow()
    disclosure.follow_up_note = note
    db.session.flush()
    record_event("disclosure.followed_up", actor=by, person=db.session.get(Person, disclosure.person_id),
                 reference=disclosure.reference, note_given=True)


def waiting_for(account: Account, *, person: Person | None = None) -> list[Disclosure]:
    """Disclosures this account may approve now (about ``person`` only, if given), oldest
    first (for the staff workspace)."""
    if account.role.value not in approver_roles():
        return []
    already = select(DisclosureApproval.disclosure_id).where(DisclosureApproval.approver_id == account.id)
    query = (
        select(Disclosure)
        .where(Disclosure.status.in_([Status.PENDING, Status.DONE_PENDING_APPROVAL]),
               Disclosure.recorded_by_id != account.id, Disclosure.id.not_in(already))
        .order_by(Disclosure.recorded_at, Disclosure.id)
    )
    if person is not None:
        query = query.where(Disclosure.person_id == person.id)
    return list(db.session.scalars(query))


# --- safety holds (DIS-3) --------------------------------------------------------------------


def place_hold(disclosure: Disclosure, *, reason: str, review_on: date, by: Account) -> SafetyHold:
    if not reason.strip():
        raise DisclosureError("a safety hold records its reason")
    if disclosure.on_hold:
        raise DisclosureError("this disclosure is already on hold")
    hold = SafetyHold(disclosure_id=disclosure.id, reason=reason.strip(), review_on=review_on,
                      placed_by_id=by.id)
    db.session.add(hold)
    db.session.flush()
    db.session.refresh(disclosure, attribute_names=["holds"])
    # The reason is for staff only and stays out of the audit trail's details.
    record_event("disclosure.hold_placed", actor=by, person=db.session.get(Person, disclosure.person_id),
                 reference=disclosure.reference, review_on=review_on.isoformat())
    return hold


def lift_hold(hold: SafetyHold, *, by: Account) -> None:
    if hold.lifted_at is not None:
        return
    hold.lifted_at = utcnow()
    hold.lifted_by_id = by.id
    db.session.flush()
    disclosure = db.session.get(Disclosure, hold.disclosure_id)
    assert disclosure is not None
    db.session.refresh(disclosure, attribute_names=["holds"])
    record_event("disclosure.hold_lifted", actor=by, person=db.session.get(Person, disclosure.person_id),
                 reference=disclosure.reference)


def holds_for_review() -> list[tuple[SafetyHold, Disclosure, Person]]:
    """Every hold in place, the one due for review first."""
    rows = db.session.execute(
        select(SafetyHold, Disclosure, Person)
        .join(Disclosure, SafetyHold.disclosure_id == Disclosure.id)
        .join(Person, Disclosure.person_id == Person.id)
        .where(SafetyHold.lifted_at.is_(None))
        .order_by(SafetyHold.review_on, SafetyHold.id)
    ).tuples()
    return list(rows)


# --- telling the person (DIS-3) --------------------------------------------------------------


def told_to_person(person: Person) -> list[Disclosure]:
    """What the person (and an advocate allowed to see it) is shown: every share that has
    happened, newest first, except those under a safety hold."""
    held = select(SafetyHold.disclosure_id).where(SafetyHold.lifted_at.is_(None))
    return list(db.session.scalars(
        select(Disclosure)
        .where(Disclosure.person_id == person.id, Disclosure.status.in_(list(SHARED)),
               Disclosure.id.not_in(held))
        .order_by(Disclosure.shared_at.desc(), Disclosure.id.desc())
    ))


def shared_with_before(person: Person, agency: str) -> bool:
    """Whether the register shows anything shared with this agency about the person."""
    return db.session.scalars(
        select(Disclosure.id).where(Disclosure.person_id == person.id, Disclosure.agency == agency,
                                    Disclosure.status.in_(list(SHARED))).limit(1)
    ).first() is not None
