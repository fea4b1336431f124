"""The safe-contact form, and the labels staff see for the same choices."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional, ValidationError

from portal.contact.models import NOTE_MAX, SafeTimes
from portal.forms import at_most

TIME_LABELS = {
    SafeTimes.ANY: _l("Any time"),
    SafeTimes.WEEKDAYS: _l("Weekdays, 9am to 5pm"),
    SafeTimes.EVENINGS: _l("Evenings, 6pm to 9pm"),
}
CHANNEL_LABELS = {
    "email": _l("Email"),
    "text": _l("Text message"),
    "phone": _l("Phone call"),
}
YES, NO = "yes", "no"


def _known_time_if_needed(form: Any, field: Any) -> None:
    """A choice from the list; required only if some channel is safe (with none, nothing
    is ever sent, so the times do not matter)."""
    if field.data and field.data not in TIME_LABELS:
        raise ValidationError(str(_l("Choose when it is safe to contact you.")))
    if (form.email.data or form.text.data or form.phone.data) and not field.data:
        raise ValidationError(str(_l("Choose when it is safe to contact you.")))


class ContactPreferenceForm(FlaskForm):
    email = BooleanField(CHANNEL_LABELS["email"])
    text = BooleanField(CHANNEL_LABELS["text"])
    phone = BooleanField(CHANNEL_LABELS["phone"])
    safe_times = RadioField(
        _l("When is it safe to contact you?"),
        choices=[SelectChoice(value.value, label) for value, label in TIME_LABELS.items()],
        validators=[_known_time_if_needed],
        validate_choice=False,  # checked by _known_time_if_needed, which allows "none chosen"
    )
    leave_message = RadioField(
        _l("May we leave a message, on voicemail or with someone who answers?"),
        choices=[SelectChoice(YES, _l("Yes")), SelectChoice(NO, _l("No"))],
        default=NO,
        invalid_choice_message=_l("Choose yes or no."),
    )
    note = TextAreaField(
        _l("Anything our staff should know before contacting you (optional)"),
        validators=[Optional(), at_most(NOTE_MAX)],
    )
