from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Optional, ValidationError

from portal.accounts.models import Role
from portal.accounts.services import looks_like_phone
from portal.forms import DayMonthYearField, at_most, not_in_future
from portal.i18n import LANGUAGES
from portal.people.need_to_know import REASONS


def _phone(_form: Any, field: Any) -> None:
    if field.data and not looks_like_phone(field.data):
        raise ValidationError(str(_l("Enter a phone number, like 07700 900123.")))


def _username(_form: Any, field: Any) -> None:
    value = (field.data or "").strip()
    if value and (len(value) < 3 or not value.replace(".", "").replace("_", "").replace("-", "").isalnum()):
        raise ValidationError(
            str(_l("A username has at least 3 letters or numbers, and may use . _ and -."))
        )
    if value and "@" in value:
        raise ValidationError(str(_l("A username can't contain @.")))


class SignInNamesMixin:
    email = StringField(
        _l("Email address (optional)"),
        validators=[Optional(), at_most(254), Email(_l("Enter an email address like name@example.org."))],
    )
    phone = StringField(_l("Mobile phone number (optional)"), validators=[Optional(), _phone])
    username = StringField(_l("Username (optional)"), validators=[Optional(), at_most(40), _username])

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)  # type: ignore[misc]
        if not (self.email.data or self.phone.data or self.username.data):
            self.username.errors = [
                *self.username.errors,
                str(_l("Give at least one of email address, phone number or username, "
                       "so they can sign in.")),
            ]
            return False
        return valid


class NewPersonForm(SignInNamesMixin, FlaskForm):
    full_name = StringField(
        _l("Full name"),
        validators=[DataRequired(_l("Enter their full name.")), at_most(200)],
    )
    known_as = StringField(
        _l("What they like to be called (optional)"), validators=[Optional(), at_most(100)]
    )
    date_of_birth = DayMonthYearField(
        _l("Date of birth (optional)"), validators=[Optional(), not_in_future]
    )
    language = SelectField(
        _l("Language they prefer"),
        choices=[
            SelectChoice(language.code, language.native_name, render_kw={"lang": language.tag})
            for language in LANGUAGES
        ],
        default="en",
        invalid_choice_message=_l("Choose a language from the list."),
    )


STAFF_ROLE_LABELS = {
    Role.STAFF: _l("Staff member"),
    Role.VOLUNTEER: _l("Volunteer"),
    Role.MANAGER: _l("Manager"),
    Role.ADMINISTRATOR: _l("Administrator"),
    Role.ADVOCATE: _l("Advocate"),
}


class NewAccountForm(SignInNamesMixin, FlaskForm):
    display_name = StringField(
        _l("Name"), validators=[DataRequired(_l("Enter their name.")), at_most(120)]
    )
    role = RadioField(
        _l("Role"),
        choices=[SelectChoice(role.value, label) for role, label in STAFF_ROLE_LABELS.items()],
        validators=[DataRequired(_l("Choose a role."))],
        invalid_choice_message=_l("Choose a role."),
    )
    volunteer_started_on = DayMonthYearField(
        _l("Date they started volunteering"), validators=[Optional(), not_in_future]
    )

    def validate_volunteer_started_on(self, field: Any) -> None:
        if self.role.data == Role.VOLUNTEER.value and not field.data:
            raise ValidationError(str(_l("Enter the date they started volunteering.")))


class SearchForm(FlaskForm):
    q = StringField(_l("Name, reference or date of birth"), validators=[Optional(), at_most(100)])


class OpenRecordForm(FlaskForm):
    """Why a worker opens the record of someone not on their caseload (SEC-1)."""

    reason = RadioField(
        _l("Why do you need to open this record?"),
        choices=[SelectChoice(key, label) for key, label in REASONS.items()],
        validators=[DataRequired(_l("Choose why you need to open the record."))],
        invalid_choice_message=_l("Choose why you need to open the record."),
    )
    details = TextAreaField(_l("Details (needed if you chose another reason)"),
                            validators=[at_most(500)])

    def validate_details(self, field: Any) -> None:
        if self.reason.data == "other" and not (field.data or "").strip():
            raise ValidationError(str(_l("Say why you need to open the record.")))


class AddWorkerForm(FlaskForm):
    worker = SelectField(_l("Worker"), coerce=int,
                         invalid_choice_message=_l("Choose a worker from the list."))


class PolicyExplainedForm(FlaskForm):
    language = SelectField(
        _l("Language you explained it in"),
        invalid_choice_message=_l("Choose a language from the list."),
    )
    interpreter = StringField(
        _l("Interpreter's name (if there was one)"), validators=[Optional(), at_most(200)]
    )
