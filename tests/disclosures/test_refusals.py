"""Refusing a disclosure waiting for approval (DIS-2): one refusal ends the wait. A pending
share is then never made; an emergency share already happened, so the person is still told
and managers must look at it.

The world's pack is the Riverside fixture: two approvals, approvers are managers and staff
(not administrators); "court-order" waits, "child-in-danger" is shared at once."""

from __future__ import annotations

import threading

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.accounts.models import Account, Role
from portal.audit.models import AuditEvent
from portal.disclosures import report, services
from portal.disclosures.models import Disclosure, Status
from portal.extensions import db
from tests.conftest import World, add_account, sign_in_as

PERSON_URL = "/staff/people/{reference}/disclosures"
NOT_APPROVED = "/staff/disclosures/not-approved"
REASON = "The court order covers the school, not the family court"


def _client(app: Flask, account: Account) -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, account)
    return client


def _record(app: Flask, world: World, circumstance: str) -> Disclosure:
    """Jo records a share to the family court about parenting without consent."""
    _client(app, world.jo).post(PERSON_URL.format(reference=world.sam_person.reference) + "/new", data={
        "agency": "family-court", "kinds": ["parenting"], "purpose": "Hearing on Monday",
        "channel": "secure-email", "circumstance": circumstance, "action": "record",
    })
    return _disclosure(app)


def _disclosure(app: Flask) -> Disclosure:
    with app.app_context():
        disclosure = db.session.scalars(select(Disclosure)).one()
        disclosure.approvals, disclosure.refused_by  # noqa: B018  (load before the context closes)
        return disclosure


def _url(world: World, disclosure: Disclosure, action: str = "") -> str:
    return PERSON_URL.format(reference=world.sam_person.reference) + f"/{disclosure.reference}{action}"


def _refuse(app: Flask, world: World, account: Account, disclosure: Disclosure, reason: str = REASON):  # type: ignore[no-untyped-def]
    return _client(app, account).post(_url(world, disclosure, "/refuse"), data={"refusal_reason": reason})


def _kim(app: Flask) -> Account:
    with app.app_context():
        kim = add_account("kim@example.org", Role.STAFF)
        db.session.commit()
        return kim


def _events(app: Flask, kind: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)))


def _counted_in_figures(app: Flask) -> int:
    with app.app_context():
        return sum(report.figures().disclosures.values())


def test_refusing_a_pending_share_means_it_is_never_shared(app: Flask, world: World) -> None:
    disclosure = _record(app, world, "court-order")
    assert disclosure.status == Status.PENDING and disclosure.approvals_needed == 2
    morgan = _client(app, world.morgan)
    page = morgan.get(_url(world, disclosure)).get_data(as_text=True)
    assert "Approve this disclosure" in page and "Refuse this disclosure" in page

    response = morgan.post(_url(world, disclosure, "/refuse"), data={"refusal_reason": REASON})
    assert response.status_code == 302
    page = morgan.get(response.headers["Location"]).get_data(as_text=True)
    assert "Refused. It must not be shared." in page
    refused = _disclosure(app)
    # One refusal is enough, though the pack asks for two approvals.
    assert refused.status == Status.REFUSED and refused.shared_at is None
    assert refused.refused_by_id == world.morgan.id and refused.refusal_reason == REASON

    # Staff see the outcome, who refused, when and why; nobody is offered the buttons.
    page = _client(app, world.jo).get(_url(world, disclosure)).get_data(as_text=True)
    assert "Refused: this information must not be shared" in page and REASON in page
    assert "Refused by" in page and "Morgan" in page
    kim = _kim(app)
    page = _client(app, kim).get(_url(world, disclosure)).get_data(as_text=True)
    assert "Approve this disclosure" not in page and "Refuse this disclosure" not in page
    with app.app_context():
        assert services.waiting_for(db.session.get(Account, kim.id)) == []  # type: ignore[arg-type]

    # It never left the organisation: not on the person's page, not in the figures.
    assert "family court" not in _client(app, world.sam).get("/what-we-shared").get_data(as_text=True)
    assert _counted_in_figures(app) == 0

    # Audited without the reason's words.
    events = _events(app, "disclosure.refused")
    assert len(events) == 1 and events[0].actor_id == world.morgan.id
    assert events[0].details["reason_given"] is True and "court order" not in str(events[0].details)


