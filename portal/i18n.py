"""Languages: the supported list (checked at start-up), choosing one, and direction.

Choice order (SecureDrop's): the account's saved choice, then the language cookie, then the
browser's Accept-Language, then English.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request
from flask_login import current_user


@dataclass(frozen=True)
class Language:
    code: str  # the catalog's folder name and Babel locale
    tag: str  # the BCP 47 tag for <html lang>
    native_name: str  # named in its own script, so someone who can't read English finds it
    direction: str = "ltr"


LANGUAGES: tuple[Language, ...] = (
    Language("en", "en-GB", "English"),
    Language("cy", "cy", "Cymraeg"),
    Language("pl", "pl", "Polski"),
    Language("ro", "ro", "Română"),
    Language("uk", "uk", "Українська"),
    Language("so", "so", "Soomaali"),
    Language("ar", "ar", "العربية", "rtl"),
    Language("ur", "ur", "اردو", "rtl"),
    Language("bn", "bn", "বাংলা"),
    Language("pa", "pa-Guru", "ਪੰਜਾਬੀ"),
)
BY_CODE = {language.code: language for language in LANGUAGES}
DEFAULT = BY_CODE["en"]


def is_supported(code: str | None) -> bool:
    return code in BY_CODE


def select_locale() -> str:
    if current_user and current_user.is_authenticated and is_supported(current_user.language):
        return str(current_user.language)
    cookie = request.cookies.get(current_app.config["LANGUAGE_COOKIE_NAME"])
    if is_supported(cookie):
        return str(cookie)
    best = request.accept_languages.best_match([language.code for language in LANGUAGES])
    return best or DEFAULT.code


def current_language() -> Language:
    if "_language" not in g:
        from flask_babel import get_locale

        locale = get_locale()
        g._language = BY_CODE.get(str(locale), DEFAULT) if locale else DEFAULT
    language: Language = g._language
    return language


def check_catalogs(app: Flask) -> None:
    """Refuse to start with a language that has no compiled catalog: a silent fall back to
    English would hide a broken deployment."""
    root = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    missing = [
        language.code
        for language in LANGUAGES
        if language.code != "en"
        and not (root / language.code / "LC_MESSAGES" / "messages.mo").exists()
    ]
    if missing:
        raise RuntimeError(
            "Compiled translations are missing for: "
            + ", ".join(missing)
            + ". Run `make translations-compile`."
        )


def format_local_time(moment: datetime) -> str:
    """A UTC time shown in the organisation's zone, saying which zone (style.md)."""
    from babel.dates import format_date, format_time, get_timezone_location
    zone = organisation_zone()
    locale = _babel_locale()
    local = moment.astimezone(zone)
    day = format_date(local, format="long", locale=locale)
    clock = format_time(local, format="HH:mm", locale=locale)
    return f"{day}, {clock} ({get_timezone_location(zone, locale=locale)})"


def organisation_zone() -> ZoneInfo:
    """The organisation's time zone: its policy pack's, or the configured default."""
    from portal.policy.services import setting

    return ZoneInfo(setting("organisation.time_zone", current_app.config["ORGANISATION_TIME_ZONE"]))


def _babel_locale() -> str:
    from flask_babel import get_locale

    locale = str(get_locale() or "en")
    # Babel's plain "en" is American; the portal is British.
    return "en_GB" if locale == "en" else locale


def format_local_date(day: date) -> str:
    from babel.dates import format_date

    return format_date(day, format="long", locale=_babel_locale())


def init_app(app: Flask) -> None:
    app.jinja_env.globals["format_local_time"] = format_local_time
    app.jinja_env.filters["local_date"] = format_local_date
    app.jinja_env.globals["languages_by_code"] = BY_CODE
