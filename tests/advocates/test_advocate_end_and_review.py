"""Staff end an advocate link for good, with a reason kept for staff only, and review the
links they recorded on their review date (issue 6 follow-up)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from portal.accounts.models import Role
from portal.advocates import services
from portal.advocates.models import AdvocateLinkEnding, AdvocateLinkReview
from portal.audit.models import AuditEvent
from portal.consent.services import add_months, local_today
from portal.extensions import db
from portal.people.models import AdvocateLink
from tests.conftest import World, add_account, sign_in_as

SAFEGUARDING_NOTE = "Sam said Alex takes their phone"


def sams_link_id(app: Flask, world: World) -> int:
    with app.app_context():
        return int(db.session.scalars(select(AdvocateLink.id).where(
            AdvocateLink.advocate_id == world.alex.id,
            AdvocateLink.person_id == world.sam_person.id)).one())


def signed_in(app: Flask, account: object) -> FlaskClient:
    client = app.test_client()
    sign_in_as(client, account)  # type: ignore[arg-type]
    return client


def today_here(app: Flask) -> date:
    with app.app_context():
        return local_today()


def staff_made_link(app: Flask, world: World, *, review_in_days: int, email: str = "morgan.parent@example.org",
                    suspended: bool = False, ended: bool = False) -> int:
    """A link staff recorded for Robin, with a review date ``review_in_days`` from today."""
    with app.app_context():
        advocate = add_account(email, Role.ADVOCATE)
        link = AdvocateLink(advocate_id=advocate.id, person_id=world.other_person.id,
                            relationship_label="Mother", basis="lasting-power-of-attorney",
                            review_date=local_today() + timedelta(days=review_in_days),
                            granted_by_id=world.jo.id, may_read=True)
        db.session.add(link)
        db.session.flush()
        if suspended:
            link.suspended_at = link.started_at
        if ended:
            link.ended_at = link.started_at
        db.session.commit()
        return link.id


# --- ending a link -----------------------------------------------------------------------


def test_staff_end_a_link_at_once_and_the_person_sees_it_without_the_reason(
        app: Flask, world: World) -> None:
    link_id = sams_link_id(app, world)
    advocate = signed_in(app, world.alex)
    assert advocate.post("/helping", data={"person": world.sam_person.reference}).status_code == 302
    assert advocate.get("/bookings").status_code == 200  # helping Sam now

    staff = signed_in(app, world.jo)
    url = f"/staff/people/{world.sam_person.reference}/advocates/{link_id}/end"
    page = staff.get(url).get_data(as_text=True)
    assert "This is final." in page and "A safeguarding concern" in page
    response = staff.post(url, data={"reason": "safeguarding", "details": SAFEGUARDING_NOTE})
    assert response.status_code == 302

    # The advocate's very next request, in the session they already had: no longer helping.
    response = advocate.get("/bookings")
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert "Sam" not in advocate.get("/home").get_data(as_text=True)
    assert advocate.post("/helping", data={"person": world.sam_person.reference}).status_code == 403

    # Staff see why, and who ended it; there is nothing left to suspend, lift or end.
    listing = staff.get(f"/staff/people/{world.sam_person.reference}/advocates").get_data(as_text=True)
    assert "Ended on" in listing and "A safeguarding concern" in listing and SAFEGUARDING_NOTE in listing
    assert "End this link" not in listing and "Suspend now" not in listing

    # Sam sees Alex is no longer linked, and that our team did it, but not why.
    sam = signed_in(app, world.sam)
    helpers = sam.get("/helpers").get_data(as_text=True)
    assert "No longer helping you" in helpers
    assert "Alex can no longer help you. Our team ended this on" in helpers
    assert "safeguarding" not in helpers.lower() and SAFEGUARDING_NOTE not in helpers
    assert "Stop them helping you" not in helpers  # not listed as a current helper

    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and link.ended_at is not None and link.ended_by_id == world.jo.id
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "advocate.link_ended")).one()
        assert (event.actor_id, event.person_id, event.acted_as) == (world.jo.id, world.sam_person.id, "staff")
        # The reason and the note stay out of the audit trail (it may become part of a copy
        # of Sam's records), and the note is stored encrypted.
        assert event.details == {"link": link_id, "invitations_cancelled": 0}
        stored = db.session.execute(text("SELECT reason, details FROM advocate_link_endings")).one()
        assert stored.reason == "safeguarding" and SAFEGUARDING_NOTE not in stored.details


def test_ending_is_final(app: Flask, world: World) -> None:
    link_id = sams_link_id(app, world)
    staff = signed_in(app, world.jo)
    base = f"/staff/people/{world.sam_person.reference}/advocates/{link_id}"
    assert staff.post(f"{base}/end", data={"reason": "advocate-asked"}).status_code == 302
    # Ending again, lifting or reviewing changes nothing.
    response = staff.post(f"{base}/end", data={"reason": "other", "details": "Again"}, follow_redirects=True)
    assert "That link has already ended." in response.get_data(as_text=True)
    staff.post(f"{base}/lift")
    staff.post(f"{base}/suspend", data={"reason": "x"})
    staff.post(f"{base}/review", data={"next_review": "1 1 2099"})
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and link.ended_at is not None and link.suspended_at is None
        assert db.session.scalar(select(func.count(AdvocateLinkEnding.id))) == 1
        assert db.session.scalars(select(AdvocateLinkEnding.reason)).one() == "advocate-asked"
        assert db.session.scalar(select(func.count(AdvocateLinkReview.id))) == 0
    # A new link needs a new invitation (or a new recorded basis): the old one stays ended.
    advocate = signed_in(app, world.alex)
    assert advocate.post("/helping", data={"person": world.sam_person.reference}).status_code == 403


def test_an_invitation_to_the_same_advocate_still_waiting_stops_working(app: Flask, world: World) -> None:
    """Otherwise a code given before the ending (perhaps under pressure) would let them back."""
    link_id = sams_link_id(app, world)
    with app.app_context():
        issued = services.invite(world.sam_person, email="alex@example.org", name="Alex",
                                 relationship_label="Sister", grant=services.Grant(), by=world.sam)
        db.session.commit()
    staff = signed_in(app, world.jo)
    staff.post(f"/staff/people/{world.sam_person.reference}/advocates/{link_id}/end",
               data={"reason": "safeguarding"})
    with app.app_context():
        assert services.accept(issued.code, account=world.alex, email=None).outcome == "refused"
        assert services.links_of(world.sam_person) == []
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "advocate.link_ended")).one()
        assert event.details["invitations_cancelled"] == 1


def test_a_suspended_link_can_be_ended(app: Flask, world: World) -> None:
    link_id = sams_link_id(app, world)
    staff = signed_in(app, world.morgan)
    base = f"/staff/people/{world.sam_person.reference}/advocates/{link_id}"
    staff.post(f"{base}/suspend", data={"reason": "Worried"})
    assert "End this link" in staff.get(f"/staff/people/{world.sam_person.reference}/advocates").get_data(as_text=True)
    assert staff.post(f"{base}/end", data={"reason": "basis-ended"}).status_code == 302
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and link.ended_at is not None and link.ended_by_id == world.morgan.id


def test_ending_refusals_keep_what_was_typed_and_change_nothing(app: Flask, world: World) -> None:
    link_id = sams_link_id(app, world)
    staff = signed_in(app, world.jo)
    url = f"/staff/people/{world.sam_person.reference}/advocates/{link_id}/end"
    page = staff.post(url, data={"details": "Typed first"}).get_data(as_text=True)
    assert "There is a problem" in page and "Choose why you are ending it." in page
    assert 'value="Typed first"' in page
    page = staff.post(url, data={"reason": "made-up"}).get_data(as_text=True)
    assert "Choose why you are ending it." in page
    page = staff.post(url, data={"reason": "other", "details": "  "}).get_data(as_text=True)
    assert "Say why you are ending it." in page
    page = staff.post(url, data={"reason": "person-asked", "details": "x" * 501}).get_data(as_text=True)
    assert "That is too long. Use 500 characters or fewer." in page
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and link.in_force
        assert db.session.scalar(select(func.count(AdvocateLinkEnding.id))) == 0


def test_another_persons_link_id_and_other_roles_are_refused(app: Flask, world: World) -> None:
    link_id = sams_link_id(app, world)
    staff = signed_in(app, world.jo)
    # Sam's link under Robin's reference: not found.
    robin = f"/staff/people/{world.other_person.reference}/advocates/{link_id}"
    assert staff.post(f"{robin}/end", data={"reason": "person-asked"}).status_code == 404
    assert staff.post(f"{robin}/review", data={"next_review": "1 1 2027"}).status_code == 404
    assert staff.get(f"/staff/people/{world.sam_person.reference}/advocates/999/end").status_code == 404
    sams = f"/staff/people/{world.sam_person.reference}/advocates/{link_id}"
    for account in (world.vic, world.sam, world.alex):
        assert signed_in(app, account).post(f"{sams}/end", data={"reason": "person-asked"}).status_code == 403
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and link.in_force


def test_links_the_person_ended_themselves_are_not_listed_as_ended_by_us(app: Flask, world: World) -> None:
    """Someone who sees the person's screen should not learn that the person removed them."""
    link_id = sams_link_id(app, world)
    sam = signed_in(app, world.sam)
    assert sam.post(f"/helpers/{link_id}/remove").status_code == 302
    helpers = sam.get("/helpers").get_data(as_text=True)
    assert "No longer helping you" not in helpers and "Our team ended this" not in helpers


