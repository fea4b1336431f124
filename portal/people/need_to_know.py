"""Need to know (SEC-1): who may open a person's record on the staff side, and the audit
of every view.

A worker opens the record of someone on their caseload freely. Anyone else gives a reason
from a short list first; the reason is stored and put in the audit trail, and lets them in
for ``ACCESS_HOURS`` (as long as the longest staff session, so a reason given during a
session never runs out in the middle of a form). An approver of a disclosure waiting for
them may open that person's record to decide on it. Every page of a person's record that a
worker opens is an audit event ("person.viewed"), with the basis it was opened on.

The rule is applied in one place, a request hook over every route under
``/staff/people/<reference>``, so a new page of a person's record is covered without
anyone remembering to.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from flask import Flask, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from portal.accounts.models import Account, Role
from portal.audit.services import record_event
from portal.db import utcnow
from portal.extensions import db
from portal.people.models import CaseloadMember, Person, RecordAccess

ACCESS_HOURS = 10  # the staff absolute session limit (portal/security.py)
RECORD_PREFIX = "/staff/people/<reference>"
REASON_ENDPOINT = "staff.open_record"

# Why a worker opens a record that is not on their caseload. "other" needs details.
REASONS = {
    "contacted-us": _l("They contacted us (a call, a visit or a message) and I am dealing with it"),
    "covering": _l("I am covering for a colleague who is away"),
    "request": _l("I am dealing with their request (a file visit, a copy of records or a consent question)"),
    "safeguarding": _l("A safeguarding concern"),
    "management": _l("Management or supervision (for example assigning workers or checking records)"),
    "other": _l("Another reason (say what)"),
}

# Reasons the portal records itself, never offered on the form.
AUTOMATIC_REASONS = {
    "approving": _l("To decide on a disclosure waiting for their approval"),
}
LOGGED_REASONS = {**REASONS, **AUTOMATIC_REASONS}

# Roles that may be put on a caseload and may open records at all.
CASEWORKER_ROLES = (Role.STAFF, Role.MANAGER, Role.ADMINISTRATOR)
# Who may change who is on a person's caseload.
CASELOAD_MANAGERS = frozenset({Role.MANAGER, Role.ADMINISTRATOR})


class Basis:
    CASELOAD = "caseload"
    REASON = "reason"
    APPROVER = "approver"


def on_caseload(account: Account, person: Person) -> bool:
    return db.session.scalars(
        select(CaseloadMember.id).where(
            CaseloadMember.person_id == person.id, CaseloadMember.account_id == account.id,
            CaseloadMember.ended_at.is_(None),
        )
    ).first() is not None


def _opened_with_reason(account: Account, person: Person, now: datetime | None = None) -> bool:
    return db.session.scalars(
        select(RecordAccess.id).where(
            RecordAccess.person_id == person.id, RecordAccess.account_id == account.id,
            RecordAccess.until > (now or utcnow()),
        )
    ).first() is not None


def caseload_person_ids(account: Account) -> set[int]:
    return set(db.session.scalars(
        select(CaseloadMember.person_id).where(
            CaseloadMember.account_id == account.id, CaseloadMember.ended_at.is_(None)
        )
    ))


def open_access_person_ids(account: Account, *, now: datetime | None = None) -> set[int]:
    """People whose record this account may open now because of a reason it gave."""
    return set(db.session.scalars(
        select(RecordAccess.person_id).where(
            RecordAccess.account_id == account.id, RecordAccess.until > (now or utcnow())
        )
    ))


def caseload(account: Account) -> list[Person]:
    return list(db.session.scalars(
        select(Person).join(CaseloadMember, CaseloadMember.person_id == Person.id)
        .where(CaseloadMember.account_id == account.id, CaseloadMember.ended_at.is_(None))
        .order_by(Person.known_as, Person.id)
    ))


def workers_for(person: Person) -> list[CaseloadMember]:
    return list(db.session.scalars(
        select(CaseloadMember).where(CaseloadMember.person_id == person.id,
                                     CaseloadMember.ended_at.is_(None))
        .order_by(CaseloadMember.added_at, CaseloadMember.id)
    ))


def assignable_workers(person: Person) -> list[Account]:
    """Caseworkers, not switched off, not already working with the person."""
    already = select(CaseloadMember.account_id).where(
        CaseloadMember.person_id == person.id, CaseloadMember.ended_at.is_(None)
    )
    return list(db.session.scalars(
        select(Account).where(Account.role.in_(CASEWORKER_ROLES), Account.disabled_at.is_(None),
                              Account.id.not_in(already))
        .order_by(Account.display_name, Account.id)
    ))


def add_to_caseload(person: Person, worker: Account, *, by: Account) -> bool:
    """Put ``person`` on ``worker``'s caseload. False if they are already on it."""
    if worker.role not in CASEWORKER_ROLES:
        raise ValueError("only caseworkers have caseloads")
    if on_caseload(worker, person):
        return False
    db.session.add(CaseloadMember(person_id=person.id, account_id=worker.id, added_by_id=by.id))
    db.session.flush()
    record_event("caseload.added", actor=by, person=person, worker_id=worker.id)
    return True


