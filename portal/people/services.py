"""People and who may act for them: creating a service user at first contact, finding
people a caseworker may open, and the person an advocate is currently helping."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import session
from sqlalchemy import func, or_, select

from portal import codes
from portal.accounts.models import Account, Role
from portal.accounts.services import issue_activation_code
from portal.audit.services import record_event
from portal.extensions import db
from portal.forms import day_month_year, looks_like_date
from portal.people import need_to_know
from portal.people.models import AdvocateLink, Person


def new_reference() -> str:
    return codes.new_reference("P", Person)


@dataclass(frozen=True)
class NewServiceUser:
    person: Person
    account: Account
    activation_code: str


def create_service_user(
    *,
    full_name: str,
    known_as: str,
    date_of_birth: date | None,
    language: str,
    email: str | None,
    phone: str | None,
    username: str | None,
    by: Account,
) -> NewServiceUser:
    """First contact: the person record, their account (not yet usable) and a one-time code."""
    person = Person(
        reference=new_reference(),
        full_name=full_name.strip(),
        known_as=known_as.strip() or full_name.strip().split()[0],
        date_of_birth=date_of_birth,
        preferred_language=language,
    )
    db.session.add(person)
    db.session.flush()
    account = Account(
        role=Role.SERVICE_USER,
        display_name=person.known_as,
        email=email,
        phone=phone,
        username=username,
        language=language,
        person_id=person.id,
    )
    db.session.add(account)
    db.session.flush()
    record_event("person.created", actor=by, person=person)
    if by.role in need_to_know.CASEWORKER_ROLES:
        # Whoever met them first is their worker until a manager says otherwise (SEC-1).
        need_to_know.add_to_caseload(person, by, by=by)
    code = issue_activation_code(account, by=by)
    return NewServiceUser(person, account, code)


def find_person(reference: str) -> Person | None:
    return db.session.scalars(select(Person).where(Person.reference == reference.upper())).first()


def account_of(person: Person) -> Account | None:
    return db.session.scalars(select(Account).where(Account.person_id == person.id)).first()


def search_people(text: str, *, limit: int = 50) -> list[Person]:
    """By part of a name, the whole reference, or the date of birth typed as day, month and
    year (27 3 2007, 27/03/2007). A date that doesn't exist raises a translated ValueError."""
    query = select(Person).order_by(Person.known_as, Person.id).limit(limit)
    text = text.strip()
    if text and looks_like_date(text):
        return list(db.session.scalars(query.where(Person.date_of_birth == day_month_year(text))))
    if text:
        like = f"%{text.lower()}%"
        query = query.where(
            or_(
                func.lower(Person.full_name).like(like),
                func.lower(Person.known_as).like(like),
                Person.reference == text.upper(),
            )
        )
    return list(db.session.scalars(query))


# --- acting for someone -------------------------------------------------------------------

_ACTING_FOR = "acting_for"


def links_in_force(advocate: Account) -> list[AdvocateLink]:
    return list(
        db.session.scalars(
            select(AdvocateLink)
            .where(
                AdvocateLink.advocate_id == advocate.id,
                AdvocateLink.ended_at.is_(None),
                AdvocateLink.suspended_at.is_(None),
            )
            .order_by(AdvocateLink.started_at)
        )
    )


def link_for(advocate: Account, person: Person) -> AdvocateLink | None:
    """The advocate's link to this person, if it is in force right now. Checked on every
    request, so a removed or suspended link stops working at once."""
    for link in links_in_force(advocate):
        if link.person_id == person.id:
            return link
    return None


def start_acting_for(advocate: Account, person: Person) -> bool:
    if link_for(advocate, person) is None:
        return False
    session[_ACTING_FOR] = person.reference
    record_event("advocate.started_helping", actor=advocate, person=person)
    return True


def stop_acting() -> None:
    session.pop(_ACTING_FOR, None)


def person_in_view(account: Account) -> Person | None:
    """Whose information a people-side page shows: a service user's own record, or the
    person an advocate has chosen to help (if the link is still in force)."""
    if account.role == Role.SERVICE_USER:
        return account.person
    if account.role == Role.ADVOCATE:
        reference = session.get(_ACTING_FOR)
        if not reference:
            return None
        person = find_person(reference)
        if person is None or link_for(account, person) is None:
            session.pop(_ACTING_FOR, None)
            return None
        return person
    return None
