"""What an advocate may do, and how fast it stops (issue 6, Done 1 and 2): allowed acts
succeed and are recorded as by the advocate, for the person; everything else is 403,
including guessed ids; removing, narrowing or suspending a link ends access on the
advocate's very next request, with their session still live."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.advocates import services
from portal.audit.models import AuditEvent
from portal.consent.models import ConsentChange
from portal.extensions import db
from portal.people.models import AdvocateLink
from tests.conftest import World, add_account, sign_in_as


def sams_link(app: Flask, world: World, **flags: bool | str) -> int:
    with app.app_context():
        link = db.session.scalars(select(AdvocateLink).where(
            AdvocateLink.advocate_id == world.alex.id, AdvocateLink.person_id == world.sam_person.id)).one()
        for name, value in flags.items():
            setattr(link, name, value)
        db.session.commit()
        return link.id


def helping_sam(app: Flask, world: World) -> FlaskClient:
    advocate = app.test_client()
    sign_in_as(advocate, world.alex)
    assert advocate.post("/helping", data={"person": world.sam_person.reference}).status_code == 302
    return advocate


def change_consent(advocate: FlaskClient) -> int:
    """Try to change a consent decision as far as the pages allow; returns the last status."""
    response = advocate.post("/consent/agency/family-court/parenting", data={"choice": "no"})
    if response.status_code != 302 or response.headers["Location"] != "/consent/check":
        return response.status_code
    return advocate.post("/consent/check", data={"name": "Alex", "understood": "y"}).status_code


def changes_count(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count(ConsentChange.id))) or 0)


def test_an_allowed_act_is_recorded_as_the_advocates_for_the_person(app: Flask, world: World) -> None:
    sams_link(app, world, may_decide_consent=True)
    advocate = helping_sam(app, world)
    assert change_consent(advocate) == 302
    with app.app_context():
        change = db.session.scalars(select(ConsentChange).order_by(ConsentChange.id.desc())).first()
        assert change is not None
        assert (change.acted_by_id, change.person_id, change.acted_as) == (world.alex.id, world.sam_person.id, "advocate")
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "consent.changed")
                                   .order_by(AuditEvent.id.desc())).first()
        assert event is not None
        assert (event.actor_id, event.person_id, event.acted_as) == (world.alex.id, world.sam_person.id, "advocate")
    # Sam sees it in their own activity list, as done by Alex.
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    activity = sam.get("/helpers/activity").get_data(as_text=True)
    assert "Changed your choices about sharing" in activity and "Alex" in activity
    assert "Opened your pages to help you" in activity
    # Robin, whom Alex does not help, sees none of it.
    robin = app.test_client()
    sign_in_as(robin, world.other)
    assert "Nothing yet." in robin.get("/helpers/activity").get_data(as_text=True)


def test_without_the_right_changing_consent_is_refused(app: Flask, world: World) -> None:
    sams_link(app, world, may_decide_consent=False)
    advocate = helping_sam(app, world)
    before = changes_count(app)
    assert change_consent(advocate) == 403
    assert advocate.post("/consent/stop").status_code == 403
    assert advocate.post("/consent/requests/1", data={"choice": "yes"}).status_code == 403
    assert changes_count(app) == before
    # Reading is what every link allows.
    assert advocate.get("/consent").status_code == 200


def test_an_advocate_never_manages_who_helps_the_person(app: Flask, world: World) -> None:
    """The advocate acts for Sam, never as Sam: Sam's own pages about helpers, safe contact
    and the staff side all refuse them, even while they are helping Sam."""
    link_id = sams_link(app, world, may_decide_consent=True, may_request_records=True)
    advocate = helping_sam(app, world)
    for method, url in (("GET", "/helpers"), ("GET", "/helpers/invite"), ("GET", "/helpers/activity"),
                        ("GET", f"/helpers/{link_id}"), ("POST", f"/helpers/{link_id}/remove"),
                        ("GET", "/helpers/never"), ("GET", "/contact"),
                        ("GET", f"/staff/people/{world.sam_person.reference}/advocates"),
                        ("POST", f"/staff/people/{world.sam_person.reference}/advocates/{link_id}/lift")):
        assert advocate.open(url, method=method).status_code == 403, url
    assert len(links_of(app, world)) == 1


def links_of(app: Flask, world: World) -> list[int]:
    with app.app_context():
        return [link.id for link in services.links_of(world.sam_person)]


def test_guessed_ids_of_another_persons_links_are_refused(app: Flask, world: World) -> None:
    with app.app_context():
        helper = add_account("dana@example.org", "advocate")  # type: ignore[arg-type]
        robins = AdvocateLink(advocate_id=helper.id, person_id=world.other_person.id,
                              relationship_label="Friend", basis="invited-by-person")
        db.session.add(robins)
        db.session.commit()
        robins_id, dana = robins.id, helper
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    assert sam.get(f"/helpers/{robins_id}").status_code == 403
    assert sam.post(f"/helpers/{robins_id}", data={"may_read": "y"}).status_code == 403
    assert sam.post(f"/helpers/{robins_id}/remove").status_code == 403
    assert sam.post("/helpers/99999/remove").status_code == 403
    with app.app_context():
        row = db.session.get(AdvocateLink, robins_id)
        assert row is not None and row.in_force
    # Dana, who helps Robin, can't start helping Sam by sending Sam's reference.
    other_advocate = app.test_client()
    sign_in_as(other_advocate, dana)
    assert other_advocate.post("/helping", data={"person": world.sam_person.reference}).status_code == 403
    # Staff pages check the link belongs to the person in the URL.
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    wrong = f"/staff/people/{world.sam_person.reference}/advocates/{robins_id}/suspend"
    assert staff.get(wrong).status_code == 404


def test_removing_ends_access_on_the_very_next_request(app: Flask, world: World) -> None:
    link_id = sams_link(app, world, may_decide_consent=True)
    advocate = helping_sam(app, world)
    assert "You are helping Sam." in advocate.get("/consent").get_data(as_text=True)
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    helpers = sam.get("/helpers").get_data(as_text=True)
    assert "Alex" in helpers and "Sister" in helpers and "Helping you since" in helpers
    assert "Answer our questions and change your choices about sharing" in helpers
    response = sam.post(f"/helpers/{link_id}/remove")  # one step
    assert response.status_code == 302
    assert "can no longer help you" in sam.get("/helpers").get_data(as_text=True)
    # Alex's session is still live, but the next request no longer shows Sam's pages.
    before = changes_count(app)
    assert advocate.get("/consent").headers["Location"] == "/home"
    assert change_consent(advocate) != 200
    assert changes_count(app) == before
    home = advocate.get("/home").get_data(as_text=True)
    assert "You are helping Sam" not in home and "Help Sam" not in home
    assert advocate.post("/helping", data={"person": world.sam_person.reference}).status_code == 403


def test_narrowing_takes_effect_on_the_next_request(app: Flask, world: World) -> None:
    link_id = sams_link(app, world, may_decide_consent=True)
    advocate = helping_sam(app, world)
    assert advocate.get("/consent/agency/family-court/parenting").status_code == 200
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    form = sam.get(f"/helpers/{link_id}").get_data(as_text=True)
    assert "What may Alex do for you?" in form
    sam.post(f"/helpers/{link_id}", data={"may_read": "y"})  # everything else unticked
    assert advocate.get("/consent/agency/family-court/parenting").status_code == 403
    assert advocate.get("/consent").status_code == 200  # still helping, with less
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and not link.may_decide_consent and not link.may_book
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "advocate.link_changed")).one()
        assert event.details["after"] == ["may_read"] and event.acted_as == "self"


def test_a_person_cannot_widen_a_link_staff_made_but_can_narrow_it(app: Flask, world: World) -> None:
    link_id = sams_link(app, world, basis="lasting-power-of-attorney", may_book=True)
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    page = sam.post(f"/helpers/{link_id}", data={"may_read": "y", "may_book": "y",
                                                 "may_decide_consent": "y"}).get_data(as_text=True)
    assert "To let them do more, talk to us" in page
    assert sam.post(f"/helpers/{link_id}", data={"may_read": "y"}).status_code == 302
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and not link.may_decide_consent and not link.may_book


def test_suspension_ends_access_at_once_and_the_reason_stays_with_staff(app: Flask, world: World) -> None:
    link_id = sams_link(app, world, may_decide_consent=True)
    advocate = helping_sam(app, world)
    assert advocate.get("/consent").status_code == 200
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    base = f"/staff/people/{world.sam_person.reference}/advocates/{link_id}"
    assert "Say why you are suspending it." in staff.post(f"{base}/suspend", data={"reason": ""}).get_data(as_text=True)
    reason = "Neighbour reported shouting about money"
    assert staff.post(f"{base}/suspend", data={"reason": reason}).status_code == 302
    # The advocate's live session: the very next request has lost Sam.
    assert advocate.get("/consent").headers["Location"] == "/home"
    assert change_consent(advocate) != 200
    for url in ("/home", "/account", "/invitation"):
        assert reason not in advocate.get(url).get_data(as_text=True)
    # Sam sees it is paused, not why; staff see why.
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    helpers = sam.get("/helpers").get_data(as_text=True)
    assert "Paused by our team" in helpers and reason not in helpers
    assert reason in staff.get(f"/staff/people/{world.sam_person.reference}/advocates").get_data(as_text=True)
    with app.app_context():
        for event in db.session.scalars(select(AuditEvent)):
            assert reason not in str(event.details)
        link = db.session.get(AdvocateLink, link_id)
        assert not services.may_request_records(link)
    # Lifted: helping again.
    assert staff.post(f"{base}/lift").status_code == 302
    assert advocate.post("/helping", data={"person": world.sam_person.reference}).status_code == 302
    assert advocate.get("/consent").status_code == 200


def test_asking_for_records_needs_the_persons_recorded_authority(app: Flask, world: World) -> None:
    link_id = sams_link(app, world)
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert not services.may_request_records(link)  # off unless granted
    sam = app.test_client()
    sign_in_as(sam, world.sam)
    sam.post(f"/helpers/{link_id}", data={"may_read": "y", "may_request_records": "y"})
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert services.may_request_records(link)
    sam.post(f"/helpers/{link_id}/remove")
    with app.app_context():
        assert not services.may_request_records(db.session.get(AdvocateLink, link_id))
        assert not services.may_request_records(None)


def test_an_advocate_asks_for_a_copy_of_records_only_with_the_persons_authority(app, world) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from portal.extensions import db
    from portal.people.models import AdvocateLink
    from tests.conftest import sign_in_as

    advocate = app.test_client()
    sign_in_as(advocate, world.alex)
    advocate.post("/helping", data={"person": world.sam_person.reference})
    assert advocate.get("/bookings/copy").status_code == 403
    with app.app_context():
        link = db.session.scalars(select(AdvocateLink)).one()
        link.may_request_records = True
        db.session.commit()
    assert advocate.get("/bookings/copy").status_code == 200
