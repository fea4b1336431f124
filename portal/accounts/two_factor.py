"""Two-step sign-in for staff-side accounts: a code from an authenticator app (TOTP,
RFC 6238) after the password, and single-use recovery codes for when the phone is not to
hand (security.md "Sign-in", ASVS 5 6.3.3, 6.5.1).

``services.authenticate`` stops after the password for an account with two-step sign-in
on; ``check_sign_in_code`` finishes the sign-in, counting wrong codes in the same
per-account throttle as wrong passwords. Views hold the short-lived state between the two.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, or_, select, update

from portal.accounts.models import Account, RecoveryCode, TwoFactorCredential
from portal.accounts.services import (
    clear_failures,
    count_failure,
    normalise_code,
    throttle_key,
    throttle_wait,
)
from portal.audit.services import record_event
from portal.codes import CODE_LENGTH, keyed_digest, random_code
from portal.db import utcnow
from portal.extensions import db

# The name the authenticator app shows beside the codes, unless the policy pack names the
# organisation.
DEFAULT_ISSUER = "Consent Portal"
RECOVERY_CODE_COUNT = 10
# A code from the step before or after the current one is accepted too: phones' clocks
# drift, and a code typed in its last seconds arrives in the next step.
DRIFT_STEPS = 1
# How long a new secret waits to be confirmed with a code from the app.
SET_UP_MINUTES = 30
# Why an administrator reset someone's two-step sign-in: recorded in the audit trail as a
# key, never as free text (labels in forms.py).
RESET_REASONS = ("lost-phone", "new-phone", "app-removed", "may-be-known")


def required_for(account: Account) -> bool:
    """Whether this account must set up two-step sign-in before it may do anything else."""
    return (
        account.is_staff_side
        and current_app.config["STAFF_TWO_FACTOR"] == "required"
        and not account.two_step_on
    )


def may_turn_off(account: Account) -> bool:
    """Turning it off is for installations where it is optional; once on, it stays asked
    for whatever the setting (only an administrator's reset removes it otherwise)."""
    return account.two_step_on and current_app.config["STAFF_TWO_FACTOR"] == "optional"


# --- setting up -------------------------------------------------------------------------


def begin_set_up(account: Account) -> None:
    """Make a new secret to be confirmed. A secret already in use keeps working until the
    new one is confirmed, so starting on a new phone locks no one out."""
    credential = account.two_factor
    if credential is None:
        credential = TwoFactorCredential(account_id=account.id)
        account.two_factor = credential
    credential.pending_secret = pyotp.random_base32()
    credential.pending_since = utcnow()
    db.session.flush()


def pending_secret(account: Account, *, now: datetime | None = None) -> str | None:
    """The secret being set up, if set-up was started in the last ``SET_UP_MINUTES``."""
    now = now or utcnow()
    credential = account.two_factor
    if credential is None or credential.pending_secret is None or credential.pending_since is None:
        return None
    if now - credential.pending_since > timedelta(minutes=SET_UP_MINUTES):
        return None
    return credential.pending_secret


def issuer() -> str:
    from portal.policy.services import setting

    return str(setting("organisation.name", DEFAULT_ISSUER) or DEFAULT_ISSUER)


def provisioning_uri(account: Account, secret: str) -> str:
    """The otpauth:// address the QR code holds (30-second steps, 6 digits, SHA-1: what
    every common authenticator app supports)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account.sign_in_name, issuer_name=issuer())


def qr_code_svg(uri: str, label: str) -> str:
    """The QR code as inline SVG markup, drawn on the server: no script, and no data: URI
    (the CSP allows images from this site only). ``label`` is its text alternative."""
    svg: str = segno.make(uri, error="m").svg_inline(
        scale=4, border=4, dark="#000", light="#fff", svgclass="qr-code", lineclass=None,
        title=label,
    )
    return svg.replace("<svg ", '<svg role="img" ', 1)


def grouped_key(secret: str) -> str:
    """The secret in groups of four, for typing into an app that can't scan."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _app_code(text: str) -> str | None:
    digits = re.sub(r"[\s\-]", "", text)
    return digits if re.fullmatch(r"\d{6}", digits) else None


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (counter) whose code this is, within the allowed drift."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in range(current + DRIFT_STEPS, current - DRIFT_STEPS - 1, -1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def confirm_set_up(account: Account, code_text: str, *, now: datetime | None = None) -> list[str] | None:
    """Switch the pending secret on if ``code_text`` is a current code from it. Returns the
    new recovery codes (shown once, only their digests stored), or None if the code is not
    right. Ends the account's other sessions: they began under the old way of signing in."""
    now = now or utcnow()
    secret = pending_secret(account, now=now)
    code = _app_code(code_text)
    if secret is None or code is None:
        return None
    step = _matching_step(secret, code, now)
    if step is None:
        return None
    credential = account.two_factor
    assert credential is not None
    again = credential.enabled_at is not None
    credential.secret = secret
    credential.enabled_at = now
    # The code just typed may not be used again to sign in.
    credential.last_used_step = step
    credential.pending_secret = None
    credential.pending_since = None
    account.session_generation += 1
    codes = _replace_recovery_codes(account, now)
    record_event("account.two_step_set_up", actor=account, person=account.person, again=again)
    return codes


# --- recovery codes ---------------------------------------------------------------------


def _recovery_digest(account_id: int, code: str) -> str:
    return keyed_digest(f"recovery:{account_id}:{code}")


def _replace_recovery_codes(account: Account, now: datetime) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = [random_code() for _ in range(RECOVERY_CODE_COUNT)]
    db.session.add_all(
        RecoveryCode(account_id=account.id, code_digest=_recovery_digest(account.id, code),
                     created_at=now)
        for code in codes
    )
    db.session.flush()
    return codes


def new_recovery_codes(account: Account) -> list[str]:
    """A new set of recovery codes; every earlier one stops working."""
    if not account.two_step_on:
        raise ValueError("two-step sign-in is not on for this account")
    codes = _replace_recovery_codes(account, utcnow())
    record_event("account.two_step_recovery_codes_replaced", actor=account, person=account.person)
    return codes


def recovery_codes_left(account: Account) -> int:
    count = db.session.scalar(
        select(func.count()).select_from(RecoveryCode).where(
            RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)
        )
    )
    return int(count or 0)


