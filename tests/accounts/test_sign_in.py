"""Signing in and the session rules (security.md "Sign-in" and "Sessions")."""

from __future__ import annotations

import logging
import time

import pytest
from argon2 import extract_parameters
from flask import Flask
from sqlalchemy import select

from portal.accounts.models import Account
from portal.accounts.passwords import hash_password
from portal.audit.models import AuditEvent
from portal.extensions import db
from tests.conftest import PASSWORD, World, make_test_app, sign_in, sign_in_as


def test_password_hashes_are_argon2id_with_strong_parameters() -> None:
    stored = hash_password("a long enough password")
    assert stored.startswith("$argon2id$")
    parameters = extract_parameters(stored)
    # ASVS 5 Appendix C minimums: m >= 19 MiB with t >= 2, or stronger.
    assert parameters.memory_cost >= 64 * 1024
    assert parameters.time_cost >= 3
    assert parameters.parallelism >= 1


@pytest.mark.parametrize("name", ["sam@example.org", "SAM@Example.org", "07700 900001", "+44 7700 900001", "sam", "Sam"])
def test_sign_in_by_email_phone_or_username(client, world: World, name: str) -> None:  # type: ignore[no-untyped-def]
    response = sign_in(client, name)
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert client.get("/home").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, world: World) -> None:  # type: ignore[no-untyped-def]
    response = sign_in(client, "sam@example.org", "not the password")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "The sign-in name or password is not right" in page
    assert "<title>Error:" in page
    # What the person typed as their sign-in name is kept (nothing typed is lost).
    assert 'value="sam@example.org"' in page
    unknown = sign_in(client, "nobody@example.org", "not the password").get_data(as_text=True)
    assert "The sign-in name or password is not right" in unknown


def test_session_id_changes_on_sign_in(client, world: World) -> None:  # type: ignore[no-untyped-def]
    client.get("/sign-in")
    with client.session_transaction() as session:
        session["sid"] = "planted-by-an-attacker"
        session["marker"] = "left from before"
    before = client.get_cookie("portal_session").value
    sign_in(client, "sam@example.org")
    after = client.get_cookie("portal_session").value
    assert before != after
    with client.session_transaction() as session:
        assert session["sid"] != "planted-by-an-attacker"
        assert "marker" not in session  # the old session was cleared, not carried over


def _age_session(client, *, idle_minutes: float = 0, age_minutes: float = 0) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as session:
        session["seen_at"] = time.time() - idle_minutes * 60
        session["auth_at"] = time.time() - age_minutes * 60


