"""The rules of consent: what may be decided, recording a change, stopping all sharing, and
the check staff make before they share anything (CON-1 to CON-11)."""

from __future__ import annotations

import calendar
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from portal.accounts.models import Account, Role
from portal.accounts.services import CODE_ALPHABET
from portal.audit.services import record_event
from portal.consent.models import Choice, ConsentChange, ConsentDecision, Method
from portal.db import utcnow
from portal.extensions import db
from portal.i18n import organisation_zone
from portal.people.models import Person
from portal.policy import services as policy

Pair = tuple[str, str]  # (agency id, information kind id)


class ConsentError(ValueError):
    """A change the rules do not allow; the message says which rule."""


@dataclass(frozen=True)
class Wanted:
    choice: Choice
    purpose: str | None = None


def local_today(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(organisation_zone()).date()


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def pairs_in_pack() -> tuple[list[str], list[str]]:
    """The agencies and kinds of information of the policy in force."""
    version = policy.current_version()
    if version is None:
        return [], []
    content = version.content
    return ([a["id"] for a in content["agencies"]], [k["id"] for k in content["information_kinds"]])


def new_reference() -> str:
    while True:
        reference = "C" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(7))
        exists = db.session.scalars(
            select(ConsentChange.id).where(ConsentChange.reference == reference)
        ).first()
        if exists is None:
            return reference


def acted_as(account: Account) -> str:
    if account.role == Role.SERVICE_USER:
        return "self"
    if account.role == Role.ADVOCATE:
        return "advocate"
    return "staff"


def record_change(
    person: Person,
    wanted: Mapping[Pair, Wanted],
    *,
    by: Account,
    language: str,
    method: Method = Method.PORTAL,
    signed_name: str | None = None,
    witness: str | None = None,
    kind: str = "decisions",
    now: datetime | None = None,
) -> ConsentChange:
    """Record one signed change: a new decision row per pair. Nothing is overwritten."""
    version = policy.current_version()
    if version is None:
        raise ConsentError("no policy has been loaded")
    if not wanted:
        raise ConsentError("nothing to record")
    agencies, kinds = pairs_in_pack()
    for agency, information_kind in wanted:
        if agency not in agencies or information_kind not in kinds:
            raise ConsentError(f"unknown agency or kind of information: {agency}/{information_kind}")
    if method == Method.VERBAL:
        if not version.settings["consent"]["verbal_allowed"]:
            raise ConsentError("this organisation does not accept verbal consent")
        if not (witness and witness.strip()):
            raise ConsentError("verbal consent needs a witness")
    if method != Method.PORTAL and by.role not in (Role.STAFF, Role.MANAGER, Role.ADMINISTRATOR):
        raise ConsentError("only staff enter consent given on paper, by email or verbally")
    now = now or utcnow()
    review_due = add_months(local_today(now), version.settings["consent"]["review_months"])
    change = ConsentChange(
        reference=new_reference(), person_id=person.id, acted_by_id=by.id, acted_as=acted_as(by),
        method=method, witness=witness or None, signed_name=signed_name, kind=kind,
        policy_version_id=version.id, language=language, created_at=now,
    )
    db.session.add(change)
    db.session.flush()
    for (agency, information_kind), item in sorted(wanted.items()):
        db.session.add(ConsentDecision(
            change_id=change.id, person_id=person.id, agency=agency,
            information_kind=information_kind, choice=item.choice, purpose=item.purpose,
            review_due=review_due, created_at=now,
        ))
    db.session.flush()
    record_event("consent.changed", actor=by, person=person, reference=change.reference,
                 change_kind=kind, method=method.value, decisions=len(wanted))
    return change


def decisions_in_force(person: Person) -> dict[Pair, ConsentDecision]:
    """The latest decision for each pair the person has ever decided."""
    latest: dict[Pair, ConsentDecision] = {}
    rows = db.session.scalars(
        select(ConsentDecision).where(ConsentDecision.person_id == person.id)
        .order_by(ConsentDecision.id)
    )
    for row in rows:
        latest[(row.agency, row.information_kind)] = row
    return latest


def stop_all_sharing(person: Person, *, by: Account, language: str,
                     signed_name: str | None = None) -> ConsentChange | None:
    """Withdraw every yes and every ask-me in one step (CON-6). None if nothing was given."""
    wanted = {
        pair: Wanted(Choice.NO)
        for pair, decision in decisions_in_force(person).items()
        if decision.choice != Choice.NO
    }
    if not wanted:
        return None
    return record_change(person, wanted, by=by, language=language, signed_name=signed_name,
                         kind="withdraw-all")


@dataclass(frozen=True)
class Check:
    """The answer to "may we share this kind of information with that agency?".

    ``answer`` is yes, no, or ask (ask the person first); ``reason`` says why in a word:
    given, refused, ask-each-time, expired, never-asked.
    """

    answer: Choice
    reason: str
    decision: ConsentDecision | None


def check(person: Person, agency: str, information_kind: str, *,
          now: datetime | None = None) -> Check:
    decision = db.session.scalars(
        select(ConsentDecision)
        .where(ConsentDecision.person_id == person.id, ConsentDecision.agency == agency,
               ConsentDecision.information_kind == information_kind)
        .order_by(ConsentDecision.id.desc())
        .limit(1)
    ).first()
    return answer_for(decision, local_today(now))


def answer_for(decision: ConsentDecision | None, today: date) -> Check:
    """The rule, apart from the database: the latest decision decides; a yes or an
    ask-me past its review date counts as not given (CON-6)."""
    if decision is None:
        return Check(Choice.ASK, "never-asked", None)
    if decision.choice == Choice.NO:
        return Check(Choice.NO, "refused", decision)
    if decision.review_due < today:
        return Check(Choice.ASK, "expired", decision)
    if decision.choice == Choice.ASK:
        return Check(Choice.ASK, "ask-each-time", decision)
    return Check(Choice.YES, "given", decision)


def history(person: Person) -> list[ConsentChange]:
    return list(db.session.scalars(
        select(ConsentChange).where(ConsentChange.person_id == person.id)
        .order_by(ConsentChange.id.desc())
    ))


def find_change(person: Person, reference: str) -> ConsentChange | None:
    return db.session.scalars(
        select(ConsentChange).where(ConsentChange.person_id == person.id,
                                    ConsentChange.reference == reference.upper())
    ).first()


def due_for_review(decisions: Iterable[ConsentDecision], today: date) -> list[ConsentDecision]:
    return [d for d in decisions if d.choice != Choice.NO and d.review_due < today]
