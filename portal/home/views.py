"""Landing, each role's home, choosing whom an
advocate helps, the language switch and the health check."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.accounts.services import set_language
from portal.consent import services as consent
from portal.consent.services import local_today
from portal.extensions import db
from portal.i18n import is_supported
from portal.notifications.reminders import review_dates_due
from portal.people import services as people
from portal.policy import services as policy
from portal.security import ALL_SIGNED_IN, allow, public, safe_next, signed_in_account

bp = Blueprint("home", __name__, template_folder="templates")


@bp.route("/")
@public
def index() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("home.home"))
    return render_template("home/index.html")


@bp.route("/home")
@allow(ALL_SIGNED_IN)
def home() -> str | Response:
    account = signed_in_account()
    if account.is_staff_side:
        return redirect(url_for("staff.home"))
    if account.role == Role.ADVOCATE:
        person = people.person_in_view(account)
        if person is None:
            return render_template("home/advocate.html", links=people.links_in_force(account))
        return render_template("home/person.html", person=person, needs_policy=False,
                               questions=consent.open_requests(person))
    person = account.person
    assert person is not None
    # CON-6: remind them that choices need looking at again, and that they can stop any.
    review_due = bool(review_dates_due(person, local_today()))
    return render_template("home/person.html", person=person,
                           needs_policy=policy.needs_acknowledgement(person), review_due=review_due,
                           questions=consent.open_requests(person))


@bp.route("/helping", methods=["POST"])
@allow(frozenset({Role.ADVOCATE}))
def start_helping() -> Response:
    account = signed_in_account()
    person = people.find_person(request.form.get("person", ""))
    if person is None or not people.start_acting_for(account, person):
        abort(403)
    return redirect(url_for("home.home"))


@bp.route("/helping/stop", methods=["POST"])
@allow(frozenset({Role.ADVOCATE}))
def stop_helping() -> Response:
    people.stop_acting()
    return redirect(url_for("home.home"))


@bp.route("/language", methods=["POST"])
@public
def choose_language() -> Response:
    code = request.form.get("language", "")
    back = safe_next(request.form.get("next"), url_for("home.index"))
    if not is_supported(code):
        flash(_("That language is not available."), "error")
        return redirect(back)
    if current_user.is_authenticated:
        set_language(signed_in_account(), code)
    response = redirect(back)
    response.set_cookie(
        current_app.config["LANGUAGE_COOKIE_NAME"],
        code,
        max_age=365 * 24 * 3600,
        secure=current_app.config["PRODUCTION"],
        httponly=True,
        samesite="Lax",
        path="/",
    )
    return response


@bp.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure means "not healthy"; the reason goes to the log
        current_app.logger.exception("health check: database unreachable")
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok"), 200