def test_the_person_sees_a_staff_ending_for_90_days(app: Flask, world: World) -> None:
    link_id = sams_link_id(app, world)
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None
        services.end_by_staff(link, reason="person-asked", details=None, by=world.jo)
        db.session.commit()
        ended_at = link.ended_at
        assert ended_at is not None
        assert [x.id for x in services.ended_by_staff(world.sam_person, now=ended_at + timedelta(days=89))] == [link_id]
        assert services.ended_by_staff(world.sam_person, now=ended_at + timedelta(days=91)) == []
        assert services.ended_by_staff(world.other_person, now=ended_at) == []
        # Linked again since (a new basis): no longer shown as stopped.
        services.staff_link(world.sam_person, world.alex, relationship_label="Sister", basis="asked-in-person",
                            basis_details=None, review_date=date(2099, 1, 1), grant=services.Grant(),
                            by=world.jo)
        assert services.ended_by_staff(world.sam_person, now=ended_at) == []


# --- reviews ------------------------------------------------------------------------------


def test_links_due_for_review(app: Flask, world: World) -> None:
    later = staff_made_link(app, world, review_in_days=14, email="a@example.org")
    overdue = staff_made_link(app, world, review_in_days=-3, email="b@example.org")
    not_yet = staff_made_link(app, world, review_in_days=15, email="c@example.org")
    staff_made_link(app, world, review_in_days=-5, email="d@example.org", suspended=True)
    staff_made_link(app, world, review_in_days=-5, email="e@example.org", ended=True)
    today_link = staff_made_link(app, world, review_in_days=0, email="f@example.org")
    with app.app_context():
        today = local_today()
        # Oldest review date first; Sam's own invitation (no review date) never appears.
        assert [link.id for link in services.links_due_for_review(today)] == [overdue, today_link, later]
        assert [link.id for link in services.links_due_for_review(today, within_days=0)] == [overdue, today_link]
        assert [link.id for link in services.links_due_for_review(today + timedelta(days=1), within_days=14)] == [
            overdue, today_link, later, not_yet]


