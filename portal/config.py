"""Settings from the environment, read and checked once when the app is made.

Every setting has a safe default for a developer's machine; production (PORTAL_ENV=production)
refuses to start without the ones that must not be guessed.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from portal.crypto import load_keys

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """Raised at start-up when the environment cannot make a safe app."""


def _instance_dir() -> Path:
    path = Path(os.environ.get("PORTAL_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key(production: bool, instance: Path) -> str:
    key = os.environ.get("PORTAL_SECRET_KEY", "")
    if key:
        if len(key) < 32:
            raise ConfigError("PORTAL_SECRET_KEY must be at least 32 characters long.")
        return key
    if production:
        raise ConfigError("PORTAL_SECRET_KEY must be set in production.")
    # Development: one key per checkout, made once. O_EXCL so that several workers
    # starting together cannot each write a different key.
    path = instance / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from exc


@dataclass(frozen=True)
class SessionRules:
    """Idle and absolute session limits, by side (security.md: ASVS 4 3.3.2, 5 7.3.1-7.3.2).

    Service users and advocates may be on a shared or watched phone, so their idle limit is
    short; staff work at a desk through a working day.
    """

    idle_people: timedelta = timedelta(minutes=15)
    idle_staff: timedelta = timedelta(minutes=60)
    absolute_people: timedelta = timedelta(hours=4)
    absolute_staff: timedelta = timedelta(hours=10)


def load_config(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the Flask config mapping from the environment, then apply overrides (tests)."""
    env = os.environ.get("PORTAL_ENV", "development")
    if env not in {"development", "production", "test"}:
        raise ConfigError("PORTAL_ENV must be development, production or test.")
    production = env == "production"
    instance = _instance_dir()
    database_url = os.environ.get("PORTAL_DATABASE_URL") or f"sqlite:///{instance / 'portal.db'}"
    redis_url = os.environ.get("PORTAL_REDIS_URL", "")
    if production and database_url.startswith("sqlite") and not os.environ.get(
        "PORTAL_ALLOW_SQLITE"
    ):
        raise ConfigError(
            "Production needs PostgreSQL in PORTAL_DATABASE_URL "
            "(set PORTAL_ALLOW_SQLITE=1 for a single-machine install)."
        )
    proxies = _int("PORTAL_TRUSTED_PROXIES", 0)
    # Two-step sign-in for staff-side accounts: "required" in production by default, so
    # that no staff account opens records on a password alone (security.md, ASVS 5 6.3.3);
    # "optional" elsewhere, so demo accounts sign in with a password.
    staff_two_factor = os.environ.get(
        "PORTAL_STAFF_TWO_FACTOR", "required" if production else "optional"
    )
    if staff_two_factor not in {"required", "optional"}:
        raise ConfigError("PORTAL_STAFF_TWO_FACTOR must be required or optional.")
    mail_backend = os.environ.get("PORTAL_MAIL_BACKEND", "console")
    if mail_backend not in {"console", "smtp"}:
        raise ConfigError("PORTAL_MAIL_BACKEND must be console or smtp.")

    config: dict[str, Any] = {
        "PORTAL_ENV": env,
        "PRODUCTION": production,
        "SECRET_KEY": _secret_key(production, instance),
        # Fernet keys for free-text notes, newest first (portal.crypto); never in the database.
        "ENCRYPTION_KEYS": load_keys(production, instance),
        "DATABASE_URL": database_url,
        "TRUSTED_PROXIES": proxies,
        "SITE_TITLE": os.environ.get("PORTAL_SITE_TITLE", "Portal"),
        # Where "Leave this site" goes: somewhere ordinary that explains nothing.
        "EXIT_URL": os.environ.get("PORTAL_EXIT_URL", "https://www.bbc.co.uk/weather"),
        "SESSION_RULES": SessionRules(),
        "ACTIVATION_CODE_DAYS": 7,
        # Per-account throttle (database): after this many failures in a row the account
        # waits, doubling each time, up to the maximum.
        "SIGN_IN_FREE_FAILURES": 5,
        "SIGN_IN_MAX_WAIT_MINUTES": 60,
        # "required" or "optional": see staff_two_factor above.
        "STAFF_TWO_FACTOR": staff_two_factor,
        # Per-address limits (Flask-Limiter).
        "SIGN_IN_RATE_LIMIT": os.environ.get("PORTAL_SIGN_IN_RATE_LIMIT", "20 per minute;200 per hour"),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": False,
        "RATELIMIT_STRATEGY": "fixed-window",
        # Cookies (security.md "Sessions").
        "SESSION_COOKIE_NAME": "__Host-portal" if production else "portal_session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PATH": "/",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "LANGUAGE_COOKIE_NAME": "__Host-lang" if production else "portal_lang",
        # A form left open on a phone must still submit; the session's own limits apply.
        "WTF_CSRF_TIME_LIMIT": None,
        "WTF_CSRF_SSL_STRICT": True,
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BABEL_TRANSLATION_DIRECTORIES": os.environ.get(
            "PORTAL_TRANSLATIONS_DIR", str(PROJECT_ROOT / "translations")
        ),
        "ORGANISATION_TIME_ZONE": os.environ.get("PORTAL_TIME_ZONE", "Europe/London"),
        "DEMO_DATA_ALLOWED": not production,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        # Outbox (portal.notifications). Messages carry only this address, never anything
        # about the person or the organisation's work (domain.md, "Safety of people at risk").
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        "PORTAL_MAIL_BACKEND": mail_backend,
        "PORTAL_MAIL_FROM": os.environ.get("PORTAL_MAIL_FROM", "portal@localhost"),
        "PORTAL_SMTP_HOST": os.environ.get("PORTAL_SMTP_HOST", "localhost"),
        "PORTAL_SMTP_PORT": _int("PORTAL_SMTP_PORT", 587),
        "PORTAL_SMTP_USER": os.environ.get("PORTAL_SMTP_USER", ""),
        "PORTAL_SMTP_PASSWORD": os.environ.get("PORTAL_SMTP_PASSWORD", ""),
        "PORTAL_SMTP_STARTTLS": os.environ.get("PORTAL_SMTP_STARTTLS", "1") == "1",
    }
    if overrides:
        config.update(overrides)
    return config