def test_refusing_an_emergency_share_leaves_it_shared_and_tells_managers(app: Flask, world: World) -> None:
    disclosure = _record(app, world, "child-in-danger")
    assert disclosure.status == Status.DONE_PENDING_APPROVAL
    manager = _client(app, world.morgan)
    assert "There are none." in manager.get(NOT_APPROVED).get_data(as_text=True)
    counted = _counted_in_figures(app)
    assert counted == 1

    kim = _kim(app)
    _refuse(app, world, kim, disclosure, reason="Not an immediate danger")
    refused = _disclosure(app)
    assert refused.status == Status.DONE_APPROVAL_REFUSED and refused.shared_at is not None

    # It did happen: the person is still told, and it still counts.
    assert "The family court" in _client(app, world.sam).get("/what-we-shared").get_data(as_text=True)
    assert _counted_in_figures(app) == counted
    # Managers see it listed; the detail page says what happened.
    listing = manager.get(NOT_APPROVED).get_data(as_text=True)
    assert disclosure.reference in listing and "Sam Taylor" in listing and "Kim" in listing
    page = manager.get(_url(world, disclosure)).get_data(as_text=True)
    assert "its approval was then refused" in page and "Not an immediate danger" in page
    assert "Approve this disclosure" not in page
    with app.app_context():
        assert [d.reference for d in services.not_approved_after_the_event()] == [disclosure.reference]
    # Caseworkers who are not managers do not get the managers' list.
    assert _client(app, world.jo).get(NOT_APPROVED).status_code == 403


def test_who_may_refuse_is_who_may_approve(app: Flask, world: World) -> None:
    disclosure = _record(app, world, "court-order")
    # The worker who recorded it may not refuse it, and is not offered the form.
    page = _client(app, world.jo).get(_url(world, disclosure)).get_data(as_text=True)
    assert "Refuse this disclosure" not in page
    page = _client(app, world.jo).post(_url(world, disclosure, "/refuse"), data={"refusal_reason": REASON},
                                       follow_redirects=True).get_data(as_text=True)
    assert "You can&#39;t refuse this disclosure" in page
    assert _disclosure(app).status == Status.PENDING
    # A role the pack does not name (administrators here) is refused outright.
    assert _refuse(app, world, world.ash, disclosure).status_code == 403
    assert "Refuse this disclosure" not in _client(app, world.ash).get(_url(world, disclosure)).get_data(as_text=True)
    # An approver who has already approved may not then refuse.
    _client(app, world.morgan).post(_url(world, disclosure, "/approve"))
    page = _client(app, world.morgan).get(_url(world, disclosure)).get_data(as_text=True)
    assert "1 of 2" in page and "Refuse this disclosure" not in page
    _refuse(app, world, world.morgan, disclosure)
    assert _disclosure(app).status == Status.PENDING
    assert _events(app, "disclosure.refused") == []


def test_no_refusing_twice_or_after_approval_is_complete(app: Flask, world: World) -> None:
    kim = _kim(app)
    disclosure = _record(app, world, "court-order")
    _client(app, world.morgan).post(_url(world, disclosure, "/approve"))
    _client(app, kim).post(_url(world, disclosure, "/approve"))
    assert _disclosure(app).status == Status.DONE
    with app.app_context():
        lee = add_account("lee@example.org", Role.MANAGER)
        db.session.commit()
    _refuse(app, world, lee, disclosure)
    assert _disclosure(app).status == Status.DONE and _disclosure(app).refused_at is None

    # A second refusal after the first changes nothing (the service says so too).
    _client(app, world.jo).post(PERSON_URL.format(reference=world.sam_person.reference) + "/new", data={
        "agency": "family-court", "kinds": ["parenting"], "purpose": "Second share",
        "channel": "secure-email", "circumstance": "court-order", "action": "record",
    })
    with app.app_context():
        second = db.session.scalars(select(Disclosure).where(Disclosure.id != disclosure.id)).one()
        reference = second.reference
    _refuse(app, world, world.morgan, second)
    _refuse(app, world, kim, second, reason="Another reason")
    with app.app_context():
        second = db.session.scalars(select(Disclosure).where(Disclosure.reference == reference)).one()
        assert second.status == Status.REFUSED and second.refused_by_id == world.morgan.id
        assert second.refusal_reason == REASON
        kim_account = db.session.get(Account, kim.id)
        assert kim_account is not None
        try:
            services.refuse(second, by=kim_account, reason="Again")
        except services.DisclosureError:
            pass
        else:
            raise AssertionError("a refused disclosure was refused again")
    assert len(_events(app, "disclosure.refused")) == 1