def test_reviewed_keep_this_link_with_a_new_review_date(app: Flask, world: World) -> None:
    link_id = staff_made_link(app, world, review_in_days=3)
    staff = signed_in(app, world.jo)
    listing_url = f"/staff/people/{world.other_person.reference}/advocates"
    listing = staff.get(listing_url).get_data(as_text=True)
    assert "Reviewed: keep this link" in listing
    url = f"{listing_url}/{link_id}/review"
    page = staff.get(url).get_data(as_text=True)
    assert "Lasting power of attorney" in page and "End this link instead" in page
    today = today_here(app)
    next_review = add_months(today, 12)
    response = staff.post(url, data={"next_review": f"{next_review.day} {next_review.month} {next_review.year}"})
    assert response.status_code == 302
    listing = staff.get(listing_url).get_data(as_text=True)
    assert "Last reviewed on" in listing and "Jo" in listing
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and link.review_date == next_review and link.in_force
        review = db.session.scalars(select(AdvocateLinkReview)).one()
        assert (review.link_id, review.reviewed_by_id, review.next_review_date) == (link_id, world.jo.id, next_review)
        assert review.previous_review_date == today + timedelta(days=3)
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "advocate.link_reviewed")).one()
        assert (event.actor_id, event.person_id, event.acted_as) == (world.jo.id, world.other_person.id, "staff")
        assert event.details == {"link": link_id, "next_review": next_review.isoformat()}
        assert link_id not in [x.id for x in services.links_due_for_review(today)]


