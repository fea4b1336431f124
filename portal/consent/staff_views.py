"""Staff side of consent: a person's decisions, the check before sharing anything, and
recording consent given on paper, by email or (where the pack allows) verbally (CON-5)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.consent import services
from portal.consent.models import Choice, Method
from portal.consent.views import CHOICE_LABELS
from portal.i18n import current_language
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
}
METHOD_LABELS = {
    Method.PAPER: _l("On a signed paper form"),
    Method.EMAIL: _l("By email"),
    Method.VERBAL: _l("Verbally (only in exceptional circumstances, with a witness)"),
}
_TOO_LONG = _l("That is too long. Use %(max)d characters or fewer.")


def _choices(pairs: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(key, label) for key, label in pairs.items()]


class CheckForm(FlaskForm):
    agency = SelectField(_l("Which organisation?"),
                         invalid_choice_message=_l("Choose an organisation from the list."))
    kind = SelectField(_l("What information?"),
                       invalid_choice_message=_l("Choose a kind of information from the list."))
    purpose = StringField(_l("Why do you need to share it?"),
                          validators=[DataRequired(_l("Say why you need to share it.")),
                                      Length(max=300, message=_TOO_LONG)])


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
                          validators=[Optional(), Length(max=200, message=_TOO_LONG)])
    purpose = StringField(_l("Purpose (optional)"),
                          validators=[Optional(), Length(max=300, message=_TOO_LONG)])

    def validate_witness(self, field: Any) -> None:
        if self.method.data == Method.VERBAL.value and not (field.data or "").strip():
            raise ValidationError(str(_l("Name the witness: verbal consent needs one.")))


def _person(reference: str) -> Person:
    person = find_person(reference)
    if person is None:
        abort(404)
    return person


def _names() -> tuple[dict[str, str], dict[str, str]]:
    version = policy.current_version()
    if version is None:
        abort(404)
    text = policy.policy_text(version, current_language().code)
    return dict(text.agencies), dict(text.information_kinds)


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
    return render_template(
        "consent/staff_person.html", person=person, form=form, answer=answer,
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
        change = services.record_change(
            person, wanted, by=signed_in_account(), language=person.preferred_language,
            method=Method(form.method.data or ""), witness=(form.witness.data or "").strip() or None,
        )
        flash(_("Recorded, with reference %(reference)s.", reference=change.reference), "success")
        return redirect(url_for("staff_consent.person_consent", reference=person.reference))
    return render_template("consent/staff_record.html", person=person, form=form,
                           back_url=url_for("staff_consent.person_consent", reference=person.reference))
