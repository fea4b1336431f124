"""The person's consent pages: who can know what, one decision per page, check your answers,
sign, confirmation; stop all sharing; history (CON-2 to CON-7, CON-11).

Choices are collected in the session (nothing is binding until signed), then recorded in
one signed change with a reference and a receipt.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired

from portal.consent import receipts, services
from portal.consent.models import Choice, ConsentChange, ConsentDecision
from portal.extensions import db
from portal.forms import at_most
from portal.i18n import current_language
from portal.people.acting import Acting, acting_for
from portal.policy import services as policy
from portal.security import PEOPLE, allow

bp = Blueprint("consent", __name__, url_prefix="/consent", template_folder="templates")

DRAFT = "consent_draft"

CHOICE_LABELS = {
    Choice.YES: _l("Yes, you may share it"),
    Choice.NO: _l("No, do not share it"),
    Choice.ASK: _l("Ask me each time"),
}
STATUS_LABELS = {
    "given": _l("Yes"),
    "refused": _l("No"),
    "ask-each-time": _l("Ask me each time"),
    "expired": _l("Needs your answer again (it is more than a year old)"),
    "never-asked": _l("Not decided: we will ask you first"),
    "needs-competence": _l("Waiting: a worker will talk with you first, because you are under 16"),
}


class DecisionForm(FlaskForm):
    choice = RadioField(
        _l("Your answer"),
        choices=[SelectChoice(choice.value, label) for choice, label in CHOICE_LABELS.items()],
        validators=[DataRequired(_l("Choose yes, no, or ask me each time."))],
        invalid_choice_message=_l("Choose yes, no, or ask me each time."),
    )


class AnswerForm(FlaskForm):
    choice = RadioField(
        _l("Your answer"),
        choices=[SelectChoice(Choice.YES.value, _l("Yes, you may")),
                 SelectChoice(Choice.NO.value, _l("No, you may not"))],
        validators=[DataRequired(_l("Choose yes or no."))],
        invalid_choice_message=_l("Choose yes or no."),
    )


class SignForm(FlaskForm):
    name = StringField(
        _l("Type your full name to sign"),
        validators=[DataRequired(_l("Type your full name to sign.")),
                    at_most(200)],
    )
    understood = BooleanField(
        _l("I understand I can change my mind at any time."),
        validators=[DataRequired(_l("Tick the box to show you understand you can change your mind."))],
    )


def _acting() -> Acting:
    return acting_for("decide_consent")


def names_in_language() -> tuple[dict[str, str], dict[str, str]]:
    """The policy in force's agencies and kinds of information, by id, in the page's language."""
    version = policy.current_version()
    if version is None:
        abort(404)
    text = policy.policy_text(version, current_language().code)
    return dict(text.agencies), dict(text.information_kinds)


def _draft() -> dict[str, str]:
    draft: dict[str, str] = session.get(DRAFT, {})
    return draft


def _key(agency: str, kind: str) -> str:
    return f"{agency}|{kind}"


@bp.route("")
@allow(PEOPLE)
def overview() -> str:
    acting = _acting()
    agencies, kinds = names_in_language()
    in_force = services.decisions_in_force(acting.person)
    today = services.local_today()
    rows = []
    for agency, agency_name in agencies.items():
        checks = {kind: services.answer_for(in_force.get((agency, kind)), today) for kind in kinds}
        rows.append({
            "id": agency, "name": agency_name,
            "yes": [kinds[k] for k, c in checks.items() if c.reason == "given"],
            "ask": [kinds[k] for k, c in checks.items() if c.reason in ("ask-each-time", "expired")],
        })
    return render_template(
        "consent/overview.html", acting=acting, rows=rows, draft_count=len(_draft()),
        requests=services.open_requests(acting.person), agencies=agencies, kinds=kinds,
        anything_given=any(d.choice != Choice.NO for d in in_force.values()),
    )


@bp.route("/agency/<agency>")
@allow(PEOPLE)
def agency(agency: str) -> str:
    acting = _acting()
    agencies, kinds = names_in_language()
    if agency not in agencies:
        abort(404)
    in_force = services.decisions_in_force(acting.person)
    today = services.local_today()
    draft = _draft()
    items = []
    for kind, kind_name in kinds.items():
        result = services.answer_for(in_force.get((agency, kind)), today)
        items.append({"id": kind, "name": kind_name, "status": STATUS_LABELS[result.reason],
                      "pending": draft.get(_key(agency, kind))})
    return render_template("consent/agency.html", acting=acting, agency_id=agency,
                           agency_name=agencies[agency], items=items, choice_labels=CHOICE_LABELS,
                           back_url=url_for("consent.overview"))


@bp.route("/agency/<agency>/<kind>", methods=["GET", "POST"])
@allow(PEOPLE)
def decide(agency: str, kind: str) -> str | Response:
    acting = _acting()
    if not acting.may_change:
        abort(403)
    agencies, kinds = names_in_language()
    if agency not in agencies or kind not in kinds:
        abort(404)
    current = services.check(acting.person, agency, kind)
    pending = _draft().get(_key(agency, kind))
    form = DecisionForm(data={"choice": pending or (current.decision.choice.value
                                                    if current.decision else None)})
    if form.validate_on_submit():
        draft = dict(_draft())
        draft[_key(agency, kind)] = form.choice.data or ""
        session[DRAFT] = draft
        return redirect(url_for("consent.check_answers"))
    return render_template(
        "consent/decide.html", acting=acting, form=form, agency_name=agencies[agency],
        kind_name=kinds[kind], current=STATUS_LABELS[current.reason],
        express=kind in _express_permission_kinds(),
        back_url=url_for("consent.agency", agency=agency),
    )


def _express_permission_kinds() -> set[str]:
    version = policy.current_version()
    if version is None:
        return set()
    return {k["id"] for k in version.content["information_kinds"] if k.get("express_permission")}


@bp.route("/check", methods=["GET", "POST"])
@allow(PEOPLE)
def check_answers() -> str | Response:
    acting = _acting()
    if not acting.may_change:
        abort(403)
    agencies, kinds = names_in_language()
    draft = {key: value for key, value in _draft().items()
             if key.split("|")[0] in agencies and key.split("|")[1] in kinds}
    form = SignForm()
    if request.method == "POST" and "remove" in request.form:
        remaining = {k: v for k, v in draft.items() if k != request.form["remove"]}
        session[DRAFT] = remaining
        return redirect(url_for("consent.check_answers"))
    if draft and form.validate_on_submit():
        wanted: dict[services.Pair, services.Wanted] = {}
        for key, value in draft.items():
            agency_id, kind_id = key.split("|")
            wanted[(agency_id, kind_id)] = services.Wanted(Choice(value))
        change = services.record_change(
            acting.person, wanted, by=acting.account, language=current_language().code,
            signed_name=(form.name.data or "").strip(),
        )
        session.pop(DRAFT, None)
        return redirect(url_for("consent.done", reference=change.reference))
    rows = [
        {"key": key, "agency": agencies[key.split("|")[0]], "kind": kinds[key.split("|")[1]],
         "agency_id": key.split("|")[0], "kind_id": key.split("|")[1],
         "choice": CHOICE_LABELS[Choice(value)]}
        for key, value in sorted(draft.items())
    ]
    return render_template("consent/check.html", acting=acting, form=form, rows=rows,
                           back_url=url_for("consent.overview"))


@bp.route("/done/<reference>")
@allow(PEOPLE)
def done(reference: str) -> str:
    acting = _acting()
    change = services.find_change(acting.person, reference)
    if change is None:
        abort(404)
    return render_template("consent/done.html", acting=acting, change=change)


@bp.route("/stop", methods=["GET", "POST"])
@allow(PEOPLE)
def stop() -> str | Response:
    acting = _acting()
    if not acting.may_change:
        abort(403)
    if request.method == "POST":
        change = services.stop_all_sharing(acting.person, by=acting.account,
                                           language=current_language().code)
        session.pop(DRAFT, None)
        if change is None:
            flash(_("You had not agreed to any sharing, so there was nothing to stop."), "info")
            return redirect(url_for("consent.overview"))
        return redirect(url_for("consent.done", reference=change.reference))
    return render_template("consent/stop.html", acting=acting, back_url=url_for("consent.overview"))


@bp.route("/history")
@allow(PEOPLE)
def history() -> str:
    acting = _acting()
    agencies, kinds = names_in_language()
    return render_template("consent/history.html", acting=acting, changes=services.history(acting.person),
                           agencies=agencies, kinds=kinds, choice_labels=CHOICE_LABELS,
                           back_url=url_for("consent.overview"))


def _change_or_404(reference: str) -> tuple[Acting, ConsentChange]:
    acting = _acting()
    change = services.find_change(acting.person, reference)  # scoped to this person only
    if change is None:
        abort(404)
    return acting, change


@bp.route("/receipts/<reference>.pdf")
@allow(PEOPLE)
def receipt_pdf(reference: str) -> Response:
    acting, change = _change_or_404(reference)
    response = make_response(receipts.receipt_pdf(change, acting.person))
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="receipt-{change.reference}.pdf"'
    return response


@bp.route("/receipts/<reference>.json")
@allow(PEOPLE)
def receipt_json(reference: str) -> Response:
    acting, change = _change_or_404(reference)
    response = jsonify(receipts.kantara_receipt(change, acting.person))
    response.headers["Content-Disposition"] = f'attachment; filename="receipt-{change.reference}.json"'
    return response


@bp.route("/decisions/<int:decision_id>/fhir.json")
@allow(PEOPLE)
def decision_fhir(decision_id: int) -> Response:
    acting = _acting()
    decision = db.session.get(ConsentDecision, decision_id)
    if decision is None or decision.person_id != acting.person.id:
        abort(404)
    latest = services.decisions_in_force(acting.person)
    in_force = receipts.decision_in_force(decision, latest, services.local_today())
    response = jsonify(receipts.fhir_consent(decision, acting.person, in_force=in_force))
    response.headers["Content-Type"] = "application/fhir+json"
    return response


@bp.route("/requests/<int:request_id>", methods=["GET", "POST"])
@allow(PEOPLE)
def answer_request(request_id: int) -> str | Response:
    """Answer a question staff sent (CON-3): yes or no, signed, recorded as a decision."""
    acting = _acting()
    consent_request = services.find_request(acting.person, request_id)
    if consent_request is None:
        abort(404)
    if consent_request.answer_change_id is not None:
        change = db.session.get(ConsentChange, consent_request.answer_change_id)
        assert change is not None
        return redirect(url_for("consent.done", reference=change.reference))
    if not acting.may_change:
        abort(403)
    agencies, kinds = names_in_language()
    form = AnswerForm()
    sign_form = SignForm()
    if request.method == "POST":
        answer_ok = form.validate()
        sign_ok = sign_form.validate()
        if answer_ok and sign_ok:
            change = services.answer_request(
                consent_request, acting.person, Choice(form.choice.data or ""), by=acting.account,
                language=current_language().code, signed_name=(sign_form.name.data or "").strip(),
            )
            return redirect(url_for("consent.done", reference=change.reference))
    errors = {**form.errors, **sign_form.errors}
    return render_template(
        "consent/request.html", acting=acting, form=form, sign_form=sign_form, errors=errors,
        consent_request=consent_request,
        agency_name=agencies.get(consent_request.agency, consent_request.agency),
        kind_name=kinds.get(consent_request.information_kind, consent_request.information_kind),
        back_url=url_for("consent.overview"),
    )