def remove_from_caseload(member: CaseloadMember, *, by: Account) -> None:
    if member.ended_at is not None:
        return
    member.ended_at = utcnow()
    member.ended_by_id = by.id
    db.session.flush()
    person = db.session.get(Person, member.person_id)
    record_event("caseload.removed", actor=by, person=person, worker_id=member.account_id)


def open_with_reason(person: Person, *, account: Account, reason: str, details: str | None,
                     now: datetime | None = None) -> RecordAccess:
    if reason not in LOGGED_REASONS:
        raise ValueError(f"unknown reason: {reason}")
    now = now or utcnow()
    details = (details or "").strip() or None
    if reason == "other" and details is None:
        raise ValueError("another reason needs saying what it is")
    access = RecordAccess(person_id=person.id, account_id=account.id, reason=reason,
                          details=details, opened_at=now, until=now + timedelta(hours=ACCESS_HOURS))
    db.session.add(access)
    db.session.flush()
    # The reason's key goes into the audit trail; the free-text details stay in their
    # (encrypted) column and are shown to managers on the record's access list.
    record_event("person.opened_with_reason", actor=account, person=person, reason=reason,
                 access=access.id, details_given=details is not None)
    return access


def _approving_for(account: Account, person: Person) -> bool:
    from portal.disclosures import services as disclosures

    return bool(disclosures.waiting_for(account, person=person))


def access_basis(account: Account, person: Person, *, now: datetime | None = None) -> str | None:
    """Why this account may open this person's record now, or None if it must give a reason."""
    if account.role not in CASEWORKER_ROLES:
        return None
    if on_caseload(account, person):
        return Basis.CASELOAD
    if _opened_with_reason(account, person, now):
        return Basis.REASON
    if _approving_for(account, person):
        return Basis.APPROVER
    return None


def may_see_name(account: Account, person_ids: Iterable[int], *, approving: set[int]) -> set[int]:
    """Of these people, the ones whose record this account may open without a new reason
    (the workspace shows their names; the rest by reference). ``approving``: the people
    with a disclosure waiting for this account's approval."""
    wanted = set(person_ids)
    return wanted & (caseload_person_ids(account) | open_access_person_ids(account) | approving)


def record_view(person: Person, basis: str) -> None:
    """Every page of a person's record a worker opens is an audit event (SEC-1): the page,
    the basis it was opened on, and what on it (the address's other parts, e.g. which
    disclosure or booking)."""
    shown = {name: value for name, value in (request.view_args or {}).items() if name != "reference"}
    record_event("person.viewed", person=person, page=request.endpoint, basis=basis, **shown)


def access_log(person: Person, limit: int = 200) -> list[tuple[RecordAccess, Account]]:
    return list(db.session.execute(
        select(RecordAccess, Account).join(Account, RecordAccess.account_id == Account.id)
        .where(RecordAccess.person_id == person.id)
        .order_by(RecordAccess.opened_at.desc(), RecordAccess.id.desc()).limit(limit)
    ).tuples())


def _enforce() -> Response | None:
    rule = request.url_rule
    if rule is None or not rule.rule.startswith(RECORD_PREFIX) or request.endpoint == REASON_ENDPOINT:
        return None
    if not current_user.is_authenticated:
        return None  # the view's @allow sends them to sign in
    account: Account = current_user  # type: ignore[assignment]
    if account.role not in CASEWORKER_ROLES:
        return None  # the view's @allow refuses them
    from portal.people.services import find_person

    person = find_person(str((request.view_args or {}).get("reference", "")))
    if person is None:
        return None  # the view answers 404
    basis = access_basis(account, person)
    if basis is None:
        # Back to this page once a reason is given. Only the path: it holds a reference,
        # never a name.
        target = url_for(REASON_ENDPOINT, reference=person.reference,
                         next=request.path if request.method == "GET" else None)
        return redirect(target, code=303)
    if basis == Basis.APPROVER:
        # Kept like a reason given, so the approver still sees the outcome once the
        # disclosure no longer waits for them.
        open_with_reason(person, account=account, reason="approving", details=None)
    if request.method == "GET":
        record_view(person, basis)
    return None


def init_app(app: Flask) -> None:
    app.before_request(_enforce)
