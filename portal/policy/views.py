"""Reading the policy (anyone, before signing in: POL-2), its handout PDF, and
acknowledgements by people (POL-1, POL-5) and staff (SEC-3)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from portal.accounts.models import Role
from portal.i18n import BY_CODE, current_language, is_supported
from portal.people.services import person_in_view
from portal.policy import services
from portal.policy.models import PolicyVersion
from portal.security import STAFF_ANY, allow, public, signed_in_account

bp = Blueprint("policy", __name__, template_folder="templates")


def _version_or_404() -> PolicyVersion:
    version = services.current_version()
    if version is None:
        abort(404)
    return version


def _render(language: str) -> str:
    version = _version_or_404()
    text = services.policy_text(version, language)
    person = None
    acknowledgement = None
    if current_user.is_authenticated and current_user.role == Role.SERVICE_USER:
        person = person_in_view(signed_in_account())
        acknowledgement = services.person_acknowledgement(person) if person else None
    staff_confirmed = None
    if current_user.is_authenticated and current_user.is_staff_side:
        staff_confirmed = services.staff_has_confirmed(signed_in_account(), version)
    # The text may be in another language than the page around it (a fall-back to English,
    # or easy read): mark it so screen readers and the browser get it right.
    text_language = BY_CODE.get(text.language.removesuffix("-easy"), BY_CODE["en"])
    return render_template(
        "policy/read.html",
        version=version,
        text=text,
        text_lang=text_language.tag,
        text_dir=text_language.direction,
        wanted=language,
        easy_read=language == services.EASY_READ,
        person=person,
        needs_acknowledgement=bool(person and services.needs_acknowledgement(person)),
        acknowledgement=acknowledgement,
        staff_confirmed=staff_confirmed,
    )


@bp.route("/policy")
@public
def read() -> str:
    return _render(current_language().code)


@bp.route("/policy/easy-read")
@public
def easy_read() -> str:
    return _render(services.EASY_READ)


def handout_labels() -> dict[str, str]:
    version = _version_or_404()
    settings = version.settings
    return {
        "title": _("How we look after your information"),
        "intro": _("%(organisation)s. Phone: %(contact)s.",
                   organisation=settings["organisation"]["name"],
                   contact=settings["organisation"]["contact"]),
        "summary": _("What happens to your information"),
        "footer": _("Version %(label)s, in force from %(date)s",
                    label=version.label, date=settings["version"]["effective"]),
    }


@bp.route("/policy/handout/<language>.pdf")
@public
def handout(language: str) -> Response:
    version = _version_or_404()
    if language not in services.offered_languages(version):
        abort(404)
    ui_language = language if is_supported(language) else services.FALLBACK_LANGUAGE
    with force_locale(ui_language):
        pdf = services.handout_pdf(version, language, labels=handout_labels())
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="policy-{language}.pdf"'
    return response


@bp.route("/policy/acknowledge", methods=["POST"])
@allow(frozenset({Role.SERVICE_USER}))
def acknowledge() -> Response:
    account = signed_in_account()
    person = person_in_view(account)
    version = _version_or_404()
    if person is None:
        abort(403)
    if request.form.get("version") != str(version.id):
        flash(_("The policy changed while you were reading it. Please read this version."), "info")
        return redirect(url_for("policy.read"))
    language = request.form.get("language", "")
    if language not in services.offered_languages(version):
        abort(400)
    services.acknowledge(person, version, language, by=account)
    flash(_("Thank you. We have recorded that you have read how we look after your information."),
          "success")
    return redirect(url_for("home.home"))


@bp.route("/staff/policy/confirm", methods=["POST"])
@allow(STAFF_ANY)
def staff_confirm() -> Response:
    version = _version_or_404()
    if request.form.get("version") != str(version.id):
        flash(_("The policy changed while you were reading it. Please read this version."), "info")
        return redirect(url_for("policy.read"))
    services.staff_confirm(signed_in_account(), version, current_language().code)
    flash(_("Thank you. You have confirmed you have read the current policy."), "success")
    return redirect(url_for("staff.home"))