def _use_recovery_code(account: Account, code_text: str, now: datetime) -> bool:
    code = normalise_code(code_text)
    if len(code) != CODE_LENGTH:
        return False
    # Conditional, so two devices racing with one code can't both win.
    result = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.account_id == account.id,
            RecoveryCode.code_digest == _recovery_digest(account.id, code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


# --- signing in -------------------------------------------------------------------------


def _use_step(account: Account, step: int) -> bool:
    """Record ``step`` as used, only if it is later than the last one used. One UPDATE with
    the condition in it: two workers (or machines) given the same code can't both accept it."""
    result = db.session.execute(
        update(TwoFactorCredential)
        .where(
            TwoFactorCredential.account_id == account.id,
            TwoFactorCredential.enabled_at.is_not(None),
            or_(TwoFactorCredential.last_used_step.is_(None),
                TwoFactorCredential.last_used_step < step),
        )
        .values(last_used_step=step)
    )
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class CodeCheck:
    accepted: bool
    wait: timedelta | None = None  # set when the account is throttled
    recovery_codes_left: int | None = None  # set when a recovery code was used


def check_sign_in_code(account: Account, code_text: str, *, now: datetime | None = None) -> CodeCheck:
    """The second step of signing in: a code from the app, or a recovery code. Wrong codes
    count in the account's sign-in throttle, as wrong passwords do."""
    now = now or utcnow()
    key = throttle_key(account, "")
    wait = throttle_wait(key, now)
    if wait is not None:
        return CodeCheck(False, wait)
    method: Literal["app", "recovery"] | None = None
    credential = account.two_factor
    if account.is_active and credential is not None and credential.secret is not None:
        app_code = _app_code(code_text)
        if app_code is not None:
            step = _matching_step(credential.secret, app_code, now)
            if step is not None and _use_step(account, step):
                method = "app"
        elif _use_recovery_code(account, code_text, now):
            method = "recovery"
    if method is None:
        count_failure(key, now)
        record_event("account.sign_in_failed", actor=account, person=account.person, step="second")
        return CodeCheck(False)
    clear_failures(key)
    left = None
    if method == "recovery":
        left = recovery_codes_left(account)
        record_event("account.two_step_recovery_code_used", actor=account, person=account.person,
                     remaining=left)
    record_event("account.signed_in", actor=account, person=account.person, second_step=method)
    return CodeCheck(True, recovery_codes_left=left)


# --- turning off and resetting ----------------------------------------------------------


def _remove(account: Account) -> None:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    account.two_factor = None  # delete-orphan: the credential row goes
    account.session_generation += 1
    db.session.flush()


def turn_off(account: Account) -> None:
    """The account holder switches it off (only where the setting is "optional")."""
    _remove(account)
    record_event("account.two_step_turned_off", actor=account, person=account.person)


def reset(account: Account, *, by: Account, reason: str) -> None:
    """An administrator removes someone's two-step sign-in (a lost phone): every session of
    theirs ends, and they set it up again when they next sign in."""
    if by.id == account.id:
        raise ValueError("nobody resets their own two-step sign-in")
    if reason not in RESET_REASONS:
        raise ValueError(f"unknown reason {reason!r}")
    _remove(account)
    record_event("account.two_step_reset", actor=by, person=account.person, account_id=account.id,
                 reason=reason)
