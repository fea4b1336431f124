"""The staff workspace (issue 7): everything waiting for a decision, in one list, oldest
first. Each kind of work is one query; nothing here changes anything.

"For you" holds the people on your caseload, the people nobody has on a caseload (so no
request falls between workers), and the disclosures waiting for your approval. "Everyone"
holds all of it. Names are shown only for people whose record you may open now (SEC-1);
the others by their reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from portal.accounts.models import Account, Role
from portal.advocates import services as advocates
from portal.bookings.models import BookingStatus, FileAccessBooking, SubjectAccessRequest
from portal.consent.models import AgencyNotice, Choice, ConsentDecision, ConsentRequest
from portal.consent.services import local_today
from portal.disclosures import services as disclosures
from portal.extensions import db
from portal.i18n import organisation_zone
from portal.people import need_to_know
from portal.people.models import CaseloadMember, Person
from portal.policy.models import PolicyAcknowledgement, PolicyVersion
from portal.policy.services import latest_substantive

REVIEW_WARNING_DAYS = 14  # consent reviews and helpers' links show this long before they are due
PAGE_SIZE = 50
_RECORD: dict[str, Any] = {"reference": None}  # a page of the person's record

KINDS: dict[str, Any] = {
    "approval": _l("Disclosures waiting for your approval"),
    "not-approved": _l("Emergency shares not approved"),
    "booking": _l("File visit requests"),
    "access-request": _l("Copies of records due"),
    "consent-answer": _l("Consent answers received"),
    "agency-notice": _l("Agencies to tell about a change of mind"),
    "consent-review": _l("Consent reviews due"),
    "hold-review": _l("Safety holds to review"),
    "link-review": _l("Helpers' links to review"),
    "policy": _l("Policy not yet read or explained"),
}
# How one item of each kind is named in the list.
ITEM_TITLES: dict[str, Any] = {
    "approval": _l("A disclosure to approve or refuse"),
    "not-approved": _l("An emergency share that was not approved: look into it"),
    "booking": _l("A file visit to confirm or decline"),
    "access-request": _l("A copy of their records to send"),
    "consent-answer": _l("They answered a consent question"),
    "agency-notice": _l("Tell an agency they changed their mind"),
    "consent-review": _l("Their consent is due for review"),
    "hold-review": _l("A safety hold to review"),
    "link-review": _l("A helper's link to review"),
    "policy": _l("They have not read, or been told, the current policy"),
}


@dataclass(frozen=True)
class Item:
    kind: str
    since: datetime  # when it started waiting: the list is sorted by this
    person_id: int
    endpoint: str  # where to act on it; "reference" is filled in for the page shown
    args: dict[str, Any] = field(default_factory=dict)
    due: date | None = None
    urgent: bool = False
    booking: Any = None  # a file visit's times (starts_at, ends_at), to show the time asked for


    def url(self, person: Person) -> str:
        args = dict(self.args)
        if "reference" in args:
            args["reference"] = person.reference
        return url_for(self.endpoint, **args)


@dataclass
class Queue:
    items: list[Item]
    counts: dict[str, int]
    people: dict[int, Person]
    named: set[int]  # people whose names may be shown
    page: int
    pages: int


def _start_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


# Each kind reads only the columns it shows, not whole rows: the list may run to thousands.


def _bookings() -> Iterable[Item]:
    for booking in db.session.execute(
        select(FileAccessBooking.id, FileAccessBooking.person_id, FileAccessBooking.created_at,
               FileAccessBooking.starts_at, FileAccessBooking.ends_at)
        .where(FileAccessBooking.status == BookingStatus.PENDING)
    ):
        yield Item("booking", booking.created_at, booking.person_id,
                   "staff_bookings.booking", {"booking_id": booking.id},
                   booking=booking)


def _access_requests(today: date, zone: ZoneInfo) -> Iterable[Item]:
    for sar in db.session.execute(
        select(SubjectAccessRequest.id, SubjectAccessRequest.person_id, SubjectAccessRequest.received_on,
               SubjectAccessRequest.due_on)
        .where(SubjectAccessRequest.done_at.is_(None))
    ):
        yield Item("access-request", _start_of(sar.received_on, zone), sar.person_id,
                   "staff_bookings.access_request", {"sar_id": sar.id}, due=sar.due_on,
                   urgent=(sar.due_on - today).days <= 7)


def _consent_answers() -> Iterable[Item]:
    for request in db.session.execute(
        select(ConsentRequest.person_id, ConsentRequest.answered_at)
        .where(ConsentRequest.answered_at.is_not(None), ConsentRequest.answer_read_at.is_(None))
    ):
        yield Item("consent-answer", request.answered_at, request.person_id,
                   "staff_consent.person_consent", _RECORD)


def _agency_notices() -> Iterable[Item]:
    for notice in db.session.execute(
        select(AgencyNotice.person_id, AgencyNotice.created_at).where(AgencyNotice.done_at.is_(None))
    ):
        yield Item("agency-notice", notice.created_at, notice.person_id,
                   "staff_consent.person_consent", _RECORD)


def _approvals(account: Account) -> Iterable[Item]:
    for disclosure in disclosures.waiting_for(account):
        yield Item("approval", disclosure.recorded_at, disclosure.person_id,
                   "staff_disclosures.detail", {**_RECORD, "disclosure_ref": disclosure.reference},
                   urgent=disclosure.status == disclosures.Status.DONE_PENDING_APPROVAL)


def _not_approved() -> Iterable[Item]:
    for disclosure in disclosures.not_approved_after_the_event():
        yield Item("not-approved", disclosure.recorded_at, disclosure.person_id,
                   "staff_disclosures.detail", {**_RECORD, "disclosure_ref": disclosure.reference},
                   urgent=True)


def _consent_reviews(today: date, zone: ZoneInfo) -> Iterable[Item]:
    """People with a yes or an ask-me decision in force whose review date is near or past:
    an out-of-date decision counts as not given (CON-7)."""
    latest = (select(func.max(ConsentDecision.id))
              .group_by(ConsentDecision.person_id, ConsentDecision.agency, ConsentDecision.information_kind))
    rows = db.session.execute(
        select(ConsentDecision.person_id, func.min(ConsentDecision.review_due))
        .where(ConsentDecision.id.in_(latest), ConsentDecision.choice.in_([Choice.YES, Choice.ASK]),
               ConsentDecision.review_due <= today + timedelta(days=REVIEW_WARNING_DAYS))
        .group_by(ConsentDecision.person_id)
    ).tuples()
    for person_id, due in rows:
        yield Item("consent-review", _start_of(due, zone), person_id,
                   "staff_consent.person_consent", _RECORD, due=due,
                   urgent=due < today)


def _holds(today: date, zone: ZoneInfo) -> Iterable[Item]:
    for hold, disclosure, person in disclosures.holds_for_review():
        if hold.review_on > today:
            break  # sorted by review date
        yield Item("hold-review", _start_of(hold.review_on, zone), person.id,
                   "staff_disclosures.detail", {**_RECORD, "disclosure_ref": disclosure.reference},
                   due=hold.review_on)


def _link_reviews(today: date, zone: ZoneInfo) -> Iterable[Item]:
    for link in advocates.links_due_for_review(today, REVIEW_WARNING_DAYS):
        assert link.review_date is not None
        yield Item("link-review", _start_of(link.review_date, zone), link.person_id,
                   "staff_advocates.person_advocates", _RECORD,
                   due=link.review_date, urgent=link.review_date < today)


def _policy() -> Iterable[Item]:
    """People who have not read, or been told, the latest version that changed in substance
    (POL-5): waiting since they were set up or the version was loaded, whichever is later."""
    required = latest_substantive()
    if required is None:
        return
    told = (select(PolicyAcknowledgement.person_id)
            .join(PolicyVersion, PolicyAcknowledgement.version_id == PolicyVersion.id)
            .where(PolicyVersion.number >= required.number, PolicyAcknowledgement.person_id.is_not(None)))
    rows = db.session.execute(
        select(Person.id, Person.created_at).where(Person.id.not_in(told))
    ).tuples()
    for person_id, created_at in rows:
        yield Item("policy", max(created_at, required.loaded_at), person_id,
                   "staff.person", _RECORD)


def build(account: Account, *, everyone: bool, kind: str | None = None, page: int = 1,
          now: datetime | None = None) -> Queue:
    today, zone = local_today(now), organisation_zone()
    items: list[Item] = [
        *_approvals(account),
        *_bookings(),
        *_access_requests(today, zone),
        *_consent_answers(),
        *_agency_notices(),
        *_consent_reviews(today, zone),
        *_holds(today, zone),
        *_link_reviews(today, zone),
        *_policy(),
    ]
    # Approvers may open the records of shares waiting for them (need_to_know): the list
    # already holds them, so naming those people needs no second query.
    approving = {item.person_id for item in items if item.kind == "approval"}
    if account.role in need_to_know.CASELOAD_MANAGERS:
        items.extend(_not_approved())
    if not everyone:
        mine = need_to_know.caseload_person_ids(account)
        with_a_worker = set(db.session.scalars(
            select(CaseloadMember.person_id).where(CaseloadMember.ended_at.is_(None))
        ))
        # An approval waiting for you is yours, whoever's caseload the person is on.
        items = [item for item in items if item.kind == "approval" or item.person_id in mine
                 or item.person_id not in with_a_worker]
    counts = {key: 0 for key in KINDS}
    for item in items:
        counts[item.kind] += 1
    if kind in KINDS:
        items = [item for item in items if item.kind == kind]
    items.sort(key=lambda item: (item.since, item.kind, item.person_id))
    pages = max(1, -(-len(items) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = items[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    ids = {item.person_id for item in shown}
    found = {person.id: person for person in db.session.scalars(select(Person).where(Person.id.in_(ids)))}
    named = need_to_know.may_see_name(account, ids, approving=approving)
    return Queue(items=shown, counts=counts, people=found, named=named, page=page, pages=pages)


def default_everyone(account: Account) -> bool:
    """Managers oversee everyone's work; workers start with their own."""
    return account.role in (Role.MANAGER, Role.ADMINISTRATOR)
