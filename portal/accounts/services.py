"""The rules for accounts: sign-in names, signing in with a throttle, activation codes,
passwords and ending sessions. Views call these; tests call them most."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.accounts.models import Account, ActivationCode, SignInThrottle
from portal.accounts.passwords import hash_password, verify_password
from portal.audit.services import record_event
from portal.codes import CODE_LENGTH, keyed_digest, random_code
from portal.db import utcnow
from portal.extensions import db


def normalise_email(value: str) -> str:
    return value.strip().lower()


def normalise_phone(value: str) -> str:
    """UK numbers in one form: +44 and digits. 07700 900123 -> +447700900123."""
    digits = re.sub(r"[^\d+]", "", value.strip())
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("0"):
        digits = "+44" + digits[1:]
    return digits


def normalise_username(value: str) -> str:
    return value.strip().lower()


def looks_like_phone(value: str) -> bool:
    return bool(re.fullmatch(r"\+?[\d\s\-()]{7,20}", value.strip()))


def find_by_sign_in_name(name: str) -> Account | None:
    """Email, phone number or username, whichever this looks like."""
    text = name.strip()
    if not text:
        return None
    if "@" in text:
        condition = Account.email == normalise_email(text)
    elif looks_like_phone(text):
        condition = or_(
            Account.phone == normalise_phone(text), Account.username == normalise_username(text)
        )
    else:
        condition = Account.username == normalise_username(text)
    return db.session.scalars(select(Account).where(condition)).first()


def sign_in_name_taken(*, email: str | None, phone: str | None, username: str | None,
                       except_id: int | None = None) -> list[str]:
    """Which of these sign-in names another account already has."""
    taken = []
    for field, column, value in (
        ("email", Account.email, email),
        ("phone", Account.phone, phone),
        ("username", Account.username, username),
    ):
        if value:
            query = select(Account.id).where(column == value)
            if except_id is not None:
                query = query.where(Account.id != except_id)
            if db.session.scalars(query).first() is not None:
                taken.append(field)
    return taken


# --- the per-account throttle -------------------------------------------------------------


def throttle_key(account: Account | None, name: str) -> str:
    # Per account, so rotating between someone's email, phone and username gains nothing;
    # per sign-in name where there is no account, so no one learns which names exist.
    if account is not None:
        return keyed_digest(f"account:{account.id}")
    return keyed_digest(f"name:{name.strip().lower()}")


def throttle_wait(key: str, now: datetime) -> timedelta | None:
    row = db.session.get(SignInThrottle, key)
    if row is None or row.blocked_until is None or row.blocked_until <= now:
        return None
    return row.blocked_until - now


def count_failure(key: str, now: datetime) -> None:
    """Add one failure atomically (an upsert: two workers failing at once both count)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(SignInThrottle).values(key=key, failures=1, last_failure_at=now)
    statement = statement.on_conflict_do_update(
        index_elements=[SignInThrottle.key],
        set_={"failures": SignInThrottle.failures + 1, "last_failure_at": now},
    )
    db.session.execute(statement)
    row = db.session.get(SignInThrottle, key, populate_existing=True)
    assert row is not None
    free = current_app.config["SIGN_IN_FREE_FAILURES"]
    if row.failures >= free:
        cap = current_app.config["SIGN_IN_MAX_WAIT_MINUTES"]
        minutes = min(2 ** (row.failures - free), cap)
        row.blocked_until = now + timedelta(minutes=minutes)
    db.session.flush()


def clear_failures(key: str) -> None:
    row = db.session.get(SignInThrottle, key)
    if row is not None:
        db.session.delete(row)
        db.session.flush()


@dataclass(frozen=True)
class SignInResult:
    account: Account | None
    wait: timedelta | None = None  # set when the account is throttled
    # The password was right, but the account also asks for a code from its authenticator
    # app (portal.accounts.two_factor): not signed in yet.
    second_step: bool = False


def authenticate(name: str, password: str, *, now: datetime | None = None) -> SignInResult:
    """Check a sign-in, counting failures per account in the database."""
    now = now or utcnow()
    account = find_by_sign_in_name(name)
    key = throttle_key(account, name)
    wait = throttle_wait(key, now)
    if wait is not None:
        return SignInResult(None, wait)
    hashed = account.password_hash if account is not None else None
    if account is not None and account.is_active and verify_password(hashed, password):
        if account.two_step_on:
            # Failures are kept until the code is right too: otherwise the password alone
            # would reset the count and buy unlimited guesses at the code.
            return SignInResult(account, second_step=True)
        clear_failures(key)
        record_event("account.signed_in", actor=account, person=account.person)
        return SignInResult(account)
    if account is None or hashed is None:
        verify_password(None, password)
    count_failure(key, now)
    if account is not None:
        record_event("account.sign_in_failed", actor=account, person=account.person)
    return SignInResult(None)


