"""Password hashing (argon2id) and the rules for a new password (ASVS 5 6.2.1-6.2.9).

argon2-cffi's defaults (t=3, m=64 MiB, p=4) exceed ASVS 5 Appendix C; Werkzeug's default
scrypt does not, so it is not used.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask_babel import lazy_gettext as _l

hasher = PasswordHasher()

MIN_LENGTH = 10
MAX_LENGTH = 128  # long passphrases welcome; the cap only stops abuse of the hasher


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line and not line.startswith("#"))


def hash_password(password: str) -> str:
    return hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        # Spend the same time as a real check so a missing account is not told apart.
        _burn_time(password)
        return False
    try:
        return hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _burn_time(password: str) -> None:
    try:
        hasher.verify(_dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        pass


@cache
def _dummy_hash() -> str:
    return hasher.hash("a password no account has")


def password_problem(password: str, *, names: tuple[str, ...] = ()) -> str | None:
    """Why this new password can't be used, as a translated sentence, or None.

    No composition rules and no truncation: only length, the common list, and the person's
    own sign-in names.
    """
    if len(password) < MIN_LENGTH:
        return str(_l("Your password must be at least %(count)d characters long.", count=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        return str(_l("Your password must be %(count)d characters or fewer.", count=MAX_LENGTH))
    folded = password.strip().lower()
    if folded in common_passwords():
        return str(
            _l("That password is one of the most common passwords. Choose one that is harder to guess.")
        )
    if any(name and folded == name.lower() for name in names):
        return str(_l("Your password can't be the same as your sign-in name."))
    return None