def test_a_refusal_needs_a_reason_and_keeps_what_was_typed(app: Flask, world: World) -> None:
    disclosure = _record(app, world, "court-order")
    response = _refuse(app, world, world.morgan, disclosure, reason="   ")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Say why you are refusing it." in page and "There is a problem" in page
    assert "<title>Error:" in page
    assert _disclosure(app).status == Status.PENDING

    too_long = "x" * 1001
    page = _refuse(app, world, world.morgan, disclosure, reason=too_long).get_data(as_text=True)
    assert "That is too long. Use 1000 characters or fewer." in page and too_long in page
    assert _disclosure(app).status == Status.PENDING and _events(app, "disclosure.refused") == []


def test_an_approval_and_a_refusal_at_the_same_moment_cannot_both_win(app: Flask, world: World) -> None:
    """The last approval needed and a refusal race: the lock lets exactly one through."""
    kim = _kim(app)
    disclosure = _record(app, world, "court-order")
    _client(app, world.morgan).post(_url(world, disclosure, "/approve"))  # 1 of 2
    with app.app_context():
        lee = add_account("lee@example.org", Role.MANAGER)
        db.session.commit()
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def decide(account_id: int, action: str) -> None:
        with app.app_context():
            account = db.session.get(Account, account_id)
            found = db.session.get(Disclosure, disclosure.id)
            assert account and found
            db.session.rollback()  # start fresh, as a request would
            barrier.wait()
            try:
                if action == "approve":
                    services.approve(found, by=account)
                else:
                    services.refuse(found, by=account, reason=REASON)
                db.session.commit()
                outcomes[action] = "won"
            except services.DisclosureError:
                db.session.rollback()
                outcomes[action] = "lost"

    threads = [threading.Thread(target=decide, args=(kim.id, "approve")),
               threading.Thread(target=decide, args=(lee.id, "refuse"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes.values()) == ["lost", "won"], outcomes
    final = _disclosure(app)
    if outcomes["approve"] == "won":
        assert final.status == Status.DONE and final.refused_at is None
    else:
        assert final.status == Status.REFUSED and final.shared_at is None and len(final.approvals) == 1


def test_a_manager_records_what_was_done_and_it_leaves_the_list(app: Flask, world: World) -> None:
    disclosure = _record(app, world, "child-in-danger")
    _refuse(app, world, _kim(app), disclosure, reason="Not an immediate danger")
    manager = _client(app, world.morgan)
    follow_up = _url(world, disclosure, "/follow-up")
    # A worker who is not a manager can't; an empty note is a message and changes nothing.
    assert _client(app, world.jo).post(follow_up, data={"follow_up_note": "x"}).status_code == 403
    page = manager.post(follow_up, data={"follow_up_note": "  "}).get_data(as_text=True)
    assert "Say what was done about it." in page
    assert disclosure.reference in manager.get("/staff/?kind=not-approved").get_data(as_text=True)

    response = manager.post(follow_up, data={"follow_up_note": "Spoke to Jo; told Sam in person"})
    assert response.status_code == 302
    page = manager.get(_url(world, disclosure)).get_data(as_text=True)
    assert "Looked into by" in page and "Spoke to Jo; told Sam in person" in page
    assert "There are none." in manager.get(NOT_APPROVED).get_data(as_text=True)
    assert disclosure.reference not in manager.get("/staff/?kind=not-approved").get_data(as_text=True)
    [event] = _events(app, "disclosure.followed_up")
    assert "Spoke" not in str(event.details)
    # Once is enough: a second note is refused.
    manager.post(follow_up, data={"follow_up_note": "Again"})
    assert "Again" not in manager.get(_url(world, disclosure)).get_data(as_text=True)
