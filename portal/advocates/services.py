"""The rules for advocates (issue 6; 000 §4.3a, §1.1j-k): a person invites someone to help
them, or staff link an advocate on a recorded basis; the person sees who helps them and
what they did, and can narrow or end it at any moment; staff can suspend a link at once.

Who may act is checked on every request by ``portal.people.services.link_for``, so every
change here takes effect on the advocate's very next request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import aliased, joinedload

from portal.accounts.models import Account, Role
from portal.accounts.services import issue_activation_code, normalise_code, normalise_email
from portal.advocates.models import (
    AdvocateInvitation,
    AdvocateLinkEnding,
    AdvocateLinkReview,
    NeverLink,
    SafeguardingAlert,
)
from portal.audit.models import AuditEvent
from portal.audit.services import record_event
from portal.codes import CODE_LENGTH, keyed_digest, random_code
from portal.consent.services import add_months
from portal.db import utcnow
from portal.extensions import db
from portal.people.models import AdvocateLink, Person

# How long an invitation code works. Short, like an activation code: the person passes it
# on by hand, at once.
INVITATION_DAYS = 7

# How a link came about. Invitations are the person's own choice; the rest are what staff
# may record when the person cannot choose for themselves, or asked in person.
INVITED = "invited-by-person"
STAFF_BASES = (
    "lasting-power-of-attorney",
    "court-deputy",
    "capacity-assessment",
    "parent-of-young-child",
    "asked-in-person",
    "other",
)

PRESSURE = "pressure"
NEVER_LINK = "never-link"

# Why staff end a link. Kept for staff only: the person sees that our team ended it, never
# why, so that no reason (least of all a safeguarding one) can be read off their screen by
# someone looking over their shoulder, nor told apart by its absence.
END_REASONS = (
    "person-asked",
    "advocate-asked",
    "basis-ended",
    "no-longer-needed",
    "safeguarding",
    "other",
)
# How far ahead staff may set the next review of a link they keep.
REVIEW_MONTHS_AT_MOST = 24
# How long the person's page shows a helper our team stopped.
ENDED_SHOWN_DAYS = 90


class AdvocateError(ValueError):
    """Something the rules do not allow; ``reason`` says which rule."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Grant:
    """What an advocate may do for the person. Changing consent and seeing what was shared
    are off unless the person chooses them (issue 6); so is asking for their records."""

    may_read: bool = True
    may_book: bool = True
    may_decide_consent: bool = False
    may_see_disclosures: bool = False
    may_request_records: bool = False

    @classmethod
    def of(cls, row: AdvocateLink | AdvocateInvitation) -> Grant:
        return cls(**{name: bool(getattr(row, name)) for name in PERMISSIONS})

    def apply_to(self, row: AdvocateLink | AdvocateInvitation) -> None:
        for name in PERMISSIONS:
            setattr(row, name, getattr(self, name))

    def wider_than(self, other: Grant) -> bool:
        return any(getattr(self, name) and not getattr(other, name) for name in PERMISSIONS)

    def granted(self) -> list[str]:
        return [name for name in PERMISSIONS if getattr(self, name)]


PERMISSIONS = tuple(f.name for f in fields(Grant))


def may_request_records(link: AdvocateLink | None) -> bool:
    """An advocate may ask for a copy of the person's records only with the person's
    recorded authority (issue 6), and only while the link is in force. For the subject
    access request feature to call."""
    return link is not None and link.in_force and bool(link.may_request_records)


# --- the person's side --------------------------------------------------------------------


def links_of(person: Person) -> list[AdvocateLink]:
    """Everyone who helps the person now, or whose help staff have paused (not ended)."""
    return list(db.session.scalars(
        select(AdvocateLink)
        .where(AdvocateLink.person_id == person.id, AdvocateLink.ended_at.is_(None))
        .order_by(AdvocateLink.started_at, AdvocateLink.id)
    ))


