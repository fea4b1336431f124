"""A person invites someone to help them (issue 6): a one-time code, only for the invited
address, after a private question about pressure; a "yes" quietly alerts staff instead."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.accounts.models import Account, Role
from portal.advocates.models import AdvocateInvitation, SafeguardingAlert
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.people.models import AdvocateLink
from tests.conftest import PASSWORD, World, add_account, sign_in_as

CODE = re.compile(r'<p class="code" dir="ltr">([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})</p>')


def invite(client: FlaskClient, *, email: str = "kim@example.org", name: str = "Kim Taylor",
           pressured: str = "no", **permissions: str) -> str:
    """Invite through the pages; returns the page after the pressure question."""
    data = {"name": name, "relationship_label": "My cousin", "email": email,
            "may_read": "y", "may_book": "y", **permissions}
    response = client.post("/helpers/invite", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"] == "/helpers/invite/safety"
    question = client.get("/helpers/invite/safety").get_data(as_text=True)
    assert "Is anyone pressuring you to let this person help you?" in question
    return client.post("/helpers/invite/safety", data={"pressured": pressured}).get_data(as_text=True)


def code_in(page: str) -> str:
    match = CODE.search(page)
    assert match, page
    return match.group(1)


def links_of_sam(app: Flask, world: World) -> list[AdvocateLink]:
    with app.app_context():
        return list(db.session.scalars(select(AdvocateLink).where(
            AdvocateLink.person_id == world.sam_person.id, AdvocateLink.ended_at.is_(None))
            .order_by(AdvocateLink.id)))


def test_invite_then_a_new_helper_makes_an_account_and_helps(app: Flask, world: World) -> None:
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    page = invite(sam)
    code = code_in(page)
    assert "only for kim@example.org" in page
    assert "/invitation" in page  # where to use it; the code itself is never in a URL
    # The person's page shows the invitation waiting.
    assert "Kim Taylor (kim@example.org)" in sam.get("/helpers").get_data(as_text=True)

    kim = app.test_client()
    next_page = kim.post("/invitation", data={"code": code.lower(), "email": "Kim@Example.org "})
    assert next_page.status_code == 200
    assert "Now choose a password" in next_page.get_data(as_text=True)
    activation = re.search(r'name="code" value="([A-Z0-9]+)"', next_page.get_data(as_text=True))
    assert activation
    assert kim.post("/activate", data={"code": activation.group(1)}).headers["Location"] == "/activate/password"
    done = kim.post("/activate/password", data={"password": PASSWORD, "confirm": PASSWORD})
    assert done.status_code == 302, done.get_data(as_text=True)
    home = kim.get("/home").get_data(as_text=True)
    assert "Help Sam" in home
    kim.post("/helping", data={"person": world.sam_person.reference})
    assert "You are helping Sam." in kim.get("/consent").get_data(as_text=True)

    with app.app_context():
        account = db.session.scalars(select(Account).where(Account.email == "kim@example.org")).one()
        assert account.role == Role.ADVOCATE and account.display_name == "Kim Taylor"
        link = db.session.scalars(select(AdvocateLink).where(AdvocateLink.advocate_id == account.id)).one()
        # What Sam chose; changing consent and seeing shares stay off unless chosen.
        assert (link.may_read, link.may_book, link.may_decide_consent, link.may_see_disclosures,
                link.may_request_records) == (True, True, False, False, False)
        assert link.basis == "invited-by-person" and link.granted_by_id == world.sam.id
    # The code worked once.
    again = app.test_client().post("/invitation", data={"code": code, "email": "kim@example.org"})
    assert "That code is not right" in again.get_data(as_text=True)


def test_the_code_works_only_for_the_invited_address(app: Flask, world: World) -> None:
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    code = code_in(invite(sam))
    stranger = app.test_client()
    refused = stranger.post("/invitation", data={"code": code, "email": "someone@example.org"})
    assert "That code is not right" in refused.get_data(as_text=True)
    # A signed-in advocate whose account has another address can't use it either.
    alex = app.test_client()
    sign_in_as(alex, world.alex)
    refused = alex.post("/invitation", data={"code": code, "email": "kim@example.org"})
    assert "That code is not right" in refused.get_data(as_text=True)
    assert len(links_of_sam(app, world)) == 1  # only Alex's original link
    with app.app_context():
        assert db.session.scalar(select(func.count(Account.id)).where(Account.email == "kim@example.org")) == 0


def test_an_existing_advocate_signs_in_and_the_link_joins_their_account(app: Flask, world: World) -> None:
    with app.app_context():
        kim = add_account("kim@example.org", Role.ADVOCATE)
        db.session.commit()
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    code = code_in(invite(sam, may_decide_consent="y"))
    anonymous = app.test_client()
    response = anonymous.post("/invitation", data={"code": code, "email": "kim@example.org"})
    assert response.headers["Location"].startswith("/sign-in")
    helper = app.test_client()
    sign_in_as(helper, kim)
    assert "Use an invitation code" in helper.get("/home").get_data(as_text=True)
    response = helper.post("/invitation", data={"code": code})
    assert response.headers["Location"] == "/home"
    link = links_of_sam(app, world)[-1]
    assert link.advocate_id == kim.id and link.may_decide_consent


def test_expired_or_cancelled_codes_do_not_work(app: Flask, world: World) -> None:
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    expired = code_in(invite(sam, email="kim@example.org"))
    cancelled = code_in(invite(sam, email="lee@example.org", name="Lee"))
    with app.app_context():
        row = db.session.scalars(select(AdvocateInvitation).where(
            AdvocateInvitation.email == "kim@example.org")).one()
        row.expires_at = utcnow() - timedelta(minutes=1)
        lee = db.session.scalars(select(AdvocateInvitation).where(
            AdvocateInvitation.email == "lee@example.org")).one()
        db.session.commit()
        lee_id = lee.id
    assert sam.post(f"/helpers/invitations/{lee_id}/cancel").status_code == 302
    for code, email in ((expired, "kim@example.org"), (cancelled, "lee@example.org")):
        page = app.test_client().post("/invitation", data={"code": code, "email": email})
        assert "That code is not right" in page.get_data(as_text=True)
    # Someone else can't cancel Sam's invitation by guessing its id.
    robin = app.test_client()
    sign_in_as(robin, world.other)
    assert robin.post(f"/helpers/invitations/{lee_id}/cancel").status_code == 403


def test_codes_are_stored_only_as_digests_and_never_audited(app: Flask, world: World) -> None:
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    code = code_in(invite(sam)).replace("-", "")
    with app.app_context():
        row = db.session.scalars(select(AdvocateInvitation)).one()
        assert code not in row.code_digest
        for event in db.session.scalars(select(AuditEvent)):
            assert code not in str(event.details)


def test_a_yes_to_pressure_makes_no_invitation_and_quietly_alerts_staff(app: Flask, world: World) -> None:
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    page = invite(sam, pressured="yes")
    assert "We have not set anything up" in page
    assert CODE.search(page) is None
    with app.app_context():
        assert db.session.scalar(select(func.count(AdvocateInvitation.id))) == 0
        alert = db.session.scalars(select(SafeguardingAlert)).one()
        assert (alert.person_id, alert.reason, alert.about) == (world.sam_person.id, "pressure", "kim@example.org")
    assert "Invitations waiting" not in sam.get("/helpers").get_data(as_text=True)
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    home = staff.get("/staff/").get_data(as_text=True)
    assert "Said someone is pressuring them" in home and world.sam_person.reference in home
    # Volunteers don't open people's records, so they don't get alerts about them.
    volunteer = app.test_client()
    sign_in_as(volunteer, world.vic)
    assert "Safeguarding alerts" not in volunteer.get("/staff/").get_data(as_text=True)
    # Dealt with: off the list.
    with app.app_context():
        alert_id = db.session.scalars(select(SafeguardingAlert.id)).one()
    staff.post(f"/staff/safeguarding/{alert_id}/done")
    assert "Safeguarding alerts" not in staff.get("/staff/").get_data(as_text=True)


def test_the_pressure_question_needs_an_answer_and_comes_after_the_details(app: Flask, world: World) -> None:
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    assert sam.get("/helpers/invite/safety").headers["Location"] == "/helpers/invite"
    page = sam.post("/helpers/invite", data={"name": "", "email": "not-an-email"}).get_data(as_text=True)
    assert "<title>Error:" in page and "Enter their name." in page
    sam.post("/helpers/invite", data={"name": "Kim", "relationship_label": "Cousin", "email": "kim@example.org"})
    page = sam.post("/helpers/invite/safety", data={}).get_data(as_text=True)
    assert "Choose yes or no." in page


def test_never_link_someone(app: Flask, world: World) -> None:
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    # An invitation given before the person asked never to link them stops working too.
    code = code_in(invite(sam, email="pat@example.org", name="Pat"))
    sam.post("/helpers/never", data={"name": "Pat Jones", "email": "PAT@example.org"})
    helpers = sam.get("/helpers").get_data(as_text=True)
    assert "Pat Jones" in helpers and "Only our team can take someone off this list" in helpers
    page = sam.post("/helpers/invite", data={"name": "Pat", "relationship_label": "Ex",
                                             "email": "pat@example.org"}).get_data(as_text=True)
    assert "You asked us never to link this person" in page
    refused = app.test_client().post("/invitation", data={"code": code, "email": "pat@example.org"})
    assert "That code is not right" in refused.get_data(as_text=True)  # told nothing more
    with app.app_context():
        alert = db.session.scalars(select(SafeguardingAlert)).one()
        assert alert.reason == "never-link"
        assert db.session.scalar(select(func.count(Account.id)).where(Account.email == "pat@example.org")) == 0
