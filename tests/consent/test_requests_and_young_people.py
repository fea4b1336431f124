"""Asking as the need arises (CON-3) and young people's competence (CON-9)."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from portal.consent import services
from portal.consent.models import Choice, ConsentRequest
from portal.extensions import db
from portal.people.models import Person
from tests.conftest import World, sign_in_as


def _request_id(app: Flask) -> int:
    with app.app_context():
        return db.session.scalars(select(ConsentRequest.id)).one()


def test_staff_ask_and_the_person_answers_and_it_becomes_a_decision(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    response = staff.post(f"/staff/people/{world.sam_person.reference}/consent/ask", data={
        "ask-agency": "health-visitor", "ask-kind": "contact-details", "ask-reason": "To arrange a home visit",
        "ask-answer_by": "1 1 2099"})
    assert response.status_code == 302
    person = app.test_client()
    sign_in_as(person, world.sam)
    overview = person.get("/consent").get_data(as_text=True)
    assert "We have a question for you" in overview
    with app.app_context():
        request_id = db.session.scalars(select(ConsentRequest.id).where(
            ConsentRequest.agency == "health-visitor")).one()
    page = person.get(f"/consent/requests/{request_id}").get_data(as_text=True)
    assert "To arrange a home visit" in page and "1 January 2099" in page
    bad = person.post(f"/consent/requests/{request_id}", data={"choice": "yes"}).get_data(as_text=True)
    assert "Type your full name to sign." in bad
    done = person.post(f"/consent/requests/{request_id}", data={"choice": "yes", "name": "Sam Taylor",
                                                                 "understood": "y"})
    assert done.status_code == 302 and "/consent/done/" in done.headers["Location"]
    with app.app_context():
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        result = services.check(sam, "health-visitor", "contact-details")
        assert result.answer == Choice.YES and result.decision is not None
        assert result.decision.purpose == "To arrange a home visit"
        assert result.decision.change.kind == "answer"
    # Answered questions leave the list; answering again just shows the receipt.
    assert "health visitor" not in person.get("/consent").get_data(as_text=True).split("We have a question")[-1][:300]
    assert person.post(f"/consent/requests/{request_id}", data={"choice": "no"}).status_code == 302


def test_a_question_to_someone_else_is_not_found(app: Flask, world: World) -> None:
    other = app.test_client()
    sign_in_as(other, world.other)
    assert other.get(f"/consent/requests/{_request_id(app)}").status_code == 404


def test_staff_question_needs_a_reason_and_a_future_date(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    page = staff.post(f"/staff/people/{world.sam_person.reference}/consent/ask", data={
        "ask-agency": "health-visitor", "ask-kind": "contact-details", "ask-reason": "",
        "ask-answer_by": "1 1 2001"}).get_data(as_text=True)
    assert "Say why you are asking." in page and "must be today or later" in page
    assert 'value="1 1 2001"' in page


def test_an_under_16s_own_yes_counts_only_after_a_competence_assessment(app: Flask, world: World) -> None:
    with app.app_context():
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        today = services.local_today()
        sam.date_of_birth = date(today.year - 14, 1, 1)
        db.session.commit()
        # The world's own yes (health visitor, parenting) was Sam's own decision.
        assert services.check(sam, "health-visitor", "parenting").reason == "needs-competence"
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    page = staff.get(f"/staff/people/{world.sam_person.reference}/consent").get_data(as_text=True)
    assert "They are under 16" in page
    staff.post(f"/staff/people/{world.sam_person.reference}/consent/competence",
               data={"competence-competent": "yes", "competence-notes": "Talked it through; understands."})
    with app.app_context():
        sam = db.session.get(Person, world.sam_person.id)
        assert sam is not None
        assert services.check(sam, "health-visitor", "parenting").answer == Choice.YES
        sam.date_of_birth = date(services.local_today().year - 17, 1, 1)
        db.session.commit()
        assert not services.needs_competence_assessment(sam)  # 16-17: treated as adults (000 §3.6)


def test_narrowing_consent_prompts_staff_to_tell_the_agency_until_done(app: Flask, world: World) -> None:
    # Only an agency the register shows we shared something with needs telling (issue 7).
    from portal.accounts.models import Account
    from portal.disclosures.services import record_disclosure

    with app.app_context():
        sam_person, jo = db.session.get(Person, world.sam_person.id), db.session.get(Account, world.jo.id)
        assert sam_person and jo
        record_disclosure(sam_person, agency="health-visitor", kinds=["parenting"], purpose="Visit",
                          channel="post", by=jo)
        db.session.commit()
    person = app.test_client()
    sign_in_as(person, world.sam)
    person.post("/consent/stop")  # the world's yes to the health visitor becomes a no
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    url = f"/staff/people/{world.sam_person.reference}/consent"
    page = staff.get(url).get_data(as_text=True)
    assert "Tell these organisations they changed their mind" in page and "Your health visitor" in page
    from portal.consent.models import AgencyNotice

    with app.app_context():
        notice = db.session.scalars(select(AgencyNotice)).one()
        assert notice.agency == "health-visitor" and notice.done_at is None
    staff.post(f"{url}/notices/{notice.id}/done", data={"how": "Phoned the team, 2pm"})
    assert "Tell these organisations" not in staff.get(url).get_data(as_text=True)
    with app.app_context():
        notice = db.session.scalars(select(AgencyNotice)).one()
        assert notice.done_by_id == world.jo.id and notice.how == "Phoned the team, 2pm"
    # Another person's notice can't be closed from this person's page.
    assert staff.post(f"/staff/people/{world.other_person.reference}/consent/notices/{notice.id}/done").status_code == 404


def test_a_refusal_that_was_never_a_yes_prompts_nothing(app: Flask, world: World) -> None:
    person = app.test_client()
    sign_in_as(person, world.sam)
    person.post("/consent/agency/family-court/parenting", data={"choice": "no"})
    person.post("/consent/check", data={"name": "Sam Taylor", "understood": "y"})
    from portal.consent.models import AgencyNotice

    with app.app_context():
        assert db.session.scalars(select(AgencyNotice)).first() is None


def test_the_question_is_on_the_persons_home_page(app: Flask, world: World) -> None:
    person = app.test_client()
    sign_in_as(person, world.sam)
    home = person.get("/home").get_data(as_text=True)
    assert "We have a question for you" in home
    assert f'href="/consent/requests/{_request_id(app)}"' in home
