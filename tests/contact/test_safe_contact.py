"""Safe-contact preferences: set by the person only, kept as versions, shown to staff before
contact (domain.md, "Safety of people at risk"; SEC-1, SEC-2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.accounts.models import Account, Role
from portal.audit.models import AuditEvent
from portal.contact import services
from portal.contact.models import ContactPreference, SafeTimes
from portal.db import AppendOnlyError
from portal.extensions import db
from portal.people.models import AdvocateLink, Person
from tests.conftest import World, _make_world, make_test_app, sign_in_as

NOTE = "My partner reads my texts"


def rows(app: Flask, person_id: int) -> list[ContactPreference]:
    with app.app_context():
        return list(db.session.scalars(
            select(ContactPreference).where(ContactPreference.person_id == person_id)
            .order_by(ContactPreference.id)
        ))


def in_force(app: Flask, person_id: int) -> services.Preferences:
    with app.app_context():
        person = db.session.get(Person, person_id)
        assert person is not None
        return services.in_force(person)


def test_the_default_is_that_no_channel_is_safe(app: Flask, world: World) -> None:
    assert in_force(app, world.sam_person.id) == services.DEFAULT
    assert not services.DEFAULT.any_channel and not services.DEFAULT.may_leave_message
    client = app.test_client()
    sign_in_as(client, world.sam)
    page = client.get("/contact").get_data(as_text=True)
    assert "we will not phone, text or email you" in page
    assert 'checked' not in page.split("Which ways are safe?")[1].split("When is it safe")[0]


def test_the_form_saves_a_new_version_each_time_and_the_latest_wins(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    response = client.post("/contact", data={"email": "y", "safe_times": "weekdays",
                                              "leave_message": "no", "note": f"  {NOTE}  "})
    assert response.status_code == 302 and response.headers["Location"] == "/contact"
    page = client.get("/contact").get_data(as_text=True)
    assert "Saved." in page and NOTE in page and "Last changed" in page
    assert 'id="email" name="email" value="y" checked' in page
    assert 'value="weekdays" checked' in page

    client.post("/contact", data={"text": "y", "phone": "y", "safe_times": "evenings",
                                  "leave_message": "yes", "note": ""})
    versions = rows(app, world.sam_person.id)
    assert [(v.email_ok, v.text_ok, v.phone_ok, v.safe_times, v.may_leave_message, v.note)
            for v in versions] == [
        (True, False, False, SafeTimes.WEEKDAYS, False, NOTE),
        (False, True, True, SafeTimes.EVENINGS, True, None),
    ]
    assert {v.set_by_id for v in versions} == {world.sam.id}
    now = in_force(app, world.sam_person.id)
    assert (now.email_ok, now.text_ok, now.safe_times) == (False, True, SafeTimes.EVENINGS)

    # Ticking nothing is a choice too: "don't contact me, I'll sign in". No time needed.
    client.post("/contact", data={"leave_message": "no"})
    assert not in_force(app, world.sam_person.id).any_channel
    assert len(rows(app, world.sam_person.id)) == 3

    with app.app_context():
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.kind == "contact.preferences-changed")).all()
        assert len(events) == 3 and all(e.actor_id == world.sam.id for e in events)
        assert all(NOTE not in str(e.details) for e in events)  # the note stays out of the log


@pytest.mark.parametrize(("data", "message"), [
    ({"email": "y", "leave_message": "no"}, "Choose when it is safe to contact you."),
    ({"email": "y", "safe_times": "midnight", "leave_message": "no"}, "Choose when it is safe to contact you."),
    ({"safe_times": "any", "leave_message": "maybe"}, "Choose yes or no."),
    ({"safe_times": "any", "leave_message": "no", "note": "x" * 301},
     "That is too long. Use 300 characters or fewer."),
])
def test_bad_input_is_refused_with_a_message(app: Flask, world: World, data: dict[str, str],
                                             message: str) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    response = client.post("/contact", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in page and message in page and "<title>Error:" in page
    assert rows(app, world.sam_person.id) == []


def test_advocates_never_see_or_change_it_even_with_every_grant(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    client.post("/contact", data={"email": "y", "safe_times": "any", "leave_message": "no", "note": NOTE})
    with app.app_context():
        link = db.session.scalars(select(AdvocateLink)).one()
        link.may_decide_consent = link.may_book = link.may_see_disclosures = True
        db.session.commit()
    advocate = app.test_client()
    sign_in_as(advocate, world.alex)
    advocate.post("/helping", data={"person": world.sam_person.reference})
    for response in (advocate.get("/contact"),
                     advocate.post("/contact", data={"phone": "y", "safe_times": "any", "leave_message": "yes"})):
        assert response.status_code == 403
        assert NOTE not in response.get_data(as_text=True)
    home = advocate.get("/home").get_data(as_text=True)
    assert "/contact" not in home
    assert len(rows(app, world.sam_person.id)) == 1


@pytest.mark.parametrize("role", [Role.STAFF, Role.VOLUNTEER, Role.MANAGER, Role.ADMINISTRATOR], ids=str)
def test_the_staff_side_cannot_open_the_persons_page(app: Flask, world: World, role: Role) -> None:
    client = app.test_client()
    sign_in_as(client, world.by_role(role))
    assert client.get("/contact").status_code == 403
    assert client.post("/contact", data={"email": "y", "safe_times": "any",
                                         "leave_message": "no"}).status_code == 403
    assert rows(app, world.sam_person.id) == []


def test_only_the_person_may_set_them_in_the_service_too(app: Flask, world: World) -> None:
    with app.app_context():
        person = db.session.get(Person, world.sam_person.id)
        assert person is not None
        for account_id in (world.alex.id, world.jo.id, world.other.id):
            account = db.session.get(Account, account_id)
            assert account is not None
            with pytest.raises(services.ContactError):
                services.set_preferences(person, by=account, email_ok=True, text_ok=False,
                                         phone_ok=False, safe_times=SafeTimes.ANY,
                                         may_leave_message=False, note=None)


def test_staff_see_them_on_the_persons_record_before_contact(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    page = staff.get(f"/staff/people/{world.sam_person.reference}").get_data(as_text=True)
    assert "How to contact them safely" in page
    assert "They have not told us. Do not phone, text or email them" in page
    # Shown near the top: before the other details of the record.
    assert page.index("How to contact them safely") < page.index("Likes to be called")

    person = app.test_client()
    sign_in_as(person, world.sam)
    person.post("/contact", data={"text": "y", "phone": "y", "safe_times": "weekdays",
                                  "leave_message": "no", "note": NOTE})
    page = staff.get(f"/staff/people/{world.sam_person.reference}").get_data(as_text=True)
    box = page.split('id="safe-contact"')[1].split("</div>\n<dl")[0]
    assert "Text message, Phone call" in box and "Email" not in box
    assert "Weekdays, 9am to 5pm" in box
    assert "No. Do not leave a message with anyone." in box
    assert NOTE in box

    person.post("/contact", data={"leave_message": "no"})
    page = staff.get(f"/staff/people/{world.sam_person.reference}").get_data(as_text=True)
    assert "None. Do not phone, text or email them: they will sign in." in page


def test_versions_are_never_edited_or_deleted(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.sam)
    client.post("/contact", data={"email": "y", "safe_times": "any", "leave_message": "no"})
    with app.app_context():
        row = db.session.scalars(select(ContactPreference)).one()
        row.email_ok = False
        with pytest.raises(AppendOnlyError):
            db.session.flush()
        db.session.rollback()
        for statement in ("UPDATE contact_preferences SET email_ok = false",
                          "DELETE FROM contact_preferences"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()


@pytest.mark.parametrize(("safe_times", "moment", "expected"), [
    (SafeTimes.ANY, datetime(2027, 1, 9, 3, 0, tzinfo=UTC), True),  # a Saturday, 3am
    (SafeTimes.WEEKDAYS, datetime(2027, 1, 11, 9, 0, tzinfo=UTC), True),  # Monday 9:00 GMT
    (SafeTimes.WEEKDAYS, datetime(2027, 1, 11, 8, 59, tzinfo=UTC), False),
    (SafeTimes.WEEKDAYS, datetime(2027, 1, 15, 16, 59, tzinfo=UTC), True),  # Friday
    (SafeTimes.WEEKDAYS, datetime(2027, 1, 15, 17, 0, tzinfo=UTC), False),
    (SafeTimes.WEEKDAYS, datetime(2027, 1, 9, 12, 0, tzinfo=UTC), False),  # Saturday noon
    # Summer time: 8:30 UTC is 9:30 in London.
    (SafeTimes.WEEKDAYS, datetime(2027, 6, 14, 8, 30, tzinfo=UTC), True),
    (SafeTimes.WEEKDAYS, datetime(2027, 6, 14, 16, 30, tzinfo=UTC), False),
    (SafeTimes.EVENINGS, datetime(2027, 1, 9, 18, 0, tzinfo=UTC), True),  # weekends too
    (SafeTimes.EVENINGS, datetime(2027, 1, 11, 20, 59, tzinfo=UTC), True),
    (SafeTimes.EVENINGS, datetime(2027, 1, 11, 21, 0, tzinfo=UTC), False),
    (SafeTimes.EVENINGS, datetime(2027, 1, 11, 12, 0, tzinfo=UTC), False),
])
def test_safe_times_are_read_on_the_organisations_clock(app: Flask, world: World, safe_times: SafeTimes,
                                                        moment: datetime, expected: bool) -> None:
    with app.app_context():
        assert services.is_safe_time(safe_times, moment) is expected


def test_a_post_without_the_form_token_changes_nothing(database_url: str) -> None:
    app = make_test_app(database_url, WTF_CSRF_ENABLED=True)
    with app.app_context():
        world = _make_world()
    client = app.test_client()
    sign_in_as(client, world.sam)
    response = client.post("/contact", data={"email": "y", "safe_times": "any", "leave_message": "yes"})
    assert response.status_code == 400
    assert rows(app, world.sam_person.id) == []
    db.dispose(app)
