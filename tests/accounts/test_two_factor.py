"""Two-step sign-in for staff-side accounts (security.md "Sign-in": TOTP, each code usable
once, recovery codes; ASVS 5 6.3.3, 6.5.1, 7.5.1). Codes are computed with pyotp, as the
person's authenticator app would."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import timedelta

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text

from portal.accounts import two_factor
from portal.accounts.models import Account, RecoveryCode
from portal.audit.models import AuditEvent
from portal.db import utcnow
from portal.extensions import db
from tests.conftest import PASSWORD, World, make_test_app, sign_in, sign_in_as

CODE_PAGE = "/sign-in/code"
NOT_RIGHT = "That code is not right, or it has been used already"
TOO_MANY = "too many tries"


def enrol(app: Flask, account: Account) -> tuple[str, list[str]]:
    """Turn two-step sign-in on for ``account`` as if set up 90 seconds ago (so the code
    that confirmed it is from an earlier step than any code a test types now). Returns the
    secret and the recovery codes."""
    with app.app_context():
        found = db.session.get(Account, account.id)
        assert found is not None
        two_factor.begin_set_up(found)
        assert found.two_factor is not None and found.two_factor.pending_secret is not None
        secret = found.two_factor.pending_secret
        earlier = utcnow() - timedelta(seconds=90)
        codes = two_factor.confirm_set_up(found, pyotp.TOTP(secret).at(earlier), now=earlier)
        assert codes is not None
        db.session.commit()
        # Setting up ends other sessions: keep the test's copy in step for sign_in_as.
        account.session_generation = found.session_generation
    return secret, codes


def password_step(client: FlaskClient, name: str = "jo@example.org") -> None:
    response = sign_in(client, name)
    assert response.status_code == 302
    assert response.headers["Location"] == CODE_PAGE


def events(app: Flask, kind: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(
            select(AuditEvent).where(AuditEvent.kind == kind).order_by(AuditEvent.id)
        ))


def age_sign_in(client: FlaskClient, minutes: float) -> None:
    """Make the password typed at sign-in ``minutes`` old (the session itself stays live)."""
    with client.session_transaction() as session:
        session["auth_at"] = time.time() - minutes * 60


@pytest.fixture
def required_app(database_url: str, world: World) -> Iterator[Flask]:
    """A second app on the same database, with PORTAL_STAFF_TWO_FACTOR=required."""
    application = make_test_app(database_url, STAFF_TWO_FACTOR="required")
    yield application
    db.dispose(application)


# --- signing in -------------------------------------------------------------------------


def test_sign_in_with_password_then_code(app: Flask, world: World) -> None:
    secret, _codes = enrol(app, world.jo)
    client = app.test_client()
    response = client.post("/sign-in?next=/staff/people", data={
        "sign_in_name": "jo@example.org", "password": PASSWORD})
    assert response.headers["Location"] == CODE_PAGE
    # The password alone signs no one in.
    assert client.get("/staff/").status_code == 302
    page = client.get(CODE_PAGE).get_data(as_text=True)
    assert "Code from your authenticator app" in page
    assert 'autocomplete="one-time-code"' in page
    response = client.post(CODE_PAGE, data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/people"  # where they were going
    assert client.get("/staff/").status_code == 200
    [event] = events(app, "account.signed_in")
    assert event.actor_id == world.jo.id and event.details == {"second_step": "app"}


def test_wrong_code_is_refused_and_keeps_the_page(app: Flask, world: World) -> None:
    enrol(app, world.jo)
    client = app.test_client()
    password_step(client)
    page = client.post(CODE_PAGE, data={"code": "123 456"}).get_data(as_text=True)
    assert NOT_RIGHT in page
    assert "<title>Error:" in page
    assert 'value="123 456"' in page
    assert client.get("/staff/").status_code == 302
    empty = client.post(CODE_PAGE, data={"code": ""}).get_data(as_text=True)
    assert "Enter the 6-digit code from your authenticator app, or a recovery code." in empty


def test_the_same_code_works_only_once(app: Flask, world: World) -> None:
    secret, _codes = enrol(app, world.jo)
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), app.test_client()
    password_step(first)
    password_step(second)
    assert first.post(CODE_PAGE, data={"code": code}).status_code == 302
    # Seen over a shoulder, or replayed: refused, even within its 30 seconds.
    page = second.post(CODE_PAGE, data={"code": code}).get_data(as_text=True)
    assert NOT_RIGHT in page
    assert second.get("/staff/").status_code == 302


def test_the_same_code_is_refused_by_a_second_worker(database_url: str, world: World) -> None:
    """Two app instances on one database (two workers): the conditional UPDATE lets only one
    of them accept a code."""
    workers = [make_test_app(database_url) for _ in range(2)]
    secret, _codes = enrol(workers[0], world.jo)
    code = pyotp.TOTP(secret).now()
    clients = [worker.test_client() for worker in workers]
    for client in clients:
        password_step(client)
    outcomes = [client.post(CODE_PAGE, data={"code": code}).status_code for client in clients]
    assert sorted(outcomes) == [200, 302]
    for worker in workers:
        db.dispose(worker)


def test_a_code_from_the_step_before_is_accepted_once(app: Flask, world: World) -> None:
    secret, _codes = enrol(app, world.jo)
    totp = pyotp.TOTP(secret)
    now = utcnow()
    step = totp.timecode(now)
    with app.app_context():
        jo = db.session.get(Account, world.jo.id)
        assert jo is not None
        # Two steps back is too old, whatever the phone's clock.
        assert not two_factor.check_sign_in_code(jo, totp.generate_otp(step - 2), now=now).accepted
        previous = totp.generate_otp(step - 1)
        assert two_factor.check_sign_in_code(jo, previous, now=now).accepted
        assert not two_factor.check_sign_in_code(jo, previous, now=now).accepted
        # The current step is later, so its code still works; then nothing earlier does.
        assert two_factor.check_sign_in_code(jo, totp.generate_otp(step), now=now).accepted
        assert not two_factor.check_sign_in_code(jo, previous, now=now).accepted
        # One step ahead (a phone's clock running fast) is allowed too.
        assert two_factor.check_sign_in_code(jo, totp.generate_otp(step + 1), now=now).accepted
        db.session.commit()


def test_a_recovery_code_works_once(app: Flask, world: World) -> None:
    _secret, codes = enrol(app, world.jo)
    assert len(codes) == 10 and len(set(codes)) == 10
    client = app.test_client()
    password_step(client)
    # Typed as shown (with dashes) or not, in any case.
    typed = "-".join(codes[0][i:i + 4] for i in range(0, 12, 4)).lower()
    response = client.post(CODE_PAGE, data={"code": typed})
    assert response.status_code == 302
    page = client.get(response.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "You used a recovery code. You have 9 recovery codes left." in page
    other = app.test_client()
    password_step(other)
    assert NOT_RIGHT in other.post(CODE_PAGE, data={"code": codes[0]}).get_data(as_text=True)
    assert other.post(CODE_PAGE, data={"code": codes[1]}).status_code == 302
    [used, _second] = events(app, "account.two_step_recovery_code_used")
    assert used.details == {"remaining": 9}
    with app.app_context():
        stored = list(db.session.scalars(select(RecoveryCode.code_digest)))
    assert len(stored) == 10
    assert not set(codes) & set(stored)  # only digests are kept


def test_the_half_finished_sign_in_expires_after_5_minutes(app: Flask, world: World) -> None:
    secret, _codes = enrol(app, world.jo)
    client = app.test_client()
    password_step(client)
    with client.session_transaction() as session:
        session["second_step"] = {**session["second_step"], "at": time.time() - 5 * 60 - 1}
    response = client.post(CODE_PAGE, data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Signing in took more than 5 minutes" in page
    assert client.get("/staff/").status_code == 302
    assert client.get(CODE_PAGE).headers["Location"] == "/sign-in"


def test_the_code_page_needs_a_right_password_first(app: Flask, world: World) -> None:
    secret, _codes = enrol(app, world.jo)
    client = app.test_client()
    response = client.post(CODE_PAGE, data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/staff/").status_code == 302
    # A wrong password never reaches the code page.
    assert "not right" in sign_in(client, "jo@example.org", "wrong guess").get_data(as_text=True)
    assert client.get(CODE_PAGE).headers["Location"] == "/sign-in"


def test_signing_out_everywhere_cancels_a_half_finished_sign_in(app: Flask, world: World) -> None:
    secret, _codes = enrol(app, world.jo)
    client = app.test_client()
    password_step(client)
    owner = app.test_client()
    sign_in_as(owner, world.jo)
    owner.post("/account/sign-out-everywhere")
    response = client.post(CODE_PAGE, data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/sign-in"


def test_wrong_codes_count_in_the_account_throttle(app: Flask, world: World) -> None:
    secret, _codes = enrol(app, world.jo)
    client = app.test_client()
    password_step(client)
    for _ in range(3):
        assert NOT_RIGHT in client.post(CODE_PAGE, data={"code": "000000"}).get_data(as_text=True)
    # Typing the right password again does not wipe the count.
    again = app.test_client()
    password_step(again)
    for _ in range(2):
        assert NOT_RIGHT in again.post(CODE_PAGE, data={"code": "000000"}).get_data(as_text=True)
    page = again.post(CODE_PAGE, data={"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    assert TOO_MANY in page
    assert again.get("/staff/").status_code == 302
    # The same lockout as for passwords: signing in again waits too.
    assert TOO_MANY in sign_in(app.test_client(), "jo@example.org").get_data(as_text=True)
    # Another account is unaffected.
    assert sign_in(app.test_client(), "morgan@example.org").status_code == 302
    failed = events(app, "account.sign_in_failed")
    assert len(failed) == 5 and all(e.details == {"step": "second"} for e in failed)


# --- the setting ------------------------------------------------------------------------


def test_the_setting_is_required_in_production_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet

    from portal.config import ConfigError, load_config

    monkeypatch.delenv("PORTAL_STAFF_TWO_FACTOR", raising=False)
    assert load_config()["STAFF_TWO_FACTOR"] == "optional"
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("PORTAL_ALLOW_SQLITE", "1")
    monkeypatch.setenv("PORTAL_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    assert load_config()["STAFF_TWO_FACTOR"] == "required"
    monkeypatch.setenv("PORTAL_STAFF_TWO_FACTOR", "optional")
    assert load_config()["STAFF_TWO_FACTOR"] == "optional"
    monkeypatch.setenv("PORTAL_STAFF_TWO_FACTOR", "sometimes")
    with pytest.raises(ConfigError, match="PORTAL_STAFF_TWO_FACTOR"):
        load_config()


def test_optional_setting_lets_staff_sign_in_with_a_password(app: Flask, world: World) -> None:
    client = app.test_client()
    response = sign_in(client, "jo@example.org")
    assert response.headers["Location"] == "/home"
    assert client.get("/staff/").status_code == 200


STAFF_URLS = ["/home", "/staff/", "/staff/people", "/staff/people/new", "/staff/bookings",
              "/account", "/account/password", "/account/two-step", "/policy"]


def test_required_setting_sets_up_before_any_other_page(required_app: Flask, world: World) -> None:
    client = required_app.test_client()
    response = sign_in(client, "jo@example.org")
    assert response.status_code == 302
    for url in STAFF_URLS:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"] == "/account/two-step/new", url
    admin = required_app.test_client()
    sign_in(admin, "ash@example.org")
    assert admin.get("/staff/accounts").headers["Location"] == "/account/two-step/new"
    assert admin.post(f"/staff/accounts/{world.jo.id}/disable").headers["Location"] == "/account/two-step/new"

    # Setting up, straight after signing in (the password is fresh).
    start = client.get("/account/two-step/new").get_data(as_text=True)
    assert "Before you go on, set up two-step sign-in" in start
    assert client.get("/account/two-step/set-up").headers["Location"] == "/account/two-step/new"
    assert client.post("/account/two-step/new").headers["Location"] == "/account/two-step/set-up"
    page = client.get("/account/two-step/set-up").get_data(as_text=True)
    assert '<svg role="img"' in page and "<title>QR code for your authenticator app</title>" in page
    assert "data:" not in page and "<script" not in page.split("</head>")[1]
    key = re.search(r'<dd class="code" dir="ltr">([A-Z2-7 ]+)</dd>', page)
    assert key is not None
    groups = key.group(1).split()
    assert len(groups) == 8 and all(len(group) == 4 for group in groups)
    secret = "".join(groups)
    with required_app.app_context():
        jo = db.session.get(Account, world.jo.id)
        assert jo is not None and not jo.two_step_on
        # The secret is kept encrypted, never as typed.
        stored = db.session.execute(
            text("SELECT pending_secret FROM two_factor_credentials WHERE account_id = :id"),
            {"id": jo.id},
        ).scalar_one()
        assert secret not in stored

    wrong = client.post("/account/two-step/set-up", data={"code": "000000"}).get_data(as_text=True)
    assert "That code is not right. Check that the time on your phone is correct" in wrong
    assert client.get("/staff/").status_code == 302
    done = client.post("/account/two-step/set-up", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r'<li class="code">([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})</li>', done.get_data(as_text=True))
    assert len(codes) == 10
    for url in STAFF_URLS:
        response = client.get(url)
        assert response.status_code == 200 or response.headers["Location"] == "/staff/", url
    [event] = events(required_app, "account.two_step_set_up")
    assert event.actor_id == world.jo.id and event.details == {"again": False}


def test_required_setting_still_allows_signing_out(required_app: Flask, world: World) -> None:
    client = required_app.test_client()
    sign_in(client, "morgan@example.org")
    response = client.post("/sign-out")
    assert response.headers["Location"] == "/sign-in"
    assert client.get("/staff/").headers["Location"].startswith("/sign-in")


def test_people_side_accounts_are_unaffected(required_app: Flask, world: World) -> None:
    for name, home in (("sam@example.org", "/home"), ("alex@example.org", "/home")):
        client = required_app.test_client()
        response = sign_in(client, name)
        assert response.headers["Location"] == "/home"
        assert client.get(home).status_code == 200
        assert client.get("/account").status_code == 200
        assert "Two-step sign-in" not in client.get("/account").get_data(as_text=True)
        assert client.get("/account/two-step").status_code == 403
        assert client.get("/account/two-step/new").status_code == 403


def test_once_on_it_is_asked_for_whatever_the_setting(app: Flask, required_app: Flask, world: World) -> None:
    enrol(app, world.morgan)
    password_step(required_app.test_client(), "morgan@example.org")
    client = app.test_client()  # the "optional" app: asked for too
    password_step(client, "morgan@example.org")
    sign_in_as(client, world.morgan)
    page = client.get("/account/two-step").get_data(as_text=True)
    assert "Turn off two-step sign-in" in page
    strict = required_app.test_client()
    sign_in_as(strict, world.morgan)
    page = strict.get("/account/two-step").get_data(as_text=True)
    assert "Turn off two-step sign-in" not in page
    assert strict.get("/account/two-step/turn-off").headers["Location"] == "/account/two-step"
    assert strict.post("/account/two-step/turn-off").headers["Location"] == "/account/two-step"


# --- changes need the password again ----------------------------------------------------


@pytest.mark.parametrize("url", ["/account/two-step/new", "/account/two-step/recovery-codes",
                                 "/account/two-step/turn-off"])
def test_changes_need_the_password_typed_in_the_last_5_minutes(app: Flask, world: World, url: str) -> None:
    enrol(app, world.jo)
    client = app.test_client()
    sign_in_as(client, world.jo)
    age_sign_in(client, 6)
    confirm = f"/account/confirm-password?next={url}"
    assert client.get(url).headers["Location"] == confirm
    assert client.post(url).headers["Location"] == confirm
    with app.app_context():
        jo = db.session.get(Account, world.jo.id)
        assert jo is not None and jo.two_step_on and two_factor.recovery_codes_left(jo) == 10
        assert jo.two_factor is not None and jo.two_factor.pending_secret is None
    page = client.get(confirm).get_data(as_text=True)
    assert "Confirm your password" in page
    wrong = client.post(confirm, data={"password": "not my password"}).get_data(as_text=True)
    assert "That password is not right" in wrong
    assert client.get(url).headers["Location"] == confirm
    response = client.post(confirm, data={"password": PASSWORD})
    assert response.headers["Location"] == url
    assert client.get(url).status_code == 200
    # Five minutes later it is needed again.
    with client.session_transaction() as session:
        session["reauthenticated_at"] = time.time() - 5 * 60 - 1
    assert client.get(url).headers["Location"] == confirm


def test_confirming_the_password_counts_in_the_throttle(app: Flask, world: World) -> None:
    client = app.test_client()
    sign_in_as(client, world.jo)
    for _ in range(5):
        client.post("/account/confirm-password", data={"password": "wrong guess"})
    page = client.post("/account/confirm-password", data={"password": PASSWORD}).get_data(as_text=True)
    assert TOO_MANY in page


def test_new_recovery_codes_replace_the_old_ones(app: Flask, world: World) -> None:
    _secret, old = enrol(app, world.jo)
    client = app.test_client()
    sign_in_as(client, world.jo)
    page = client.get("/account/two-step/recovery-codes").get_data(as_text=True)
    assert "You have 10 recovery codes not yet used." in page
    response = client.post("/account/two-step/recovery-codes")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    new = [code.replace("-", "") for code in re.findall(r'<li class="code">([A-Z0-9-]+)</li>', body)]
    assert len(new) == 10 and not set(new) & set(old)
    assert "Your old recovery codes no longer work." in body
    signing_in = app.test_client()
    password_step(signing_in)
    assert NOT_RIGHT in signing_in.post(CODE_PAGE, data={"code": old[0]}).get_data(as_text=True)
    assert signing_in.post(CODE_PAGE, data={"code": new[0]}).status_code == 302
    assert len(events(app, "account.two_step_recovery_codes_replaced")) == 1


def test_setting_up_on_a_new_phone(app: Flask, world: World) -> None:
    old_secret, _codes = enrol(app, world.jo)
    client, elsewhere = app.test_client(), app.test_client()
    sign_in_as(client, world.jo)
    sign_in_as(elsewhere, world.jo)
    assert "on a new phone" in client.get("/account/two-step/new").get_data(as_text=True)
    client.post("/account/two-step/new")
    with app.app_context():
        jo = db.session.get(Account, world.jo.id)
        assert jo is not None and jo.two_factor is not None
        new_secret = jo.two_factor.pending_secret
        assert new_secret and new_secret != old_secret
        # Until the new phone is confirmed, the old one still signs in.
        assert jo.two_factor.secret == old_secret
    response = client.post("/account/two-step/set-up", data={"code": pyotp.TOTP(new_secret).now()})
    assert response.status_code == 200
    assert client.get("/staff/").status_code == 200  # this session carries on
    assert elsewhere.get("/staff/").status_code == 302  # the others end
    [event] = events(app, "account.two_step_set_up")[-1:]
    assert event.details == {"again": True}
    with app.app_context():
        jo = db.session.get(Account, world.jo.id)
        assert jo is not None and jo.two_factor is not None and jo.two_factor.secret == new_secret


def test_turning_it_off_where_optional(app: Flask, world: World) -> None:
    enrol(app, world.jo)
    client = app.test_client()
    sign_in_as(client, world.jo)
    assert "Turn off two-step sign-in?" in client.get("/account/two-step/turn-off").get_data(as_text=True)
    response = client.post("/account/two-step/turn-off")
    assert response.headers["Location"] == "/account/two-step"
    assert "Two-step sign-in is off." in client.get("/account/two-step").get_data(as_text=True)
    assert sign_in(app.test_client(), "jo@example.org").headers["Location"] == "/home"
    with app.app_context():
        assert db.session.scalars(select(RecoveryCode)).first() is None
    assert len(events(app, "account.two_step_turned_off")) == 1


# --- an administrator's reset -----------------------------------------------------------


def test_administrator_reset_signs_out_and_needs_set_up_again(
    app: Flask, required_app: Flask, world: World
) -> None:
    secret, _codes = enrol(app, world.jo)
    jo = required_app.test_client()
    password_step(jo)
    assert jo.post(CODE_PAGE, data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert jo.get("/staff/").status_code == 200
    enrol(app, world.ash)
    admin = required_app.test_client()
    sign_in_as(admin, world.ash)
    url = f"/staff/accounts/{world.jo.id}/two-step/reset"
    page = admin.get(url).get_data(as_text=True)
    assert "Why are you resetting it?" in page and "Their phone was lost or stolen" in page
    missing = admin.post(url, data={}).get_data(as_text=True)
    assert "Choose why you are resetting it." in missing
    assert jo.get("/staff/").status_code == 200  # nothing changed
    response = admin.post(url, data={"reason": "lost-phone"})
    assert response.headers["Location"] == f"/staff/accounts/{world.jo.id}"
    assert jo.get("/staff/").status_code == 302  # signed out everywhere
    [event] = events(app, "account.two_step_reset")
    assert event.actor_id == world.ash.id
    assert event.details == {"account_id": world.jo.id, "reason": "lost-phone"}
    # Next sign-in: the password, then straight to setting it up again.
    again = required_app.test_client()
    assert sign_in(again, "jo@example.org").headers["Location"] == "/home"
    assert again.get("/staff/").headers["Location"] == "/account/two-step/new"


def test_nobody_resets_their_own_or_others_without_being_administrator(app: Flask, world: World) -> None:
    enrol(app, world.ash)
    enrol(app, world.jo)
    admin = app.test_client()
    sign_in_as(admin, world.ash)
    response = admin.post(f"/staff/accounts/{world.ash.id}/two-step/reset", data={"reason": "lost-phone"})
    assert response.headers["Location"] == "/account/two-step"
    assert "reset your own two-step sign-in" in admin.get("/account/two-step").get_data(as_text=True)
    manager = app.test_client()
    sign_in_as(manager, world.morgan)
    url = f"/staff/accounts/{world.jo.id}/two-step/reset"
    assert manager.post(url, data={"reason": "lost-phone"}).status_code == 403
    # People-side accounts have no two-step sign-in to reset.
    assert admin.get(f"/staff/accounts/{world.sam.id}/two-step/reset").status_code == 404
    with app.app_context():
        for account in (world.ash, world.jo):
            found = db.session.get(Account, account.id)
            assert found is not None and found.two_step_on
    assert events(app, "account.two_step_reset") == []


def test_administrators_find_the_reset_on_the_account_page(app: Flask, world: World) -> None:
    enrol(app, world.ash)
    admin = app.test_client()
    sign_in_as(admin, world.ash)
    reset = f'href="/staff/accounts/{world.jo.id}/two-step/reset"'
    page = admin.get(f"/staff/accounts/{world.jo.id}").get_data(as_text=True)
    assert "Not set up" in page and reset not in page
    enrol(app, world.jo)
    assert reset in admin.get(f"/staff/accounts/{world.jo.id}").get_data(as_text=True)
    own = admin.get(f"/staff/accounts/{world.ash.id}").get_data(as_text=True)
    assert "two-step/reset" not in own  # nobody resets their own this way


# --- nothing secret leaks ---------------------------------------------------------------


def test_no_secret_or_code_reaches_the_audit_trail(app: Flask, world: World) -> None:
    secret, codes = enrol(app, world.jo)
    client = app.test_client()
    password_step(client)
    current = pyotp.TOTP(secret).now()
    client.post(CODE_PAGE, data={"code": "999999"})
    client.post(CODE_PAGE, data={"code": current})
    other = app.test_client()
    password_step(other)
    other.post(CODE_PAGE, data={"code": codes[3]})
    with app.app_context():
        details = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
    for value in (secret, current, "999999", codes[3], *codes):
        assert value not in details