def link_of(person: Person, link_id: int) -> AdvocateLink | None:
    """One of the person's own links that has not ended; another person's id finds nothing."""
    link = db.session.get(AdvocateLink, link_id)
    if link is None or link.person_id != person.id or link.ended_at is not None:
        return None
    return link


def change_grant(link: AdvocateLink, grant: Grant, *, by: Account) -> None:
    """The person narrows (or, for a link they made themselves, widens) what the advocate may
    do. Widening a link staff made on a recorded basis needs staff."""
    before = Grant.of(link)
    if link.basis in STAFF_BASES and by.role == Role.SERVICE_USER and grant.wider_than(before):
        raise AdvocateError("staff-link-widened")
    grant.apply_to(link)
    db.session.flush()
    record_event("advocate.link_changed", actor=by, person=link.person, link=link.id,
                 before=before.granted(), after=grant.granted())


def end_link(link: AdvocateLink, *, by: Account) -> None:
    """Removal takes effect on the advocate's very next request (link_for checks it)."""
    if link.ended_at is None:
        link.ended_at = utcnow()
        link.ended_by_id = by.id
        db.session.flush()
        record_event("advocate.link_ended", actor=by, person=link.person, link=link.id)


def ended_by_staff(person: Person, *, now: datetime | None = None) -> list[AdvocateLink]:
    """Helpers our team stopped lately, newest first, for the person's own page: they see
    that the helper can no longer act for them, without the reason. (Links the person ended
    themselves are not listed: someone who sees their screen should not learn that; nor are
    helpers linked again since.)"""
    since = (now or utcnow()) - timedelta(days=ENDED_SHOWN_DAYS)
    current = aliased(AdvocateLink)
    linked_again = (select(current.id)
                    .where(current.person_id == AdvocateLink.person_id,
                           current.advocate_id == AdvocateLink.advocate_id,
                           current.ended_at.is_(None))
                    .exists())
    return list(db.session.scalars(
        select(AdvocateLink)
        .join(AdvocateLinkEnding, AdvocateLinkEnding.link_id == AdvocateLink.id)
        .where(AdvocateLink.person_id == person.id, AdvocateLink.ended_at >= since, ~linked_again)
        .order_by(AdvocateLink.ended_at.desc(), AdvocateLink.id.desc())
    ))


def pending_invitations(person: Person, *, now: datetime | None = None) -> list[AdvocateInvitation]:
    now = now or utcnow()
    return list(db.session.scalars(
        select(AdvocateInvitation)
        .where(AdvocateInvitation.person_id == person.id,
               AdvocateInvitation.accepted_at.is_(None),
               AdvocateInvitation.cancelled_at.is_(None),
               AdvocateInvitation.expires_at > now)
        .order_by(AdvocateInvitation.created_at)
    ))


def never_link_list(person: Person) -> list[NeverLink]:
    return list(db.session.scalars(
        select(NeverLink).where(NeverLink.person_id == person.id, NeverLink.removed_at.is_(None))
        .order_by(NeverLink.created_at, NeverLink.id)
    ))


def add_never_link(person: Person, *, name: str, email: str | None, by: Account) -> NeverLink:
    entry = NeverLink(person_id=person.id, name=name.strip(),
                      email=normalise_email(email) if email else None, recorded_by_id=by.id)
    db.session.add(entry)
    db.session.flush()
    record_event("advocate.never_link_added", actor=by, person=person, entry=entry.id)
    return entry


def remove_never_link(entry: NeverLink, *, by: Account) -> None:
    if entry.removed_at is None:
        entry.removed_at = utcnow()
        entry.removed_by_id = by.id
        db.session.flush()
        person = db.session.get(Person, entry.person_id)
        record_event("advocate.never_link_removed", actor=by, person=person, entry=entry.id)


def is_never_linked(person: Person, *, email: str | None, name: str | None = None) -> bool:
    """The person told us never to link this address (exactly) or this name (ignoring case
    and spacing)."""
    wanted_email = normalise_email(email) if email else None
    wanted_name = " ".join((name or "").split()).casefold()
    for entry in never_link_list(person):
        if wanted_email and entry.email == wanted_email:
            return True
        if wanted_name and " ".join(entry.name.split()).casefold() == wanted_name:
            return True
    return False


