"""Staff link an advocate on a recorded basis with a review date, and see a person's
advocates and the basis for each (issue 6)."""

from __future__ import annotations

from datetime import date

from flask import Flask
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from portal.extensions import db
from portal.people.models import AdvocateLink
from tests.conftest import World, add_account, sign_in_as


def link_form(**overrides: str) -> dict[str, str]:
    data = {"email": "morgan.parent@example.org", "relationship_label": "Mother",
            "basis": "parent-of-young-child", "basis_details": "", "review_date": "1 6 2099",
            "may_read": "y"}
    data.update(overrides)
    return data


def test_staff_link_on_a_recorded_basis_with_a_review_date(app: Flask, world: World) -> None:
    with app.app_context():
        parent = add_account("morgan.parent@example.org", Role.ADVOCATE)
        db.session.commit()
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    url = f"/staff/people/{world.other_person.reference}/advocates"
    response = staff.post(f"{url}/link", data=link_form(basis="lasting-power-of-attorney",
                                                        basis_details="LPA reg. 7000-1234-5678"))
    assert response.status_code == 302
    page = staff.get(url).get_data(as_text=True)
    assert "Lasting power of attorney" in page and "LPA reg. 7000-1234-5678" in page
    assert "1 June 2099" in page and "Granted by" in page and "Jo" in page
    # The person's record shows who acts for them.
    record = staff.get(f"/staff/people/{world.other_person.reference}").get_data(as_text=True)
    assert "Morgan.Parent" in record and "Mother" in record
    with app.app_context():
        link = db.session.scalars(select(AdvocateLink).where(AdvocateLink.advocate_id == parent.id)).one()
        assert (link.basis, link.review_date, link.granted_by_id) == (
            "lasting-power-of-attorney", date(2099, 6, 1), world.jo.id)
        assert not link.may_decide_consent and not link.may_request_records
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "advocate.linked_by_staff")).one()
        assert (event.actor_id, event.person_id, event.acted_as) == (world.jo.id, world.other_person.id, "staff")
    # The advocate can now help Robin.
    advocate = app.test_client()
    sign_in_as(advocate, parent)
    assert advocate.post("/helping", data={"person": world.other_person.reference}).status_code == 302


def test_staff_link_refusals(app: Flask, world: World) -> None:
    with app.app_context():
        add_account("morgan.parent@example.org", Role.ADVOCATE)
        db.session.commit()
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    url = f"/staff/people/{world.other_person.reference}/advocates/link"
    # Not an advocate account (a service user's address): refused.
    page = staff.post(url, data=link_form(email="sam@example.org")).get_data(as_text=True)
    assert "No advocate account uses this email address" in page
    page = staff.post(url, data=link_form(review_date="1 1 2020")).get_data(as_text=True)
    assert "The review date must be in the future." in page
    page = staff.post(url, data=link_form(basis="other")).get_data(as_text=True)
    assert "Give the details of this basis." in page
    page = staff.post(url, data=link_form(basis="made-up")).get_data(as_text=True)
    assert "Choose the basis." in page
    # Someone the person asked us never to link.
    robin = app.test_client()
    sign_in_as(robin, world.other)
    robin.post("/helpers/never", data={"name": "Someone", "email": "morgan.parent@example.org"})
    page = staff.post(url, data=link_form()).get_data(as_text=True)
    assert "The person asked us never to link this advocate" in page
    with app.app_context():
        assert db.session.scalars(select(AdvocateLink).where(
            AdvocateLink.person_id == world.other_person.id)).first() is None
    # Staff take them off the list after talking to the person; then the link can be made.
    listing = staff.get(f"/staff/people/{world.other_person.reference}/advocates").get_data(as_text=True)
    assert "morgan.parent@example.org" in listing
    with app.app_context():
        from portal.advocates.models import NeverLink

        entry_id = db.session.scalars(select(NeverLink.id)).one()
    staff.post(f"/staff/people/{world.other_person.reference}/never-link/{entry_id}/remove")
    assert staff.post(url, data=link_form()).status_code == 302
    page = staff.post(url, data=link_form()).get_data(as_text=True)
    assert "already linked" in page


def test_volunteers_and_people_cannot_link_or_suspend(app: Flask, world: World) -> None:
    base = f"/staff/people/{world.sam_person.reference}/advocates"
    for account in (world.vic, world.sam, world.alex):
        client = app.test_client()
        sign_in_as(client, account)
        assert client.post(f"{base}/link", data=link_form()).status_code == 403
        assert client.post(f"{base}/1/suspend", data={"reason": "x"}).status_code == 403
    with app.app_context():
        link = db.session.get(AdvocateLink, 1)
        assert link is not None and link.in_force