def test_the_review_date_must_be_in_the_future_and_at_most_two_years_ahead(app: Flask, world: World) -> None:
    link_id = staff_made_link(app, world, review_in_days=3)
    staff = signed_in(app, world.jo)
    url = f"/staff/people/{world.other_person.reference}/advocates/{link_id}/review"
    today = today_here(app)

    def typed(day: date) -> str:
        return f"{day.day} {day.month} {day.year}"

    for day in (today - timedelta(days=1), today):
        page = staff.post(url, data={"next_review": typed(day)}).get_data(as_text=True)
        assert "The review date must be in the future." in page and "Error:" in page
    latest = add_months(today, 24)
    page = staff.post(url, data={"next_review": typed(latest + timedelta(days=1))}).get_data(as_text=True)
    assert "The review date can be at most 2 years ahead: on or before" in page
    assert f'value="{typed(latest + timedelta(days=1))}"' in page  # what was typed is kept
    page = staff.post(url, data={"next_review": "31 2 2027"}).get_data(as_text=True)
    assert "Enter a real date, like 27 3 2007." in page
    assert "Enter the date of the next review." not in page  # one message, not two
    page = staff.post(url, data={"next_review": ""}).get_data(as_text=True)
    assert "Enter the date of the next review." in page
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and link.review_date == today + timedelta(days=3)
        assert db.session.scalar(select(func.count(AdvocateLinkReview.id))) == 0
    # Exactly two years ahead is allowed.
    assert staff.post(url, data={"next_review": typed(latest)}).status_code == 302
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and link.review_date == latest


def test_a_link_the_person_made_has_no_review(app: Flask, world: World) -> None:
    link_id = sams_link_id(app, world)
    staff = signed_in(app, world.jo)
    listing_url = f"/staff/people/{world.sam_person.reference}/advocates"
    assert "Reviewed: keep this link" not in staff.get(listing_url).get_data(as_text=True)
    response = staff.post(f"{listing_url}/{link_id}/review", data={"next_review": "1 1 2027"},
                          follow_redirects=True)
    assert "That link has no review to record." in response.get_data(as_text=True)
    with app.app_context():
        link = db.session.get(AdvocateLink, link_id)
        assert link is not None and link.review_date is None
        assert db.session.scalar(select(func.count(AdvocateLinkReview.id))) == 0
        try:
            services.keep_after_review(link, next_review=local_today() + timedelta(days=30),
                                       today=local_today(), by=world.jo)
        except services.AdvocateError as error:
            assert error.reason == "no-review-date"
        else:
            raise AssertionError("an invitation link was given a review")


def test_reviews_due_are_on_the_staff_workspace(app: Flask, world: World) -> None:
    """A link whose review is overdue waits on the workspace, marked overdue; once reviewed
    it leaves the list."""
    staff_made_link(app, world, review_in_days=-2)
    staff = signed_in(app, world.jo)
    page = staff.get("/staff/?kind=link-review").get_data(as_text=True)
    assert "A helper's link to review" in page and world.other_person.reference in page
    assert "Overdue" in page
    with app.app_context():
        link = db.session.scalars(select(AdvocateLink).where(
            AdvocateLink.person_id == world.other_person.id)).one()
        services.keep_after_review(link, next_review=local_today() + timedelta(days=90),
                                   today=local_today(), by=world.jo)
        db.session.commit()
    assert world.other_person.reference not in staff.get("/staff/?kind=link-review").get_data(as_text=True)