# --- invitations --------------------------------------------------------------------------


def _digest(code: str) -> str:
    return keyed_digest(f"advocate-invitation:{code}")


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: AdvocateInvitation
    code: str  # shown once to the person, never stored


def invite(person: Person, *, email: str, name: str, relationship_label: str, grant: Grant,
           by: Account) -> IssuedInvitation:
    """A one-time code for the person to pass on. Call only after the person has answered
    the pressure question with "no" (``raise_pressure_alert`` is the other branch)."""
    email = normalise_email(email)
    if is_never_linked(person, email=email, name=name):
        raise AdvocateError("never-link")
    now = utcnow()
    # A new invitation to the same address replaces any earlier one still waiting.
    db.session.execute(
        update(AdvocateInvitation)
        .where(AdvocateInvitation.person_id == person.id, AdvocateInvitation.email == email,
               AdvocateInvitation.accepted_at.is_(None), AdvocateInvitation.cancelled_at.is_(None))
        .values(cancelled_at=now)
    )
    code = random_code()
    invitation = AdvocateInvitation(
        person_id=person.id, email=email, name=name.strip(),
        relationship_label=relationship_label.strip(), code_digest=_digest(code),
        created_by_id=by.id, created_at=now, expires_at=now + timedelta(days=INVITATION_DAYS),
    )
    grant.apply_to(invitation)
    db.session.add(invitation)
    db.session.flush()
    record_event("advocate.invited", actor=by, person=person, invitation=invitation.id,
                 allowed=grant.granted())
    return IssuedInvitation(invitation, code)


def cancel_invitation(invitation: AdvocateInvitation, *, by: Account) -> None:
    if invitation.accepted_at is None and invitation.cancelled_at is None:
        invitation.cancelled_at = utcnow()
        db.session.flush()
        record_event("advocate.invitation_cancelled", actor=by, person=invitation.person,
                     invitation=invitation.id)


def invitation_of(person: Person, invitation_id: int) -> AdvocateInvitation | None:
    invitation = db.session.get(AdvocateInvitation, invitation_id)
    if invitation is None or invitation.person_id != person.id:
        return None
    return invitation


def raise_pressure_alert(person: Person, *, about: str | None, by: Account) -> SafeguardingAlert:
    """The person said someone is pressuring them: no invitation is made, staff are told
    quietly, and the would-be advocate learns nothing (CON-4: not under pressure)."""
    alert = SafeguardingAlert(person_id=person.id, reason=PRESSURE,
                              about=normalise_email(about) if about else None)
    db.session.add(alert)
    db.session.flush()
    record_event("safeguarding.alert_raised", actor=by, person=person, alert=alert.id)
    return alert


def find_invitation(code_text: str, *, now: datetime | None = None) -> AdvocateInvitation | None:
    """The waiting invitation this code opens, if any."""
    now = now or utcnow()
    code = normalise_code(code_text)
    if len(code) != CODE_LENGTH:
        return None
    invitation = db.session.scalars(
        select(AdvocateInvitation).where(AdvocateInvitation.code_digest == _digest(code))
    ).first()
    if (invitation is None or invitation.accepted_at or invitation.cancelled_at
            or invitation.expires_at <= now):
        return None
    return invitation


@dataclass(frozen=True)
class Acceptance:
    """What happened to an invitation code. ``outcome`` is one of:
    linked (a signed-in advocate is now linked), new-account (an account was made for the
    invited address; ``activation_code`` lets them choose a password), sign-in (the address
    has an account: sign in first), refused (wrong code, address, or not allowed)."""

    outcome: str
    link: AdvocateLink | None = None
    account: Account | None = None
    activation_code: str | None = None


REFUSED = Acceptance("refused")


