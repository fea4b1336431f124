"""Consent Portal: the application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request
from flask_login import current_user
from werkzeug.wrappers import Response

from portal import errors, i18n, security
from portal.config import load_config
from portal.extensions import babel, csrf, limiter, login_manager
from portal.extensions import db as database  # not `db`: that name is the portal.db module
from portal.i18n import LANGUAGES, check_catalogs, current_language, select_locale


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Make the app. Creates no tables and runs no migrations: `flask db upgrade` does."""
    app = Flask(__name__)
    app.config.update(load_config(config))

    database.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    i18n.init_app(app)
    check_catalogs(app)


    from portal.accounts.views import bp as accounts_bp
    from portal.advocates.staff_views import bp as staff_advocates_bp
    from portal.advocates.views import bp as advocates_bp
    from portal.bookings.staff_views import bp as staff_bookings_bp
    from portal.bookings.views import bp as bookings_bp
    from portal.consent.staff_views import bp as staff_consent_bp
    from portal.consent.views import bp as consent_bp
    from portal.contact.views import bp as contact_bp
    from portal.disclosures.staff_views import bp as staff_disclosures_bp
    from portal.disclosures.views import bp as disclosures_bp
    from portal.home.views import bp as home_bp
    from portal.policy.views import bp as policy_bp
    from portal.staff.views import bp as staff_bp

    app.register_blueprint(accounts_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(policy_bp)
    app.register_blueprint(consent_bp)
    app.register_blueprint(staff_consent_bp)
    app.register_blueprint(contact_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(advocates_bp)
    app.register_blueprint(staff_advocates_bp)
    app.register_blueprint(bookings_bp)
    app.register_blueprint(staff_bookings_bp)
    app.register_blueprint(disclosures_bp)
    app.register_blueprint(staff_disclosures_bp)

    from portal.people import need_to_know

    # After the blueprints' own hooks (two-step set-up first): who may open a person's
    # record, and the audit of each view (SEC-1).
    need_to_know.init_app(app)

    from portal import cli

    cli.init_app(app)

    @app.after_request
    def _commit(response: Response) -> Response:
        # One commit per request: services only add and flush (style.md, Indico).
        session = g.get("_db_session")
        if session is not None:
            if response.status_code < 500:
                session.commit()
            else:
                session.rollback()
        return response

    @app.context_processor
    def _layout_context() -> dict[str, Any]:
        from portal.people.services import person_in_view

        account = current_user if current_user.is_authenticated else None
        staff_side = bool(account and account.is_staff_side)
        helping = None
        if account is not None and account.role == "advocate":
            helping = person_in_view(account)
        return {
            "current_language": current_language(),
            "languages": LANGUAGES,
            "site_title": app.config["SITE_TITLE"],
            "exit_url": app.config["EXIT_URL"],
            # "Leave this site" for anyone who may be a service user or advocate.
            "show_exit": not staff_side,
            "staff_side": staff_side,
            "helping": helping,
            "here": request.full_path.rstrip("?") if request else "/",
        }

    return app