def test_service_user_is_signed_out_after_15_idle_minutes(client, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in_as(client, world.sam)
    _age_session(client, idle_minutes=14, age_minutes=14)
    assert client.get("/home").status_code == 200
    _age_session(client, idle_minutes=16, age_minutes=30)
    response = client.get("/home")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after a period without activity" in page


def test_staff_idle_limit_is_60_minutes(client, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in_as(client, world.jo)
    _age_session(client, idle_minutes=59, age_minutes=59)
    assert client.get("/staff/").status_code == 200
    _age_session(client, idle_minutes=61, age_minutes=61)
    assert client.get("/staff/").status_code == 302


def test_absolute_timeout_ends_even_a_busy_session(client, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in_as(client, world.sam)
    _age_session(client, idle_minutes=1, age_minutes=4 * 60 + 1)
    assert client.get("/home").status_code == 302
    sign_in_as(client, world.jo)
    _age_session(client, idle_minutes=1, age_minutes=10 * 60 + 1)
    assert client.get("/staff/").status_code == 302


def test_throttle_applies_to_one_account_not_all(app: Flask, world: World) -> None:
    client = app.test_client()
    for _ in range(5):
        assert "not right" in sign_in(client, "sam@example.org", "wrong guess").get_data(as_text=True)
    # The sixth try, even with the right password, waits.
    page = sign_in(client, "sam@example.org", PASSWORD).get_data(as_text=True)
    assert "too many tries" in page
    assert client.get("/home").status_code == 302
    # Rotating to the same account's username gains nothing.
    assert "too many tries" in sign_in(client, "sam", PASSWORD).get_data(as_text=True)
    # Another account is unaffected.
    other = app.test_client()
    assert sign_in(other, "jo@example.org", PASSWORD).status_code == 302


def test_throttle_is_kept_in_the_database_across_app_instances(database_url: str) -> None:
    """Two workers (two app instances on one database) share the count."""
    first = make_test_app(database_url)
    with first.app_context():
        from portal.accounts.models import Role
        from tests.conftest import add_account

        add_account("kim@example.org", Role.STAFF)
        db.session.commit()
    for _ in range(5):
        sign_in(first.test_client(), "kim@example.org", "wrong guess")
    second = make_test_app(database_url)
    page = sign_in(second.test_client(), "kim@example.org", PASSWORD).get_data(as_text=True)
    assert "too many tries" in page
    db.dispose(first)
    db.dispose(second)


def test_per_address_limit_answers_429_with_a_translated_page(database_url: str) -> None:
    app = make_test_app(database_url, SIGN_IN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, "someone@example.org", "whatever123").status_code == 200
    response = client.post("/sign-in", data={"sign_in_name": "x", "password": "y"},
                           headers={"Accept-Language": "cy"})
    assert response.status_code == 429
    assert "Traceback" not in response.get_data(as_text=True)
    assert 'lang="cy"' in response.get_data(as_text=True)
    db.dispose(app)


def test_password_change_ends_other_sessions(app: Flask, world: World) -> None:
    phone, laptop = app.test_client(), app.test_client()
    sign_in(phone, "sam@example.org")
    sign_in(laptop, "sam@example.org")
    new = "a brand new passphrase"
    response = laptop.post("/account/password", data={
        "current_password": PASSWORD, "password": new, "confirm": new})
    assert response.status_code == 302
    assert laptop.get("/home").status_code == 200  # the session that changed it carries on
    assert phone.get("/home").status_code == 302  # the other one has ended
    assert sign_in(app.test_client(), "sam@example.org", new).status_code == 302


def test_password_change_needs_the_current_password(client, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "sam@example.org")
    page = client.post("/account/password", data={
        "current_password": "not it", "password": "another passphrase", "confirm": "another passphrase",
    }).get_data(as_text=True)
    assert "Your current password is not right" in page
    assert sign_in(client.application.test_client(), "sam@example.org").status_code == 302


def test_disabling_an_account_ends_its_sessions(app: Flask, world: World) -> None:
    person = app.test_client()
    sign_in(person, "sam@example.org")
    staff = app.test_client()
    sign_in_as(staff, world.jo)
    assert staff.post(f"/staff/accounts/{world.sam.id}/disable").status_code == 302
    assert person.get("/home").status_code == 302
    assert "not right" in sign_in(app.test_client(), "sam@example.org").get_data(as_text=True)


def test_sign_out_everywhere(app: Flask, world: World) -> None:
    first, second = app.test_client(), app.test_client()
    sign_in(first, "jo@example.org")
    sign_in(second, "jo@example.org")
    first.post("/account/sign-out-everywhere")
    assert second.get("/staff/").status_code == 302
    assert first.get("/staff/").status_code == 302


def test_sign_out_is_post_only_and_ends_the_session(client, world: World) -> None:  # type: ignore[no-untyped-def]
    sign_in(client, "sam@example.org")
    assert client.get("/sign-out").status_code == 405
    assert client.get("/home").status_code == 200
    client.post("/sign-out")
    assert client.get("/home").status_code == 302


def test_no_password_appears_in_logs_or_audit(app: Flask, world: World, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    sign_in(client, "sam@example.org", "my-secret-wrong-password")
    sign_in(client, "sam@example.org")
    client.post("/account/password", data={
        "current_password": PASSWORD, "password": "my-new-secret-password", "confirm": "my-new-secret-password"})
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
    details = " ".join(str(e.details) for e in events)
    for secret in ("my-secret-wrong-password", PASSWORD, "my-new-secret-password"):
        assert secret not in caplog.text
        assert secret not in details
    kinds = [e.kind for e in events]
    assert kinds[-3:] == ["account.sign_in_failed", "account.signed_in", "account.password_changed"]


def test_signed_in_account_reads_only_fresh_state(app: Flask, world: World) -> None:
    """A disabled account cannot be used even with a session made before (server-side end)."""
    client = app.test_client()
    sign_in_as(client, world.alex)
    from portal.accounts.services import disable_account

    with app.app_context():
        account = db.session.get(Account, world.alex.id)
        admin = db.session.get(Account, world.ash.id)
        assert account is not None and admin is not None
        disable_account(account, by=admin)
        db.session.commit()
    assert client.get("/home").status_code == 302