def accept(code_text: str, *, account: Account | None, email: str | None) -> Acceptance:
    """Use an invitation. It works only for the address the person invited: a signed-in
    advocate whose account has that address, or someone not signed in who gives it and has
    no account yet (an advocate account bound to that address is made for them, and they
    choose a password through the ordinary activation step)."""
    invitation = find_invitation(code_text)
    if invitation is None:
        return REFUSED
    if account is None:
        if not email or normalise_email(email) != invitation.email:
            return REFUSED
        existing = db.session.scalars(
            select(Account).where(Account.email == invitation.email)).first()
        if existing is not None and existing.password_hash is not None:
            # Their account is in use: they sign in and use the code there, so that the link
            # joins the account they already have.
            return Acceptance("sign-in") if existing.role == Role.ADVOCATE else REFUSED
        if existing is not None and (existing.role != Role.ADVOCATE or existing.disabled_at):
            return REFUSED
        account = existing
    elif account.role != Role.ADVOCATE or account.email != invitation.email:
        return REFUSED
    person = invitation.person
    name = account.display_name if account is not None else invitation.name
    if is_never_linked(person, email=invitation.email, name=name):
        # Someone the person asked us never to link: refuse as for any wrong code, and tell
        # staff quietly.
        db.session.add(SafeguardingAlert(person_id=person.id, reason=NEVER_LINK,
                                         about=invitation.email))
        db.session.flush()
        record_event("safeguarding.alert_raised", actor=account, system=account is None,
                     person=person, reason=NEVER_LINK)
        return REFUSED
    now = utcnow()
    # Conditional, so two devices racing with one code can't both use it.
    claimed = db.session.execute(
        update(AdvocateInvitation)
        .where(AdvocateInvitation.id == invitation.id, AdvocateInvitation.accepted_at.is_(None),
               AdvocateInvitation.cancelled_at.is_(None), AdvocateInvitation.expires_at > now)
        .values(accepted_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return REFUSED
    db.session.refresh(invitation)
    activation_code = None
    new_account = account is None or account.password_hash is None
    if account is None:
        # No saved language: the one the helper chose on this device applies, not the
        # helped person's (they may read different languages).
        account = Account(role=Role.ADVOCATE, email=invitation.email, display_name=invitation.name,
                          language=None)
        db.session.add(account)
        db.session.flush()
        record_event("account.created", system=True, account_id=account.id, role=Role.ADVOCATE.value)
    if new_account:
        activation_code = issue_activation_code(account, by=None)
    link = _link_in_force(account, person)
    if link is None:
        link = AdvocateLink(
            advocate_id=account.id, person_id=person.id,
            relationship_label=invitation.relationship_label, basis=INVITED,
            granted_by_id=invitation.created_by_id, started_at=now,
        )
        Grant.of(invitation).apply_to(link)
        db.session.add(link)
    else:
        # Already helping: the person's new choice of what they may do replaces the old one.
        Grant.of(invitation).apply_to(link)
    db.session.flush()
    invitation.accepted_by_id = account.id
    invitation.link_id = link.id
    db.session.flush()
    record_event("advocate.invitation_accepted", actor=account, person=person,
                 invitation=invitation.id, link=link.id)
    if new_account:
        return Acceptance("new-account", link=link, account=account, activation_code=activation_code)
    return Acceptance("linked", link=link, account=account)


def _link_in_force(advocate: Account, person: Person) -> AdvocateLink | None:
    return db.session.scalars(
        select(AdvocateLink).where(
            AdvocateLink.advocate_id == advocate.id, AdvocateLink.person_id == person.id,
            AdvocateLink.ended_at.is_(None), AdvocateLink.suspended_at.is_(None))
    ).first()


# --- staff --------------------------------------------------------------------------------


def find_advocate_account(email: str) -> Account | None:
    account = db.session.scalars(
        select(Account).where(Account.email == normalise_email(email))).first()
    if account is None or account.role != Role.ADVOCATE:
        return None
    return account


def staff_link(person: Person, advocate: Account, *, relationship_label: str, basis: str,
               basis_details: str | None, review_date: date, grant: Grant,
               by: Account) -> AdvocateLink:
    """Staff link an advocate on a recorded basis (a lasting power of attorney, a capacity
    assessment, a parent of a young child...) with a date to review it."""
    if basis not in STAFF_BASES:
        raise AdvocateError("basis")
    if advocate.role != Role.ADVOCATE:
        raise AdvocateError("not-an-advocate")
    if is_never_linked(person, email=advocate.email, name=advocate.display_name):
        raise AdvocateError("never-link")
    if _link_in_force(advocate, person) is not None:
        raise AdvocateError("already-linked")
    link = AdvocateLink(
        advocate_id=advocate.id, person_id=person.id, relationship_label=relationship_label.strip(),
        basis=basis, basis_details=(basis_details or "").strip() or None, review_date=review_date,
        granted_by_id=by.id, started_at=utcnow(),
    )
    grant.apply_to(link)
    db.session.add(link)
    db.session.flush()
    record_event("advocate.linked_by_staff", actor=by, person=person, link=link.id, basis=basis,
                 allowed=grant.granted())
    return link


def suspend(link: AdvocateLink, *, reason: str, by: Account) -> None:
    """At once, for a safeguarding worry. The reason is kept on the link for staff only;
    it is not put in the audit trail, which may one day be part of a copy of records."""
    if link.suspended_at is None:
        link.suspended_at = utcnow()
        link.suspended_reason = reason.strip()
        link.suspended_by_id = by.id
        db.session.flush()
        record_event("advocate.link_suspended", actor=by, person=link.person, link=link.id)


def lift_suspension(link: AdvocateLink, *, by: Account) -> bool:
    if link.suspended_at is None or link.ended_at is not None:
        return False
    link.suspended_at = None
    db.session.flush()
    record_event("advocate.suspension_lifted", actor=by, person=link.person, link=link.id)
    return True


def end_by_staff(link: AdvocateLink, *, reason: str, details: str | None, by: Account) -> None:
    """Staff end a link at once: the advocate loses access on their very next request
    (link_for checks ``ended_at``). It is final: helping again needs a new invitation from
    the person or a new recorded basis. The reason and details are kept for staff only and
    stay out of the audit trail, which may one day be part of a copy of the person's
    records (as for a suspension)."""
    if reason not in END_REASONS:
        raise AdvocateError("end-reason")
    details = (details or "").strip() or None
    if reason == "other" and details is None:
        raise AdvocateError("end-details")
    if link.ended_at is not None:
        raise AdvocateError("already-ended")
    now = utcnow()
    link.ended_at = now
    link.ended_by_id = by.id
    db.session.add(AdvocateLinkEnding(link_id=link.id, reason=reason, details=details))
    # An invitation to the same advocate still waiting would let them straight back in with
    # a code given before the ending (perhaps under pressure): it is cancelled too.
    cancelled = db.session.execute(
        update(AdvocateInvitation)
        .where(AdvocateInvitation.person_id == link.person_id,
               AdvocateInvitation.email == link.advocate.email,
               AdvocateInvitation.accepted_at.is_(None), AdvocateInvitation.cancelled_at.is_(None))
        .values(cancelled_at=now)
    )
    db.session.flush()
    record_event("advocate.link_ended", actor=by, person=link.person, link=link.id,
                 invitations_cancelled=int(getattr(cancelled, "rowcount", 0) or 0))


def endings_of(links: Sequence[AdvocateLink]) -> dict[int, AdvocateLinkEnding]:
    """Why staff ended each of these links (staff only), in one query."""
    ids = [link.id for link in links if link.ended_at is not None]
    if not ids:
        return {}
    return {ending.link_id: ending for ending in db.session.scalars(
        select(AdvocateLinkEnding).where(AdvocateLinkEnding.link_id.in_(ids)))}


# --- reviews of links staff recorded ---------------------------------------------------------


def latest_review_date(today: date) -> date:
    return add_months(today, REVIEW_MONTHS_AT_MOST)


def links_due_for_review(today: date, within_days: int = 14) -> list[AdvocateLink]:
    """Links in force whose review date is on or before ``today + within_days``, the oldest
    review date first (overdue ones lead). Only links staff recorded have a review date:
    the person's own invitations never come up here."""
    return list(db.session.scalars(
        select(AdvocateLink)
        .where(AdvocateLink.ended_at.is_(None), AdvocateLink.suspended_at.is_(None),
               AdvocateLink.review_date.is_not(None),
               AdvocateLink.review_date <= today + timedelta(days=within_days))
        .order_by(AdvocateLink.review_date, AdvocateLink.id)
        .options(joinedload(AdvocateLink.person))
    ))


def keep_after_review(link: AdvocateLink, *, next_review: date, today: date,
                      by: Account) -> AdvocateLinkReview:
    """Staff reviewed a link made on a recorded basis and keep it, until ``next_review``
    (after today, at most two years ahead). To end it instead, see ``end_by_staff``."""
    if link.ended_at is not None:
        raise AdvocateError("already-ended")
    if link.review_date is None:
        raise AdvocateError("no-review-date")
    if not today < next_review <= latest_review_date(today):
        raise AdvocateError("review-date")
    review = AdvocateLinkReview(link_id=link.id, reviewed_by_id=by.id,
                                previous_review_date=link.review_date, next_review_date=next_review)
    link.review_date = next_review
    db.session.add(review)
    db.session.flush()
    record_event("advocate.link_reviewed", actor=by, person=link.person, link=link.id,
                 next_review=next_review.isoformat())
    return review


def last_reviews(links: Sequence[AdvocateLink]) -> dict[int, AdvocateLinkReview]:
    """The latest review of each of these links, in one query."""
    ids = [link.id for link in links]
    found: dict[int, AdvocateLinkReview] = {}
    if not ids:
        return found
    for review in db.session.scalars(
            select(AdvocateLinkReview).where(AdvocateLinkReview.link_id.in_(ids))
            .order_by(AdvocateLinkReview.reviewed_at, AdvocateLinkReview.id)):
        found[review.link_id] = review
    return found


def staff_links_of(person: Person) -> list[AdvocateLink]:
    """Every link, ended ones too, newest first: the staff view of who has helped."""
    return list(db.session.scalars(
        select(AdvocateLink).where(AdvocateLink.person_id == person.id)
        .order_by(AdvocateLink.started_at.desc(), AdvocateLink.id.desc())
    ))


def open_alerts(limit: int = 50) -> list[SafeguardingAlert]:
    return list(db.session.scalars(
        select(SafeguardingAlert).where(SafeguardingAlert.closed_at.is_(None))
        .order_by(SafeguardingAlert.created_at, SafeguardingAlert.id).limit(limit)
    ))


def close_alert(alert: SafeguardingAlert, *, by: Account) -> None:
    if alert.closed_at is None:
        alert.closed_at = utcnow()
        alert.closed_by_id = by.id
        db.session.flush()
        record_event("safeguarding.alert_closed", actor=by, person=alert.person, alert=alert.id)


# --- what advocates did ------------------------------------------------------------------


@dataclass(frozen=True)
class Act:
    at: datetime
    kind: str
    advocate: str


def acts_for(person: Person, *, limit: int = 200) -> list[Act]:
    """What advocates did on the person's behalf, newest first: every audit event recorded
    as an advocate's act for this person (issue 6: "Sam sees it in their own activity list")."""
    rows: Sequence[tuple[AuditEvent, str | None]] = db.session.execute(
        select(AuditEvent, Account.display_name)
        .join(Account, Account.id == AuditEvent.actor_id, isouter=True)
        .where(AuditEvent.person_id == person.id, AuditEvent.acted_as == "advocate")
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
        .limit(limit)
    ).tuples().all()
    return [Act(event.occurred_at, event.kind, name or "") for event, name in rows]
