"""The staff workspace (issue 7): one list of what needs a decision, oldest first; "for you"
and "everyone"; names only where the worker may open the record (SEC-1); person search by
name, reference or date of birth.

In the world, Jo, Morgan and Ash have Sam and Robin on their caseloads; the Riverside pack
needs two approvals from managers or staff. Sam has answered nothing yet; Sam's one decision
(health visitor, parenting: yes) is reviewed after the pack's months."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import Account, Role
from portal.bookings.models import BookingStatus, FileAccessBooking
from portal.bookings.services import request_copy
from portal.consent.models import AgencyNotice, Choice, ConsentRequest
from portal.consent.services import answer_request
from portal.db import utcnow
from portal.extensions import db
from portal.people.models import CaseloadMember, Person
from portal.staff import workspace
from tests.conftest import World, add_account, add_person, sign_in_as


def _client(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, account)
    return client


def _titles(page: str) -> list[str]:
    return re.findall(r'<p class="queue__title"><a href="[^"]*">([^<]*)</a>', page)


def _booking(person: Person, by: Account, *, asked: datetime) -> None:
    starts = utcnow() + timedelta(days=5)
    db.session.add(FileAccessBooking(
        reference=f"B{person.id}{asked.microsecond % 1000:03d}X", person_id=person.id,
        requested_by_id=by.id, acted_as="self", starts_at=starts, ends_at=starts + timedelta(hours=1),
        status=BookingStatus.PENDING, version=1, created_at=asked))
    db.session.flush()


def test_everything_waiting_is_listed_oldest_first(app: Flask, world: World) -> None:
    now = utcnow()
    with app.app_context():
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        _booking(sam, world.sam, asked=now - timedelta(days=3))
        request_copy(sam, by=world.sam, now=now - timedelta(days=10))
        db.session.add(AgencyNotice(person_id=sam.id, agency="gp", change_id=1,
                                    created_at=now - timedelta(days=1)))
        request = db.session.scalars(select(ConsentRequest)).one()
        answer_request(request, sam, Choice.NO, by=world.sam, language="en", signed_name="Sam Taylor")
        db.session.commit()
    page = _client(app, world.jo).get("/staff/").get_data(as_text=True)
    titles = _titles(page)
    # Sam and Robin have not read the policy since they were set up (just before the answer).
    assert titles == [
        "A copy of their records to send",
        "A file visit to confirm or decline",
        "Tell an agency they changed their mind",
        "They have not read, or been told, the current policy",
        "They have not read, or been told, the current policy",
        "They answered a consent question",
    ]
    assert "Sam Taylor" in page and "PSAM2345" in page
    assert "All (6)" in page and "File visit requests (1)" in page


def test_a_kind_can_be_shown_alone(app: Flask, world: World) -> None:
    with app.app_context():
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        request_copy(sam, by=world.sam)
        db.session.commit()
    page = _client(app, world.jo).get("/staff/?kind=access-request").get_data(as_text=True)
    assert _titles(page) == ["A copy of their records to send"]
    assert '<strong aria-current="true">Copies of records due (1)</strong>' in page
    # An unknown kind shows everything rather than an error.
    assert len(_titles(_client(app, world.jo).get("/staff/?kind=nonsense").get_data(as_text=True))) == 3


def test_consent_reviews_show_two_weeks_before_they_are_due(app: Flask, world: World) -> None:
    with app.app_context():
        from portal.consent.models import ConsentDecision

        due = db.session.scalars(select(ConsentDecision.review_due)).one()
        account = db.session.get(Account, world.jo.id)
        assert account is not None
        before = datetime.combine(due - timedelta(days=15), datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
        within = before + timedelta(days=2)
        kinds = lambda when: [item.kind for item in workspace.build(account, everyone=True, now=when).items]  # noqa: E731
        assert "consent-review" not in kinds(before)
        assert "consent-review" in kinds(within)


def test_for_you_holds_your_caseload_the_unassigned_and_your_approvals(app: Flask, world: World) -> None:
    with app.app_context():
        kit = add_account("kit@example.org", Role.STAFF)
        lee = add_person("Lee Stone", "PLEE2345")  # on nobody's caseload
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        request_copy(sam, by=world.sam)
        request_copy(lee, by=world.jo)
        db.session.commit()
    kit_client = _client(app, kit)
    mine = kit_client.get("/staff/?show=mine").get_data(as_text=True)
    # Lee (nobody's) is there, with Lee's name hidden until Kit opens the record; Sam (Jo's) is not.
    assert "PLEE2345" in mine and "Lee Stone" not in mine and "(not on your caseload)" in mine
    assert "PSAM2345" not in mine
    everyone = kit_client.get("/staff/?show=everyone").get_data(as_text=True)
    assert "PSAM2345" in everyone and "Sam Taylor" not in everyone
    # A share waiting for Kit's approval is Kit's, whoever's caseload Sam is on.
    _client(app, world.jo).post("/staff/people/PSAM2345/disclosures/new", data={
        "agency": "family-court", "kinds": ["parenting"], "purpose": "Hearing", "channel": "secure-email",
        "circumstance": "court-order", "action": "record"})
    mine = kit_client.get("/staff/?show=mine").get_data(as_text=True)
    # Kit may open Sam's record to decide on it, so Sam's name shows now.
    assert "A disclosure to approve or refuse" in _titles(mine) and "Sam Taylor" in mine


def test_a_name_shows_once_a_reason_is_given(app: Flask, world: World) -> None:
    with app.app_context():
        kit = add_account("kit@example.org", Role.STAFF)
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        request_copy(sam, by=world.sam)
        db.session.commit()
    client = _client(app, kit)
    assert "Sam Taylor" not in client.get("/staff/?show=everyone").get_data(as_text=True)
    client.post("/staff/people/PSAM2345/open", data={"reason": "request"})
    assert "Sam Taylor" in client.get("/staff/?show=everyone").get_data(as_text=True)


def test_workers_start_with_their_own_and_managers_with_everyone(app: Flask, world: World) -> None:
    assert '<strong aria-current="true">For you</strong>' in _client(app, world.jo).get("/staff/").get_data(as_text=True)
    assert '<strong aria-current="true">Everyone</strong>' in _client(app, world.morgan).get("/staff/").get_data(as_text=True)


def test_an_emergency_share_is_marked_on_the_approvers_list(app: Flask, world: World) -> None:
    _client(app, world.jo).post("/staff/people/PSAM2345/disclosures/new", data={
        "agency": "family-court", "kinds": ["parenting"], "purpose": "Child at risk tonight",
        "channel": "secure-email", "circumstance": "child-in-danger", "action": "record"})
    page = _client(app, world.morgan).get("/staff/?kind=approval").get_data(as_text=True)
    assert _titles(page) == ["A disclosure to approve or refuse"]
    assert "Already shared in an emergency" in page
    # The recorder can't approve their own, so it is not on their list.
    assert "A disclosure to approve or refuse" not in _client(app, world.jo).get("/staff/").get_data(as_text=True)


def test_reading_an_answer_takes_it_off_the_list(app: Flask, world: World) -> None:
    with app.app_context():
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        request = db.session.scalars(select(ConsentRequest)).one()
        request_id = request.id
        answer_request(request, sam, Choice.YES, by=world.sam, language="en", signed_name="Sam Taylor")
        db.session.commit()
    client = _client(app, world.jo)
    assert "They answered a consent question" in _titles(client.get("/staff/").get_data(as_text=True))
    consent = client.get("/staff/people/PSAM2345/consent").get_data(as_text=True)
    assert "Answers to read" in consent and "Yes" in consent
    assert client.post(f"/staff/people/PSAM2345/consent/answers/{request_id}/read").status_code == 302
    assert "They answered a consent question" not in _titles(client.get("/staff/").get_data(as_text=True))
    assert "Answers to read" not in client.get("/staff/people/PSAM2345/consent").get_data(as_text=True)


def test_the_list_is_paged(app: Flask, world: World) -> None:
    with app.app_context():
        for number in range(workspace.PAGE_SIZE + 5):
            add_person(f"Person {number}", f"PX{number:04d}")
        db.session.commit()
    client = _client(app, world.morgan)
    first = client.get("/staff/").get_data(as_text=True)
    assert len(_titles(first)) == workspace.PAGE_SIZE and "Page 1 of 2" in first and "Next page" in first
    second = client.get("/staff/?show=everyone&page=2").get_data(as_text=True)
    assert len(_titles(second)) == 7 and "Previous page" in second
    assert client.get("/staff/?page=99").status_code == 200  # past the end: the last page


def test_volunteers_have_no_list(app: Flask, world: World) -> None:
    page = _client(app, world.vic).get("/staff/").get_data(as_text=True)
    assert "Waiting for a decision" not in page and "As a volunteer" in page


def test_search_by_date_of_birth_reference_or_name(app: Flask, world: World) -> None:
    with app.app_context():
        person = db.session.get(Person, world.other_person.id)
        assert person is not None
        lee = add_person("Lee Stone", "PLEE2345")
        lee.date_of_birth = date(1990, 3, 27)
        db.session.commit()
    client = _client(app, world.jo)
    for typed in ("27 3 1990", "27/03/1990", "27.3.1990"):
        page = client.post("/staff/people", data={"q": typed}).get_data(as_text=True)
        assert "Lee Stone" in page and "Sam Taylor" not in page, typed
    assert "Lee Stone" in client.post("/staff/people", data={"q": "plee2345"}).get_data(as_text=True)
    assert "Lee Stone" in client.post("/staff/people", data={"q": "stone"}).get_data(as_text=True)


def test_a_date_that_does_not_exist_is_a_clear_message(app: Flask, world: World) -> None:
    page = _client(app, world.jo).post("/staff/people", data={"q": "31 2 1990"}).get_data(as_text=True)
    assert "Enter a real date, like 27 3 2007." in page
    assert 'value="31 2 1990"' in page


def test_before_searching_the_page_lists_your_caseload(app: Flask, world: World) -> None:
    with app.app_context():
        add_person("Lee Stone", "PLEE2345")
        db.session.commit()
    page = _client(app, world.jo).get("/staff/people").get_data(as_text=True)
    assert "Your caseload" in page and "Sam Taylor" in page and "Robin Other" in page
    assert "Lee Stone" not in page
    with app.app_context():
        db.session.execute(CaseloadMember.__table__.delete())
        db.session.commit()
    assert "No one is on your caseload yet" in _client(app, world.jo).get("/staff/people").get_data(as_text=True)
