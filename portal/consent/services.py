"""The rules of consent: what may be decided, recording a change, stopping all sharing, and
the check staff make before they share anything (CON-1 to CON-11)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from portal import codes
from portal.accounts.models import Account, Role
from portal.audit.services import record_event
from portal.consent.models import (
    AgencyNotice,
    Choice,
    CompetenceAssessment,
    ConsentChange,
    ConsentDecision,
    ConsentRequest,
    Method,
)
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
    return codes.new_reference("C", ConsentChange)


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
    before = decisions_in_force(person)
    for (agency, information_kind), item in wanted.items():
        # Withdrawing is always possible (CON-6), even for an agency or kind a newer policy
        # version no longer lists; anything else must be in the policy in force.
        withdrawing_old = item.choice == Choice.NO and (agency, information_kind) in before
        if (agency not in agencies or information_kind not in kinds) and not withdrawing_old:
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
    narrowed = sorted({agency for (agency, kind), item in wanted.items()
                       if item.choice != Choice.YES and (agency, kind) in before
                       and before[(agency, kind)].choice == Choice.YES})
    # Only agencies the disclosure register shows we shared something with need telling.
    from portal.disclosures.services import shared_with_before  # the register builds on consent

    for agency in (a for a in narrowed if shared_with_before(person, a)):
        db.session.add(AgencyNotice(person_id=person.id, agency=agency, change_id=change.id, created_at=now))
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
    result = _latest_answer(person, agency, information_kind, now)
    # CON-9: an under-16's own yes counts only once a worker has recorded their competence.
    if (result.answer == Choice.YES and result.decision is not None
            and result.decision.change.acted_as == "self" and needs_competence_assessment(person, now=now)):
        return Check(Choice.ASK, "needs-competence", result.decision)
    return result


def _latest_answer(person: Person, agency: str, information_kind: str,
                   now: datetime | None) -> Check:
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



# --- asking as the need arises (CON-3) -----------------------------------------------------


def ask(person: Person, agency: str, information_kind: str, *, reason: str, answer_by: date,
        by: Account) -> ConsentRequest:
    agencies, kinds = pairs_in_pack()
    if agency not in agencies or information_kind not in kinds:
        raise ConsentError(f"unknown agency or kind of information: {agency}/{information_kind}")
    request = ConsentRequest(person_id=person.id, agency=agency, information_kind=information_kind,
                             reason=reason.strip(), answer_by=answer_by, asked_by_id=by.id)
    db.session.add(request)
    db.session.flush()
    record_event("consent.asked", actor=by, person=person, request=request.id, agency=agency,
                 information_kind=information_kind)
    return request


def open_requests(person: Person) -> list[ConsentRequest]:
    return list(db.session.scalars(
        select(ConsentRequest)
        .where(ConsentRequest.person_id == person.id, ConsentRequest.answer_change_id.is_(None))
        .order_by(ConsentRequest.answer_by, ConsentRequest.id)
    ))


def unread_answers(person: Person) -> list[ConsentRequest]:
    """Answers to staff questions that no worker has read yet (the workspace lists them)."""
    return list(db.session.scalars(
        select(ConsentRequest)
        .where(ConsentRequest.person_id == person.id, ConsentRequest.answered_at.is_not(None),
               ConsentRequest.answer_read_at.is_(None))
        .order_by(ConsentRequest.answered_at, ConsentRequest.id)
    ))


def answer_choices(requests: list[ConsentRequest]) -> dict[int, Choice]:
    """What each answered request said: the decision its answer recorded."""
    change_ids = [request.answer_change_id for request in requests if request.answer_change_id]
    rows = db.session.scalars(select(ConsentDecision).where(ConsentDecision.change_id.in_(change_ids)))
    by_change = {row.change_id: row.choice for row in rows}
    return {request.id: by_change[request.answer_change_id] for request in requests
            if request.answer_change_id in by_change}


def mark_answer_read(request: ConsentRequest, *, by: Account) -> None:
    if request.answer_read_at is not None or request.answered_at is None:
        return
    request.answer_read_at = utcnow()
    request.answer_read_by_id = by.id
    db.session.flush()
    record_event("consent.answer_read", actor=by, person=db.session.get(Person, request.person_id),
                 request=request.id)


def find_request(person: Person, request_id: int) -> ConsentRequest | None:
    request = db.session.get(ConsentRequest, request_id)
    return request if request is not None and request.person_id == person.id else None


def answer_request(request: ConsentRequest, person: Person, choice: Choice, *, by: Account,
                   language: str, signed_name: str) -> ConsentChange:
    """The answer becomes a decision like any other, with the request's reason as purpose."""
    pair = (request.agency, request.information_kind)
    change = record_change(person, {pair: Wanted(choice, request.reason)}, by=by, language=language,
                           signed_name=signed_name, kind="answer")
    request.answer_change_id = change.id
    request.answered_at = change.created_at
    db.session.flush()
    return change


# --- young people (CON-9) ------------------------------------------------------------------

COMPETENCE_AGE = 16


def age_on(person: Person, day: date) -> int | None:
    if person.date_of_birth is None:
        return None
    born = person.date_of_birth
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def needs_competence_assessment(person: Person, *, now: datetime | None = None) -> bool:
    """Under 16 and no worker has yet recorded that they can decide for themselves."""
    age = age_on(person, local_today(now))
    if age is None or age >= COMPETENCE_AGE:
        return False
    latest = db.session.scalars(
        select(CompetenceAssessment).where(CompetenceAssessment.person_id == person.id)
        .order_by(CompetenceAssessment.id.desc()).limit(1)
    ).first()
    return latest is None or not latest.competent


def record_competence(person: Person, *, competent: bool, notes: str, by: Account) -> CompetenceAssessment:
    row = CompetenceAssessment(person_id=person.id, competent=competent, notes=notes.strip(),
                               assessed_by_id=by.id)
    db.session.add(row)
    db.session.flush()
    record_event("consent.competence_assessed", actor=by, person=person, competent=competent)
    return row


# --- telling agencies about a change of mind -----------------------------------------------


def open_notices(person: Person | None = None) -> list[AgencyNotice]:
    query = select(AgencyNotice).where(AgencyNotice.done_at.is_(None)).order_by(AgencyNotice.id)
    if person is not None:
        query = query.where(AgencyNotice.person_id == person.id)
    return list(db.session.scalars(query))


def mark_notice_done(notice: AgencyNotice, *, by: Account, how: str) -> None:
    if notice.done_at is None:
        notice.done_at = utcnow()
        notice.done_by_id = by.id
        notice.how = how.strip() or None
        db.session.flush()
        person = db.session.get(Person, notice.person_id)
        record_event("consent.agency_told", actor=by, person=person, agency=notice.agency)
