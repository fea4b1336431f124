"""Forms for inviting, narrowing, never-link, accepting, and the staff side of advocates."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Optional, ValidationError

from portal.advocates.services import END_REASONS, STAFF_BASES, Grant, latest_review_date
from portal.forms import DayMonthYearField, at_most

PERMISSION_LABELS = {
    "may_read": _l("Read our policy and your choices about sharing"),
    "may_book": _l("Ask for, change and cancel appointments to see your file"),
    "may_decide_consent": _l("Answer our questions and change your choices about sharing"),
    "may_see_disclosures": _l("See what we have shared about you, and with whom"),
    "may_request_records": _l("Ask for a copy of your records for you"),
}

BASIS_LABELS = {
    "invited-by-person": _l("Invited by the person"),
    "lasting-power-of-attorney": _l("Lasting power of attorney"),
    "court-deputy": _l("Deputy appointed by the Court of Protection"),
    "capacity-assessment": _l("A capacity assessment found they cannot decide this themselves"),
    "parent-of-young-child": _l("Parent or guardian of a young child"),
    "asked-in-person": _l("The person asked us in person"),
    "other": _l("Another reason (say what)"),
}


END_REASON_LABELS = {
    "person-asked": _l("The person asked us to end it"),
    "advocate-asked": _l("The advocate asked us to end it"),
    "basis-ended": _l("The basis has ended (for example a court order or power of attorney)"),
    "no-longer-needed": _l("We reviewed it: it is no longer needed"),
    "safeguarding": _l("A safeguarding concern"),
    "other": _l("Another reason (say what)"),
}


class PermissionsForm(FlaskForm):
    """The things an advocate may do, as checkboxes. Changing consent, seeing what was
    shared and asking for records are off unless chosen."""

    may_read = BooleanField(PERMISSION_LABELS["may_read"], default=True)
    may_book = BooleanField(PERMISSION_LABELS["may_book"], default=True)
    may_decide_consent = BooleanField(PERMISSION_LABELS["may_decide_consent"], default=False)
    may_see_disclosures = BooleanField(PERMISSION_LABELS["may_see_disclosures"], default=False)
    may_request_records = BooleanField(PERMISSION_LABELS["may_request_records"], default=False)

    def grant(self) -> Grant:
        return Grant(**{name: bool(self[name].data) for name in PERMISSION_LABELS})

    def permission_fields(self) -> list[Any]:
        return [self[name] for name in PERMISSION_LABELS]


class InviteForm(PermissionsForm):
    name = StringField(_l("Their name"),
                       validators=[DataRequired(_l("Enter their name.")),
                                   at_most(120)])
    relationship_label = StringField(
        _l("How do you know them?"),
        validators=[DataRequired(_l("Say how you know them, for example ‘my sister’.")),
                    at_most(100)])
    email = EmailField(
        _l("Their email address"),
        validators=[DataRequired(_l("Enter their email address.")),
                    Email(_l("Enter an email address like name@example.org.")),
                    at_most(254)])


class PressureForm(FlaskForm):
    pressured = RadioField(
        _l("Is anyone pressuring you to let this person help you?"),
        choices=[SelectChoice("no", _l("No")), SelectChoice("yes", _l("Yes"))],
        validators=[DataRequired(_l("Choose yes or no."))],
        invalid_choice_message=_l("Choose yes or no."),
    )


class NeverLinkForm(FlaskForm):
    name = StringField(_l("Their name"),
                       validators=[DataRequired(_l("Enter their name.")),
                                   at_most(120)])
    email = EmailField(_l("Their email address, if you know it (optional)"),
                       validators=[Optional(),
                                   Email(_l("Enter an email address like name@example.org.")),
                                   at_most(254)])


class AcceptForm(FlaskForm):
    code = StringField(_l("Your invitation code"),
                       validators=[DataRequired(_l("Enter the code you were given."))])
    email = EmailField(_l("Your email address"),
                       validators=[Optional(), at_most(254)])


class StaffLinkForm(PermissionsForm):
    email = EmailField(
        _l("The advocate's email address"),
        validators=[DataRequired(_l("Enter the advocate's email address.")),
                    Email(_l("Enter an email address like name@example.org.")),
                    at_most(254)])
    relationship_label = StringField(
        _l("Who they are to the person"),
        validators=[DataRequired(_l("Say who they are to the person, for example ‘daughter’.")),
                    at_most(100)])
    basis = RadioField(
        _l("On what basis may they act?"),
        choices=[SelectChoice(basis, BASIS_LABELS[basis]) for basis in STAFF_BASES],
        validators=[DataRequired(_l("Choose the basis."))],
        invalid_choice_message=_l("Choose the basis."),
    )
    basis_details = StringField(
        _l("Details (document reference, who assessed and when)"),
        validators=[at_most(500)])
    review_date = DayMonthYearField(_l("Review by"),
                                    validators=[DataRequired(_l("Enter the date to review it by."))])

    def validate_review_date(self, field: Any) -> None:
        from portal.consent.services import local_today

        if field.data and field.data <= local_today():
            raise ValidationError(str(_l("The review date must be in the future.")))

    def validate_basis_details(self, field: Any) -> None:
        if self.basis.data in ("other", "capacity-assessment") and not (field.data or "").strip():
            raise ValidationError(str(_l("Give the details of this basis.")))


class SuspendForm(FlaskForm):
    reason = StringField(
        _l("Why are you suspending it? (Staff only: the advocate never sees this.)"),
        validators=[DataRequired(_l("Say why you are suspending it.")),
                    at_most(500)])


class EndLinkForm(FlaskForm):
    reason = RadioField(
        _l("Why are you ending it?"),
        choices=[SelectChoice(reason, END_REASON_LABELS[reason]) for reason in END_REASONS],
        validators=[DataRequired(_l("Choose why you are ending it."))],
        invalid_choice_message=_l("Choose why you are ending it."),
    )
    details = StringField(
        _l("Details (staff only: the person and the advocate never see this)"),
        validators=[at_most(500)])

    def validate_details(self, field: Any) -> None:
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError(str(_l("Say why you are ending it.")))


class ReviewForm(FlaskForm):
    next_review = DayMonthYearField(
        _l("Next review by"),
        # InputRequired, not DataRequired: a date typed wrongly gets only its own message.
        validators=[InputRequired(_l("Enter the date of the next review."))])

    def validate_next_review(self, field: Any) -> None:
        from portal.consent.services import local_today
        from portal.i18n import format_local_date

        today = local_today()
        if field.data is None:
            return
        if field.data <= today:
            raise ValidationError(str(_l("The review date must be in the future.")))
        if field.data > latest_review_date(today):
            raise ValidationError(str(_l(
                "The review date can be at most 2 years ahead: on or before %(date)s.",
                date=format_local_date(latest_review_date(today)))))
