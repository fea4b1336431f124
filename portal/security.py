"""Who may reach which view, session limits, and the headers every response carries.

Deny by default (ASVS 5 8.2.1): a view must declare who may reach it with ``@public`` or
``@allow(...)``; a view that declares nothing answers 403 to everyone, and the
authorization test fails for any route without an expected outcome.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.wrappers import Response

from portal.accounts.models import PEOPLE_SIDE, STAFF_SIDE, Account, Role
from portal.extensions import db, login_manager

F = TypeVar("F", bound=Callable[..., Any])

ALL_SIGNED_IN = frozenset(Role)
PEOPLE = PEOPLE_SIDE
STAFF_ANY = STAFF_SIDE
# Who may open people's records and create accounts for them: not volunteers (000 §2.4a).
CASEWORKERS = frozenset({Role.STAFF, Role.MANAGER, Role.ADMINISTRATOR})
ADMINISTRATORS = frozenset({Role.ADMINISTRATOR})

PUBLIC = "public"


def public(view: F) -> F:
    """Anyone, signed in or not."""
    view._access = PUBLIC  # type: ignore[attr-defined]
    return view


def allow(roles: frozenset[Role]) -> Callable[[F], F]:
    """Only signed-in accounts with one of ``roles``; others get sign-in or 403."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        guarded._access = roles  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def signed_in_account() -> Account:
    account: Account = current_user._get_current_object()  # type: ignore[attr-defined]
    return account


def start_session(account: Account) -> None:
    """Sign in with a fresh session: Flask-Login does not rotate it (ASVS 5 7.2.4)."""
    language_choice = session.get("language")
    session.clear()
    # A page this request still shows must carry a CSRF token of the new session, not the
    # one Flask-WTF made for the old (found by the two-step browser test).
    g.pop("csrf_token", None)
    login_user(account, remember=False)
    now = time.time()
    session["sid"] = secrets.token_urlsafe(24)
    session["auth_at"] = now
    session["seen_at"] = now
    if language_choice:
        session["language"] = language_choice


def end_session() -> None:
    logout_user()
    session.clear()


def _load_account(user_id: str) -> Account | None:
    try:
        account_id, generation = (int(part) for part in user_id.split(":"))
    except ValueError:
        return None
    account = db.session.get(Account, account_id)
    if account is None or not account.is_active or account.session_generation != generation:
        return None
    return account


def _enforce_session_limits() -> Response | None:
    """End a session that has been idle too long, lived too long, or whose account has
    been disabled or had its sessions ended elsewhere."""
    if "_user_id" not in session:
        return None
    if not current_user.is_authenticated:
        session.clear()
        flash(_l("You have been signed out. Please sign in again."), "info")
        return None
    rules = current_app.config["SESSION_RULES"]
    staff = current_user.is_staff_side
    idle = (rules.idle_staff if staff else rules.idle_people).total_seconds()
    absolute = (rules.absolute_staff if staff else rules.absolute_people).total_seconds()
    now = time.time()
    auth_at = session.get("auth_at", 0)
    seen_at = session.get("seen_at", 0)
    if now - seen_at > idle or now - auth_at > absolute:
        end_session()
        flash(
            _l("For your safety you were signed out after a period without activity."), "info"
        )
        return None
    session["seen_at"] = now
    return None


def _deny_undeclared_views() -> None:
    if request.endpoint is None or request.endpoint == "static":
        return
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "_access", None) is None:
        current_app.logger.error("view %s declares no access rule: refused", request.endpoint)
        abort(403)


CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def _set_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CSP
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), interest-cohort=()"
    if current_app.config["PRODUCTION"]:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if request.endpoint != "static":
        # Nothing a person saw should stay in a shared phone's cache or history
        # (ASVS 5 14.2.1); public pages too, since they reveal what was being read.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
        headers["Vary"] = "Cookie"
    return response


def init_app(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    login_manager.user_loader(_load_account)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    # "strong" protection hashes a spoofable header; our own rules above do the work.
    login_manager.session_protection = None
    app.before_request(_deny_undeclared_views)
    app.before_request(_enforce_session_limits)
    app.after_request(_set_headers)


def safe_next(target: str | None, fallback: str) -> str:
    """A path on this site only: refuse other hosts and scheme-relative URLs."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return fallback


def redirect_home() -> Response:
    return redirect(url_for("home.home"))
