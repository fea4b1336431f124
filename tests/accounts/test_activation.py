"""First contact: staff create a service user, who activates with a one-time code."""

from __future__ import annotations

import re
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from portal.accounts import services
from portal.accounts.models import Account, ActivationCode
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from portal.people.models import Person
from tests.conftest import World, sign_in, sign_in_as


def create_person(client: FlaskClient, **fields: str) -> tuple[str, str]:
    data = {"full_name": "Rana Ali", "known_as": "Rana", "language": "en", "phone": "07700 900123"}
    data.update(fields)
    response = client.post("/staff/people/new", data=data)
    assert response.status_code == 200, response.get_data(as_text=True)
    page = response.get_data(as_text=True)
    code = re.search(r'name="code" value="([A-Z0-9]{12})"', page)
    assert code, "the code is shown to staff"
    return code.group(1), page


def activate(client: FlaskClient, code: str, password: str = "blue kettle morning"):  # type: ignore[no-untyped-def]
    first = client.post("/activate", data={"code": code})
    if first.status_code != 302:
        return first
    return client.post("/activate/password", data={"password": password, "confirm": password})


def test_staff_create_a_person_and_the_code_activates_their_account(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    code, page = create_person(staff, date_of_birth="27 3 2007")
    assert services.format_code(code) in page  # shown on screen, grouped for reading aloud
    with app.app_context():
        person = db.session.scalars(select(Person).where(Person.full_name == "Rana Ali")).one()
        account = db.session.scalars(select(Account).where(Account.person_id == person.id)).one()
        assert account.password_hash is None and account.phone == "+447700900123"
        assert str(person.date_of_birth) == "2007-03-27"
        # Only a digest is stored, never the code.
        stored = db.session.scalars(select(ActivationCode)).all()
        assert code not in " ".join(row.code_digest for row in stored)
    phone = app.test_client()
    # Typed in lower case with spaces, as people do.
    spaced = " ".join(code[i:i + 4] for i in range(0, 12, 4)).lower()
    response = activate(phone, spaced)
    assert response.status_code == 302 and response.headers["Location"] == "/home"
    assert "Hello Rana" in phone.get("/home").get_data(as_text=True)
    assert sign_in(app.test_client(), "07700 900123", "blue kettle morning").status_code == 302


def test_activation_code_is_single_use(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    code, _ = create_person(staff)
    assert activate(app.test_client(), code).status_code == 302
    again = activate(app.test_client(), code, "someone else's password")
    assert again.status_code == 200
    assert "has been used" in again.get_data(as_text=True)


def test_activation_code_expires_after_seven_days(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    code, _ = create_person(staff)
    with app.app_context():
        assert services.find_activation(code, now=utcnow() + timedelta(days=6, hours=23)) is not None
        assert services.find_activation(code, now=utcnow() + timedelta(days=7, seconds=1)) is None
        row = db.session.scalars(select(ActivationCode)).all()[-1]
        assert timedelta(days=6, hours=23) < row.expires_at - row.created_at <= timedelta(days=7)
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    assert activate(app.test_client(), code).status_code == 200


def test_a_new_code_replaces_the_old_one(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    old, _ = create_person(staff)
    with app.app_context():
        account_id = db.session.scalars(select(Account.id).where(Account.phone == "+447700900123")).one()
    page = staff.post(f"/staff/accounts/{account_id}/activation-code").get_data(as_text=True)
    new = re.search(r'name="code" value="([A-Z0-9]{12})"', page).group(1)  # type: ignore[union-attr]
    assert new != old
    assert activate(app.test_client(), old).status_code == 200
    assert activate(app.test_client(), new).status_code == 302


def test_weak_passwords_are_refused_and_long_ones_accepted(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    code, _ = create_person(staff, username="rana.alexandra")
    phone = app.test_client()
    assert phone.post("/activate", data={"code": code}).status_code == 302
    def choose(password: str, confirm: str | None = None) -> str:
        return phone.post("/activate/password", data={
            "password": password, "confirm": password if confirm is None else confirm,
        }).get_data(as_text=True)
    assert "at least 10 characters" in choose("short")
    assert "most common passwords" in choose("1234567890")
    assert "most common passwords" in choose("QWERTYUIOP")
    assert "same as your sign-in name" in choose("Rana.Alexandra")
    assert "not the same" in choose("one long passphrase", "another long passphrase")
    # No composition rules, no truncation: a 100-character passphrase works, symbols or not.
    long = "correct horse battery staple " * 3 + "and then some more words"
    phone.post("/activate/password", data={"password": long, "confirm": long})
    assert sign_in(app.test_client(), "rana.alexandra", long).status_code == 302
    assert sign_in(app.test_client(), "rana.alexandra", long[:64]).status_code == 200


def test_validation_errors_keep_what_staff_typed(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    page = staff.post("/staff/people/new", data={
        "full_name": "Rana Ali", "known_as": "Rana", "date_of_birth": "31 2 2001", "language": "ar",
    }).get_data(as_text=True)
    assert "Enter a real date" in page
    assert "Give at least one of email address, phone number or username" in page
    assert 'value="Rana Ali"' in page and 'value="31 2 2001"' in page
    assert '<option value="ar" selected' in page
    with app.app_context():
        assert db.session.scalars(select(Person).where(Person.full_name == "Rana Ali")).first() is None


def test_a_sign_in_name_already_in_use_is_refused(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    page = staff.post("/staff/people/new", data={
        "full_name": "Sam Again", "language": "en", "email": "SAM@example.org"}).get_data(as_text=True)
    assert "Another account already uses this" in page


def test_creating_a_person_is_audited_as_the_staff_member(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    create_person(staff)
    with app.app_context():
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.kind == "person.created")).one()
        assert event.actor_id == world.jo.id and event.acted_as == "staff"
        assert event.person_id is not None


def test_activation_letter_pdf_needs_the_code_just_shown(app: Flask, world: World) -> None:
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    code, _ = create_person(staff, language="cy")
    with app.app_context():
        account_id = db.session.scalars(select(Account.id).where(Account.phone == "+447700900123")).one()
    response = staff.post(f"/staff/accounts/{account_id}/activation-letter", data={"code": code})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    import io

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert services.format_code(code) in text
    wrong = staff.post(f"/staff/accounts/{account_id}/activation-letter", data={"code": "ABCDEFGHJKMN"})
    assert wrong.status_code == 400
    other = staff.post(f"/staff/accounts/{world.other.id}/activation-letter", data={"code": code})
    assert other.status_code == 400
