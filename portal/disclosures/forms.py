"""Forms of the disclosure register: recording a share, a safety hold, and a refusal."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.consent.services import local_today
from portal.disclosures.services import PHONE, REFUSAL_REASON_MAX
from portal.forms import DayMonthYearField, at_most

# The pack lists channels by id; these are the words for the ones we know (others show as
# their id until someone adds a label).
CHANNEL_LABELS = {
    "secure-email": _l("Secure email"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "post": _l("Post"),
    "in-person": _l("In person"),
    "fax": _l("Fax"),
}


class RecordDisclosureForm(FlaskForm):
    agency = SelectField(_l("Which organisation?"),
                         invalid_choice_message=_l("Choose an organisation from the list."))
    kinds = SelectMultipleField(
        _l("What information?"), widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
        validators=[DataRequired(_l("Choose at least one kind of information."))],
        invalid_choice_message=_l("Choose a kind of information from the list."),
    )
    purpose = TextAreaField(_l("Why it is being shared"),
                            validators=[DataRequired(_l("Say why it is being shared.")),
                                        at_most(500)])
    channel = RadioField(_l("How is it being shared?"),
                         validators=[DataRequired(_l("Choose how it is being shared."))],
                         invalid_choice_message=_l("Choose how it is being shared."))
    identity_check = StringField(
        _l("For a phone call: how you checked who the caller is"),
        # No Optional(): it would stop the phone rule below from running on an empty field.
        validators=[at_most(300)],
    )
    circumstance = SelectField(
        _l("If they have not agreed to all of it: the exceptional circumstance"),
        validators=[Optional()],
        invalid_choice_message=_l("Choose a circumstance from the list."),
    )

    def validate_identity_check(self, field: Any) -> None:
        # DIS-4: identity is checked before anything is shared by phone.
        if self.channel.data == PHONE and not (field.data or "").strip():
            raise ValidationError(str(_l("Say how you checked the caller's identity, for example "
                                         "that you called back on a number you already had.")))


class HoldForm(FlaskForm):
    reason = TextAreaField(_l("Why they must not be told yet (staff only)"),
                           validators=[DataRequired(_l("Say why they must not be told yet.")),
                                       at_most(1000)])
    review_on = DayMonthYearField(_l("Review the hold by"),
                                  validators=[DataRequired(_l("Enter the date to review the hold by."))])

    def validate_review_on(self, field: Any) -> None:
        if field.data and field.data < local_today():
            raise ValidationError(str(_l("The review date must be today or later.")))


class FollowUpForm(FlaskForm):
    """A manager's note of what was done about an emergency share not approved."""

    follow_up_note = TextAreaField(
        _l("What was done about it (staff only)"),
        validators=[DataRequired(_l("Say what was done about it.")), at_most(REFUSAL_REASON_MAX)],
    )


class RefuseForm(FlaskForm):
    """An approver's refusal of a share waiting for approval (DIS-2)."""

    refusal_reason = TextAreaField(
        _l("Why you are refusing it (staff only)"),
        validators=[DataRequired(_l("Say why you are refusing it.")), at_most(REFUSAL_REASON_MAX)],
    )
