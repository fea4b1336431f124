"""Need to know (issue 7, SEC-1): a worker opens the record of someone not on their
caseload only after giving a reason, which is kept; every page of a record that is opened
is in the audit trail; managers decide who has whom on their caseload.

In the world, Jo, Morgan and Ash have Sam and Robin on their caseloads. Kit is a worker
with nobody on theirs."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import Account, Role
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.people import need_to_know
from portal.people.models import CaseloadMember, Person, RecordAccess
from tests.conftest import World, add_account, sign_in_as

SAM = "/staff/people/PSAM2345"


@pytest.fixture
def kit(app: Flask, world: World) -> Account:
    with app.app_context():
        account = add_account("kit@example.org", Role.STAFF)
        db.session.commit()
        return account


def _client(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, account)
    return client


def _events(app: Flask, kind: str, actor: Account) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == kind, AuditEvent.actor_id == actor.id)
            .order_by(AuditEvent.id)
        ))


def _accesses(app: Flask) -> list[RecordAccess]:
    with app.app_context():
        return list(db.session.scalars(select(RecordAccess)))


@pytest.mark.parametrize("page", ["", "/consent", "/disclosures", "/disclosures/new", "/advocates",
                                  "/policy-explained"])
def test_a_record_not_on_your_caseload_asks_why_first(app: Flask, world: World, kit: Account,
                                                      page: str) -> None:
    response = _client(app, kit).get(SAM + page)
    assert response.status_code == 303
    target = urlsplit(response.headers["Location"])
    assert target.path == SAM + "/open"
    assert parse_qs(target.query) == {"next": [SAM + page]}
    assert _events(app, "person.viewed", kit) == []  # nothing of the record was shown


def test_the_question_page_offers_the_reasons(app: Flask, world: World, kit: Account) -> None:
    page = _client(app, kit).get(SAM + "/open?next=" + SAM + "/consent").get_data(as_text=True)
    assert "Why do you need to open this record?" in page
    assert "They contacted us" in page and "covering for a colleague" in page
    assert 'name="next" value="/staff/people/PSAM2345/consent"' in page
    assert "Sam Taylor" in page  # so they can see it is the person they meant


def test_a_change_posted_without_access_changes_nothing(app: Flask, world: World, kit: Account) -> None:
    response = _client(app, kit).post(SAM + "/consent/ask", data={
        "ask-agency": "gp", "ask-kind": "health", "ask-reason": "x", "ask-answer_by": "1 1 2099"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == SAM + "/open"
    assert _events(app, "consent.asked", kit) == []


def test_no_reason_chosen_is_a_clear_message_and_nothing_is_kept(app: Flask, world: World,
                                                                  kit: Account) -> None:
    response = _client(app, kit).post(SAM + "/open", data={"details": "Phoned about housing"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Choose why you need to open the record." in page
    assert "Phoned about housing" in page  # what they typed is kept
    assert _accesses(app) == []


def test_another_reason_needs_saying_what_it_is(app: Flask, world: World, kit: Account) -> None:
    page = _client(app, kit).post(SAM + "/open", data={"reason": "other"}).get_data(as_text=True)
    assert "Say why you need to open the record." in page
    assert 'value="other" checked' in page
    assert _accesses(app) == []


def test_a_reason_opens_the_record_and_is_kept(app: Flask, world: World, kit: Account) -> None:
    client = _client(app, kit)
    response = client.post(SAM + "/open", data={
        "reason": "contacted-us", "details": "Rang the office about a visit", "next": SAM + "/consent"})
    assert response.status_code == 302
    assert response.headers["Location"] == SAM + "/consent"
    [access] = _accesses(app)
    assert (access.account_id, access.person_id, access.reason) == (kit.id, world.sam_person.id, "contacted-us")
    assert access.details == "Rang the office about a visit"
    assert access.until - access.opened_at == timedelta(hours=need_to_know.ACCESS_HOURS)
    [event] = _events(app, "person.opened_with_reason", kit)
    assert event.person_id == world.sam_person.id and event.details["reason"] == "contacted-us"
    assert "Rang the office" not in str(event.details)  # free text stays out of the trail

    assert client.get(SAM + "/consent").status_code == 200
    assert client.get(SAM).status_code == 200
    viewed = _events(app, "person.viewed", kit)
    assert [(e.details["page"], e.details["basis"]) for e in viewed] == [
        ("staff_consent.person_consent", "reason"), ("staff.person", "reason")]
    assert "not on your caseload" in client.get(SAM).get_data(as_text=True)


def test_the_next_address_stays_inside_the_record(app: Flask, world: World, kit: Account) -> None:
    for outside in ("https://evil.example/", "//evil.example/", "/staff/people/PROB6789", "/staff/"):
        client = _client(app, kit)
        response = client.post(SAM + "/open", data={"reason": "covering", "next": outside})
        assert response.headers["Location"] == SAM, outside


def test_a_reason_runs_out(app: Flask, world: World, kit: Account) -> None:
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        assert person is not None
        need_to_know.open_with_reason(person, account=kit, reason="covering", details=None,
                                      now=utcnow() - timedelta(hours=need_to_know.ACCESS_HOURS, minutes=1))
        db.session.commit()
    assert _client(app, kit).get(SAM).status_code == 303


def test_a_reason_for_one_person_does_not_open_another(app: Flask, world: World, kit: Account) -> None:
    client = _client(app, kit)
    client.post(SAM + "/open", data={"reason": "covering"})
    assert client.get("/staff/people/PROB6789").status_code == 303


def test_every_view_of_a_record_is_recorded_with_its_basis(app: Flask, world: World) -> None:
    client = _client(app, world.jo)
    assert client.get(SAM).status_code == 200
    assert client.get(SAM + "/disclosures").status_code == 200
    viewed = _events(app, "person.viewed", world.jo)
    assert [(e.person_id, e.details["page"], e.details["basis"]) for e in viewed] == [
        (world.sam_person.id, "staff.person", "caseload"),
        (world.sam_person.id, "staff_disclosures.person_disclosures", "caseload"),
    ]


def test_an_approver_opens_the_record_of_a_share_waiting_for_them(app: Flask, world: World,
                                                                  kit: Account) -> None:
    """The Riverside pack lets staff approve: deciding on a share is reason enough."""
    _client(app, world.jo).post(SAM + "/disclosures/new", data={
        "agency": "family-court", "kinds": ["parenting"], "purpose": "Hearing", "channel": "secure-email",
        "circumstance": "court-order", "action": "record"})
    home = _client(app, kit).get("/staff/?show=everyone").get_data(as_text=True)
    assert "A disclosure to approve or refuse" in home
    from portal.disclosures.models import Disclosure

    with app.app_context():
        reference = db.session.scalars(select(Disclosure.reference)).one()
    client = _client(app, kit)
    assert client.get(f"{SAM}/disclosures/{reference}").status_code == 200
    assert _events(app, "person.viewed", kit)[-1].details["basis"] == "approver"
    # Once Kit has approved, it no longer waits for Kit, yet Kit still sees the outcome:
    # the approval opened the record the way a reason does, and the access list says so.
    assert client.post(f"{SAM}/disclosures/{reference}/approve").status_code == 302
    assert client.get(f"{SAM}/disclosures/{reference}").status_code == 200
    assert [access.reason for access in _accesses(app)] == ["approving"]


def test_account_actions_need_the_record_open_too(app: Flask, world: World, kit: Account) -> None:
    client = _client(app, kit)
    assert client.post(f"/staff/accounts/{world.sam.id}/disable").status_code == 403
    assert client.post(f"/staff/accounts/{world.sam.id}/activation-code").status_code == 403
    client.post(SAM + "/open", data={"reason": "contacted-us"})
    assert client.post(f"/staff/accounts/{world.sam.id}/activation-code").status_code == 200


def test_whoever_sets_a_person_up_has_them_on_their_caseload(app: Flask, world: World, kit: Account) -> None:
    client = _client(app, kit)
    response = client.post("/staff/people/new", data={"full_name": "Dana Field", "username": "dana",
                                                      "language": "en"})
    assert response.status_code == 200
    with app.app_context():
        person = db.session.scalars(select(Person).where(Person.full_name == "Dana Field")).one()
        reference = person.reference
        assert need_to_know.on_caseload(kit, person)
    assert client.get(f"/staff/people/{reference}").status_code == 200


def test_managers_put_workers_on_and_take_them_off_a_caseload(app: Flask, world: World, kit: Account) -> None:
    manager = _client(app, world.morgan)
    page = manager.get(SAM).get_data(as_text=True)
    assert "Their workers" in page and f'<option value="{kit.id}">Kit</option>' in page
    assert manager.post(SAM + "/workers", data={"worker": kit.id}).status_code == 302
    worker = _client(app, kit)
    assert worker.get(SAM).status_code == 200
    assert _events(app, "person.viewed", kit)[-1].details["basis"] == "caseload"
    with app.app_context():
        member = db.session.scalars(select(CaseloadMember).where(
            CaseloadMember.account_id == kit.id, CaseloadMember.ended_at.is_(None))).one()
        member_id = member.id
    assert manager.post(f"{SAM}/workers/{member_id}/remove").status_code == 302
    assert worker.get(SAM).status_code == 303
    with app.app_context():  # kept as history
        assert db.session.get(CaseloadMember, member_id).ended_at is not None  # type: ignore[union-attr]


def test_a_worker_who_is_not_a_caseworker_can_not_be_added(app: Flask, world: World) -> None:
    manager = _client(app, world.morgan)
    manager.post(SAM + "/workers", data={"worker": world.vic.id})
    with app.app_context():
        assert db.session.scalars(select(CaseloadMember).where(CaseloadMember.account_id == world.vic.id)).all() == []


def test_staff_can_not_change_caseloads(app: Flask, world: World, kit: Account) -> None:
    assert _client(app, world.jo).post(SAM + "/workers", data={"worker": kit.id}).status_code == 403
    with app.app_context():
        assert not need_to_know.on_caseload(kit, db.session.get(Person, world.sam_person.id))  # type: ignore[arg-type]


def test_managers_see_who_opened_a_record_and_why(app: Flask, world: World, kit: Account) -> None:
    _client(app, kit).post(SAM + "/open", data={"reason": "other", "details": "Audit of the files"})
    page = _client(app, world.morgan).get(SAM + "/access").get_data(as_text=True)
    assert "Kit" in page and "Another reason (say what)" in page and "Audit of the files" in page
    assert _client(app, world.jo).get(SAM + "/access").status_code == 403


def test_the_reason_details_are_stored_encrypted(app: Flask, world: World, kit: Account) -> None:
    _client(app, kit).post(SAM + "/open", data={"reason": "other", "details": "Audit of the files"})
    with app.app_context():
        from sqlalchemy import text

        raw = db.session.execute(text("SELECT details FROM record_accesses")).scalar_one()
    assert "Audit" not in raw
