"""Staff side of consent: a person's decisions, the check before sharing anything, and
recording consent given on paper, by email or (where the pack allows) verbally (CON-5)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.consent import services
from portal.consent.models import AgencyNotice, Choice, Method
from portal.consent.views import CHOICE_LABELS
from portal.consent.views import names_in_language as _names
from portal.extensions import db
from portal.forms import DayMonthYearField, at_most
from portal.people.models import Person
from portal.people.services import find_person
from portal.policy import services as policy
from portal.security import CASEWORKERS, allow, signed_in_account

bp = Blueprint("staff_consent", __name__, url_prefix="/staff/people/<reference>/consent",
               template_folder="templates")

ANSWER_LABELS = {
    "given": _l("Yes: they agreed."),
    "refused": _l("No: they said no. Do not share unless an exceptional circumstance applies."),
    "ask-each-time": _l("Ask first: they want to be asked each time."),
    "expired": _l("Ask first: their agreement is past its review date, so it no longer counts."),
    "never-asked": _l("Ask first: they have never been asked about this."),
    "needs-competence": _l("Ask first: they are under 16 and no worker has recorded that they can "
                           "decide for themselves."),
}
METHOD_LABELS = {
    Method.PAPER: _l("On a signed paper form"),
    Method.EMAIL: _l("By email"),
    Method.VERBAL: _l("Verbally (only in exceptional circumstances, with a witness)"),
}


def _choices(pairs: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in pairs.items()]


class CheckForm(FlaskForm):
    agency = SelectField(_l("Which organisation?"),
                         invalid_choice_message=_l("Choose an organisation from the list."))
    kind = SelectField(_l("What information?"),
                       invalid_choice_message=_l("Choose a kind of information from the list."))
    purpose = StringField(_l("Why do you need to share it?"),
                          validators=[DataRequired(_l("Say why you need to share it.")),
                                      at_most(300)])


class RecordForm(FlaskForm):
    agency = SelectField(_l("Which organisation?"),
                         invalid_choice_message=_l("Choose an organisation from the list."))
    kinds = SelectMultipleField(
        _l("What information?"), widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one kind of information."))],
        invalid_choice_message=_l("Choose a kind of information from the list."),
    )
    choice = RadioField(_l("Their answer"),
                        choices=_choices({choice.value: label for choice, label in CHOICE_LABELS.items()}),
                        validators=[DataRequired(_l("Choose their answer."))],
                        invalid_choice_message=_l("Choose their answer."))
    method = RadioField(_l("How did they give it?"),
                        validators=[DataRequired(_l("Choose how they gave it."))],
                        invalid_choice_message=_l("Choose how they gave it."))
    witness = StringField(_l("Witness (for verbal consent)"),
                          validators=[Optional(), at_most(200)])
    purpose = StringField(_l("Purpose (optional)"),
                          validators=[Optional(), at_most(300)])

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if self.method.data == Method.VERBAL.value and not (self.witness.data or "").strip():
            self.witness.errors = [*self.witness.errors,
                                   str(_l("Name the witness: verbal consent needs one."))]
            return False
        return valid


class AskForm(FlaskForm):
    agency = SelectField(_l("Which organisation?"),
                         invalid_choice_message=_l("Choose an organisation from the list."))
    kind = SelectField(_l("What information?"),
                       invalid_choice_message=_l("Choose a kind of information from the list."))
    reason = StringField(_l("Why you are asking (they will see this)"),
                         validators=[DataRequired(_l("Say why you are asking.")),
                                     at_most(300)])
    answer_by = DayMonthYearField(_l("Answer by"),
                                  validators=[DataRequired(_l("Enter the date to answer by."))])

    def validate_answer_by(self, field: Any) -> None:
        if field.data and field.data < services.local_today():
            raise ValidationError(str(_l("The date to answer by must be today or later.")))


class CompetenceForm(FlaskForm):
    competent = RadioField(
        _l("Can they make their own decisions about sharing?"),
        choices=[SelectChoice("yes", _l("Yes, they understand enough to decide for themselves")),
                 SelectChoice("no", _l("No, not yet"))],
        validators=[DataRequired(_l("Choose yes or no."))], invalid_choice_message=_l("Choose yes or no."),
    )
    notes = StringField(_l("How you assessed it"),
                        validators=[DataRequired(_l("Say how you assessed it.")),
                                    at_most(1000)])


def _person(reference: str) -> Person:
    person = find_person(reference)
    if person is None:
        abort(404)
    return person


def _decisions_table(person: Person, agencies: dict[str, str], kinds: dict[str, str]) -> list[dict[str, Any]]:
    today = services.local_today()
    rows = []
    for (agency, kind), decision in sorted(services.decisions_in_force(person).items()):
        result = services.answer_for(decision, today)
        rows.append({"agency": agencies.get(agency, agency), "kind": kinds.get(kind, kind),
                     "answer": ANSWER_LABELS[result.reason], "decision": decision})
    return rows


@bp.route("", methods=["GET", "POST"])
@allow(CASEWORKERS)
def person_consent(reference: str) -> str:
    person = _person(reference)
    agencies, kinds = _names()
    form = CheckForm()
    form.agency.choices = _choices(agencies)
    form.kind.choices = _choices(kinds)
    answer = None
    if form.validate_on_submit():
        result = services.check(person, form.agency.data or "", form.kind.data or "")
        answer = {"choice": result.answer.value, "text": ANSWER_LABELS[result.reason],
                  "decision": result.decision, "agency": agencies[form.agency.data or ""],
                  "kind": kinds[form.kind.data or ""]}
        from portal.audit.services import record_event

        record_event("consent.checked", person=person, agency=form.agency.data,
                     information_kind=form.kind.data, answer=result.answer.value)
    unread = services.unread_answers(person)
    ask_form = AskForm(prefix="ask")
    ask_form.agency.choices = _choices(agencies)
    ask_form.kind.choices = _choices(kinds)
    return render_template(
        "consent/staff_person.html", person=person, form=form, answer=answer, ask_form=ask_form,
        competence_form=CompetenceForm(prefix="competence"),
        needs_competence=services.needs_competence_assessment(person),
        open_requests=services.open_requests(person), notices=services.open_notices(person),
        unread_answers=unread, answer_choices=services.answer_choices(unread),
        rows=_decisions_table(person, agencies, kinds), changes=services.history(person),
        agencies=agencies, kinds=kinds, choice_labels=CHOICE_LABELS,
        back_url=url_for("staff.person", reference=person.reference),
    )


@bp.route("/record", methods=["GET", "POST"])
@allow(CASEWORKERS)
def record(reference: str) -> str | Response:
    person = _person(reference)
    agencies, kinds = _names()
    form = RecordForm()
    form.agency.choices = _choices(agencies)
    form.kinds.choices = _choices(kinds)
    methods = dict(METHOD_LABELS)
    if not policy.setting("consent.verbal_allowed", False):
        methods.pop(Method.VERBAL)  # the organisation does not accept verbal consent
    form.method.choices = _choices({m.value: label for m, label in methods.items()})
    if form.validate_on_submit():
        wanted = {(form.agency.data or "", kind): services.Wanted(Choice(form.choice.data or ""),
                                                                 (form.purpose.data or "").strip() or None)
                  for kind in form.kinds.data or []}
        try:
            change = services.record_change(
                person, wanted, by=signed_in_account(), language=person.preferred_language,
                method=Method(form.method.data or ""), witness=(form.witness.data or "").strip() or None,
            )
        except services.ConsentError:
            # The form checks every rule first; this only happens if the policy changed
            # between showing the form and sending it.
            flash(_("That could not be recorded because the policy has just changed. Check and try again."),
                  "error")
        else:
            flash(_("Recorded, with reference %(reference)s.", reference=change.reference), "success")
            return redirect(url_for("staff_consent.person_consent", reference=person.reference))
    return render_template("consent/staff_record.html", person=person, form=form,
                           back_url=url_for("staff_consent.person_consent", reference=person.reference))


@bp.route("/ask", methods=["POST"])
@allow(CASEWORKERS)
def ask(reference: str) -> str | Response:
    """Send the person a specific question (CON-3)."""
    person = _person(reference)
    agencies, kinds = _names()
    form = AskForm(prefix="ask")
    form.agency.choices = _choices(agencies)
    form.kind.choices = _choices(kinds)
    if form.validate_on_submit() and form.answer_by.data is not None:
        services.ask(person, form.agency.data or "", form.kind.data or "", reason=form.reason.data or "",
                     answer_by=form.answer_by.data, by=signed_in_account())
        flash(_("Your question is on their home page."), "success")
        return redirect(url_for("staff_consent.person_consent", reference=person.reference))
    return render_template("consent/staff_ask.html", person=person, form=form,
                           back_url=url_for("staff_consent.person_consent", reference=person.reference))


@bp.route("/competence", methods=["POST"])
@allow(CASEWORKERS)
def competence(reference: str) -> str | Response:
    """Record whether a young person under 16 can decide for themselves (CON-9)."""
    person = _person(reference)
    form = CompetenceForm(prefix="competence")
    if form.validate_on_submit():
        services.record_competence(person, competent=form.competent.data == "yes",
                                   notes=form.notes.data or "", by=signed_in_account())
        flash(_("Recorded."), "success")
        return redirect(url_for("staff_consent.person_consent", reference=person.reference))
    return render_template("consent/staff_competence.html", person=person, form=form,
                           back_url=url_for("staff_consent.person_consent", reference=person.reference))


@bp.route("/answers/<int:request_id>/read", methods=["POST"])
@allow(CASEWORKERS)
def answer_read(reference: str, request_id: int) -> Response:
    """A worker has read the person's answer: it leaves the workspace."""
    person = _person(reference)
    found = services.find_request(person, request_id)
    if found is None or found.answered_at is None:
        abort(404)
    services.mark_answer_read(found, by=signed_in_account())
    flash(_("Marked as read."), "success")
    return redirect(url_for("staff_consent.person_consent", reference=person.reference))


@bp.route("/notices/<int:notice_id>/done", methods=["POST"])
@allow(CASEWORKERS)
def notice_done(reference: str, notice_id: int) -> Response:
    """Staff have told the agency about the person's change of mind."""
    person = _person(reference)
    notice = db.session.get(AgencyNotice, notice_id)
    if notice is None or notice.person_id != person.id:
        abort(404)
    services.mark_notice_done(notice, by=signed_in_account(), how=request.form.get("how", "")[:300])
    flash(_("Marked as told."), "success")
    return redirect(url_for("staff_consent.person_consent", reference=person.reference))
