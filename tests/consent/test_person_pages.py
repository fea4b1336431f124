"""The person's consent pages: grant, refuse, change, ask each time, stop all sharing, with
receipts (issue 4; CON-2 to CON-7, CON-11)."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.consent import services
from portal.consent.models import Choice, ConsentChange, ConsentDecision
from portal.db import AppendOnlyError
from portal.extensions import db
from portal.people.models import AdvocateLink, Person
from tests.conftest import World, sign_in_as


def decide(client: FlaskClient, agency: str, kind: str, choice: str) -> None:
    response = client.post(f"/consent/agency/{agency}/{kind}", data={"choice": choice})
    assert response.status_code == 302 and response.headers["Location"] == "/consent/check"


def sign(client: FlaskClient, name: str = "Sam Taylor") -> str:
    response = client.post("/consent/check", data={"name": name, "understood": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"].rsplit("/", 1)[-1]


def answer(app: Flask, person_id: int, agency: str, kind: str) -> services.Check:
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person is not None
        return services.check(person, agency, kind)


def test_grant_refuse_change_and_ask_each_time(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    page = client.get("/consent/agency/family-court/parenting").get_data(as_text=True)
    assert "May we share “How you are managing as a parent” with The family court?" in page
    assert "may mean they can't give you some help" in page  # CON-4: what follows from no
    decide(client, "family-court", "parenting", "yes")
    decide(client, "family-court", "contact-details", "no")
    decide(client, "health-visitor", "contact-details", "ask")
    check_page = client.get("/consent/check").get_data(as_text=True)
    assert "How you are managing as a parent, to The family court" in check_page
    # Nothing binding yet.
    assert answer(app, world.sam_person.id, "family-court", "parenting").reason == "never-asked"
    reference = sign(client)
    done = client.get(f"/consent/done/{reference}").get_data(as_text=True)
    assert reference in done and "What happens next" in done
    assert answer(app, world.sam_person.id, "family-court", "parenting").answer == Choice.YES
    assert answer(app, world.sam_person.id, "family-court", "contact-details").answer == Choice.NO
    assert answer(app, world.sam_person.id, "health-visitor", "contact-details").reason == "ask-each-time"
    # Change a decision: a new version, the old one kept.
    decide(client, "family-court", "parenting", "no")
    sign(client)
    assert answer(app, world.sam_person.id, "family-court", "parenting").answer == Choice.NO
    with app.app_context():
        rows = db.session.scalars(select(ConsentDecision).where(
            ConsentDecision.agency == "family-court", ConsentDecision.information_kind == "parenting")
            .order_by(ConsentDecision.id)).all()
        assert [r.choice for r in rows] == [Choice.YES, Choice.NO]


def test_signing_needs_a_name_and_the_box_and_keeps_the_answers(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    decide(client, "family-court", "parenting", "yes")
    page = client.post("/consent/check", data={"name": ""}).get_data(as_text=True)
    assert "Type your full name to sign." in page and "Tick the box" in page
    assert "<title>Error:" in page
    assert "How you are managing as a parent, to The family court" in page  # the answers are kept
    assert answer(app, world.sam_person.id, "family-court", "parenting").reason == "never-asked"


def test_a_bad_choice_is_refused_with_a_message(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    page = client.post("/consent/agency/family-court/parenting", data={"choice": "maybe"}).get_data(as_text=True)
    assert "Choose yes, no, or ask me each time." in page
    assert client.get("/consent/agency/police/parenting").status_code == 404


def test_stop_all_sharing_withdraws_everything_at_once(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    decide(client, "family-court", "parenting", "yes")
    decide(client, "health-visitor", "contact-details", "ask")
    sign(client)
    assert "Are you sure you want to stop all sharing?" in client.get("/consent/stop").get_data(as_text=True)
    response = client.post("/consent/stop")
    reference = response.headers["Location"].rsplit("/", 1)[-1]
    assert "All sharing is stopped" in client.get(f"/consent/done/{reference}").get_data(as_text=True)
    for agency, kind in (("family-court", "parenting"), ("health-visitor", "contact-details"),
                         ("health-visitor", "parenting")):
        assert answer(app, world.sam_person.id, agency, kind).answer == Choice.NO
    # Nothing left to stop.
    assert client.post("/consent/stop").headers["Location"] == "/consent"


def test_history_shows_every_version_and_who_acted(app: Flask, world: World) -> None:
    with app.app_context():
        link = db.session.scalars(select(AdvocateLink)).one()
        link.may_decide_consent = True
        db.session.commit()
    advocate = app.test_client()
    sign_in_as(advocate, world.alex)
    advocate.post("/helping", data={"person": world.sam_person.reference})
    decide(advocate, "family-court", "parenting", "no")
    sign(advocate, "Alex Taylor")
    client = app.test_client()
    sign_in_as(client, world.sam)
    history = client.get("/consent/history").get_data(as_text=True)
    assert "Made by someone helping you, on your behalf." in history
    assert "Signed by you in the portal." in history
    with app.app_context():
        change = db.session.scalars(select(ConsentChange).order_by(ConsentChange.id.desc())).first()
        assert change is not None
        assert (change.acted_by_id, change.person_id, change.acted_as) == (world.alex.id, world.sam_person.id, "advocate")


def test_an_advocate_without_the_right_can_look_but_not_change(app: Flask, world: World) -> None:
    advocate = app.test_client()
    sign_in_as(advocate, world.alex)
    assert advocate.get("/consent").status_code == 302  # choose whom you help first
    advocate.post("/helping", data={"person": world.sam_person.reference})
    assert "only the person you help can change them" in advocate.get("/consent").get_data(as_text=True)
    assert advocate.get("/consent/agency/family-court/parenting").status_code == 403
    assert advocate.post("/consent/stop").status_code == 403
    assert advocate.post("/consent/check", data={"name": "x", "understood": "y"}).status_code == 403


def test_no_code_path_updates_or_deletes_a_decision(app: Flask, world: World) -> None:
    with app.app_context():
        decision = db.session.scalars(select(ConsentDecision)).first()
        assert decision is not None
        decision.choice = Choice.NO
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        for statement in ("UPDATE consent_decisions SET choice = 'no'", "DELETE FROM consent_decisions",
                          "UPDATE consent_changes SET signed_name = 'x'"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


def test_receipts_for_a_change_a_refusal_and_a_withdrawal(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    decide(client, "family-court", "parenting", "yes")
    decide(client, "health-visitor", "contact-details", "no")
    reference = sign(client)
    pdf = client.get(f"/consent/receipts/{reference}.pdf")
    assert pdf.status_code == 200
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert reference in text and "You agreed we may share" in text and "You said we may not share" in text
    assert "The family court" in text and "0117 496 0000" in text
    withdrawal = client.post("/consent/stop").headers["Location"].rsplit("/", 1)[-1]
    receipt = client.get(f"/consent/receipts/{withdrawal}.json").get_json()
    assert receipt["extensions"]["consentPortal"]["kind"] == "withdraw-all"
    assert all(d["choice"] == "no" for d in receipt["extensions"]["consentPortal"]["decisions"])
    # Another person's receipt is not found, even with the right reference.
    other = app.test_client()
    sign_in_as(other, world.other)
    assert other.get(f"/consent/receipts/{reference}.pdf").status_code == 404
    assert other.get(f"/consent/done/{reference}").status_code == 404


def test_staff_pages_are_not_for_people(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    assert client.get(f"/staff/people/{world.sam_person.reference}/consent").status_code == 403


def test_home_links_to_consent(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    assert re.search(r'href="/consent"', client.get("/home").get_data(as_text=True))


def test_an_advocate_whose_reading_right_is_removed_sees_nothing(app: Flask, world: World) -> None:
    advocate = app.test_client()
    sign_in_as(advocate, world.alex)
    advocate.post("/helping", data={"person": world.sam_person.reference})
    assert advocate.get("/consent").status_code == 200
    with app.app_context():
        link = db.session.scalars(select(AdvocateLink)).one()
        link.may_read = False
        db.session.commit()
    assert advocate.get("/consent").status_code == 403
    assert advocate.get("/consent/history").status_code == 403