def confirm_password(account: Account, password: str, *, now: datetime | None = None) -> SignInResult:
    """The password typed again before a change to how this account signs in (ASVS 5 7.5.1).
    Wrong passwords count in the same per-account throttle as signing in, so a session left
    open is no way round it."""
    now = now or utcnow()
    key = throttle_key(account, "")
    wait = throttle_wait(key, now)
    if wait is not None:
        return SignInResult(None, wait)
    if account.is_active and verify_password(account.password_hash, password):
        clear_failures(key)
        return SignInResult(account)
    count_failure(key, now)
    record_event("account.password_confirm_failed", actor=account, person=account.person)
    return SignInResult(None)


# --- activation codes ---------------------------------------------------------------------


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalise_code(text: str) -> str:
    return re.sub(r"[\s\-]", "", text).upper()


def issue_activation_code(account: Account, *, by: Account | None) -> str:
    """A new one-time code for ``account``; any earlier unused code stops working.
    Returns the code itself, which is shown once and never stored."""
    now = utcnow()
    db.session.execute(
        update(ActivationCode)
        .where(
            ActivationCode.account_id == account.id,
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
        )
        .values(revoked_at=now)
    )
    code = random_code()
    days = current_app.config["ACTIVATION_CODE_DAYS"]
    db.session.add(
        ActivationCode(
            account_id=account.id,
            code_digest=keyed_digest(f"activation:{code}"),
            created_at=now,
            expires_at=now + timedelta(days=days),
            created_by_id=by.id if by else None,
        )
    )
    record_event("account.activation_code_issued", actor=by, system=by is None,
                 person=account.person, account_id=account.id)
    return code


def find_activation(code_text: str, *, now: datetime | None = None) -> ActivationCode | None:
    """The activation this code opens, if it is unused, not replaced and not expired."""
    now = now or utcnow()
    code = normalise_code(code_text)
    if len(code) != CODE_LENGTH:
        return None
    row = db.session.scalars(
        select(ActivationCode).where(
            ActivationCode.code_digest == keyed_digest(f"activation:{code}")
        )
    ).first()
    if row is None or row.used_at or row.revoked_at or row.expires_at <= now:
        return None
    if row.account.disabled_at is not None:
        return None
    return row


def complete_activation(activation_id: int, password: str) -> Account | None:
    """Use the code once: set the password. Returns None if the code was used meanwhile.

    The used_at update is conditional, so two devices racing with one code can't both win.
    """
    now = utcnow()
    result = db.session.execute(
        update(ActivationCode)
        .where(
            ActivationCode.id == activation_id,
            ActivationCode.used_at.is_(None),
            ActivationCode.revoked_at.is_(None),
            ActivationCode.expires_at > now,
        )
        .values(used_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    activation = db.session.get(ActivationCode, activation_id, populate_existing=True)
    assert activation is not None
    account = activation.account
    account.password_hash = hash_password(password)
    account.password_changed_at = now
    account.activated_at = account.activated_at or now
    account.session_generation += 1
    db.session.flush()
    record_event("account.activated", actor=account, person=account.person)
    return account


def activation_status(account: Account, *, now: datetime | None = None) -> str:
    """active, waiting (a code is out), expired (the last code lapsed), none, disabled."""
    now = now or utcnow()
    if account.disabled_at is not None:
        return "disabled"
    if account.password_hash is not None:
        return "active"
    latest = db.session.scalars(
        select(ActivationCode)
        .where(ActivationCode.account_id == account.id, ActivationCode.revoked_at.is_(None))
        .order_by(ActivationCode.created_at.desc())
    ).first()
    if latest is None:
        return "none"
    return "waiting" if latest.expires_at > now else "expired"


# --- passwords and sessions ---------------------------------------------------------------


def change_password(account: Account, new_password: str) -> None:
    """Set a new password and end every other session of this account."""
    account.password_hash = hash_password(new_password)
    account.password_changed_at = utcnow()
    account.session_generation += 1
    db.session.flush()
    record_event("account.password_changed", actor=account, person=account.person)


def end_all_sessions(account: Account, *, by: Account) -> None:
    account.session_generation += 1
    db.session.flush()
    record_event("account.sessions_ended", actor=by, person=account.person,
                 account_id=account.id)


def disable_account(account: Account, *, by: Account) -> None:
    if account.disabled_at is None:
        account.disabled_at = utcnow()
        account.session_generation += 1
        db.session.flush()
        record_event("account.disabled", actor=by, person=account.person, account_id=account.id)


def enable_account(account: Account, *, by: Account) -> None:
    if account.disabled_at is not None:
        account.disabled_at = None
        db.session.flush()
        record_event("account.enabled", actor=by, person=account.person, account_id=account.id)


def set_language(account: Account, code: str) -> None:
    if account.language != code:
        account.language = code
        db.session.flush()

