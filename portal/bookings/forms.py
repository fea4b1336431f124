"""Forms for asking to see one's file, and for the staff who answer."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional, Regexp, ValidationError

from portal.bookings.models import DeclineReason
from portal.forms import DayMonthYearField, at_most

YES_NO = [SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No"))]

# Shown to the person, in their language, when staff can't confirm a time.
DECLINE_LABELS = {
    DeclineReason.NO_SUPERVISOR: _l("Nobody from our team is free to be with you at that time."),
    DeclineReason.FILE_NOT_READY: _l("We need more time to get everything ready for you."),
    DeclineReason.CLOSED: _l("We are closed at that time."),
    DeclineReason.TALK_FIRST: _l("We would like to talk with you first. "
                                 "We will contact you in the way you told us is safe."),
}


class DayForm(FlaskForm):
    day = RadioField(_l("Which day would you like to come?"),
                     validators=[DataRequired(_l("Choose a day."))],
                     invalid_choice_message=_l("Choose a day from the list."))


class TimeForm(FlaskForm):
    start = RadioField(_l("What time would you like to come?"),
                       validators=[DataRequired(_l("Choose a time."))],
                       invalid_choice_message=_l("Choose a time from the list."))


class NeedsForm(FlaskForm):
    interpreter = RadioField(_l("Do you need an interpreter?"), choices=YES_NO,
                             validators=[DataRequired(_l("Say if you need an interpreter."))],
                             invalid_choice_message=_l("Say if you need an interpreter."))
    interpreter_language = StringField(_l("If yes, which language?"),
                                       validators=[at_most(60)])
    advocate_coming = RadioField(_l("Will someone come with you to help, like an advocate?"), choices=YES_NO,
                                 validators=[DataRequired(_l("Say if someone will come with you."))],
                                 invalid_choice_message=_l("Say if someone will come with you."))
    copy_to_take_away = RadioField(_l("Would you like a copy to take away?"), choices=YES_NO,
                                   validators=[DataRequired(_l("Say if you would like a copy."))],
                                   invalid_choice_message=_l("Say if you would like a copy."))
    access_needs = TextAreaField(_l("Is there anything we can do to make the visit easier for you? "
                                    "(optional)"),
                                 validators=[Optional(), at_most(500)])

    def validate_interpreter_language(self, field: Any) -> None:
        if self.interpreter.data == "yes" and not (field.data or "").strip():
            raise ValidationError(str(_l("Say which language the interpreter should speak.")))


class SendForm(FlaskForm):
    """Check your answers: only the token; the answers are in the session."""


class ConfirmForm(FlaskForm):
    supervisor = SelectField(_l("Who will be with them?"), validate_choice=False)


class DeclineForm(FlaskForm):
    reason = RadioField(_l("Why can't you confirm it?"),
                        choices=[SelectChoice(r.value, label) for r, label in DECLINE_LABELS.items()],
                        validators=[DataRequired(_l("Choose a reason."))],
                        invalid_choice_message=_l("Choose a reason."))


class ChecklistForm(FlaskForm):
    third_parties_removed = BooleanField(_l("Information about other people has been removed from the file"))
    file_ready = BooleanField(_l("The file is ready"))


class MoveForm(FlaskForm):
    day = DayMonthYearField(_l("New day"), validators=[DataRequired(_l("Enter the new day."))])
    clock = StringField(_l("New start time (24-hour clock, like 14:30)"),
                        validators=[DataRequired(_l("Enter the new start time.")),
                                    Regexp(r"^\d{1,2}:\d{2}$", message=_l("Enter the time like 14:30."))])
    reason = StringField(_l("Why it is moving"),
                         validators=[DataRequired(_l("Say why it is moving.")),
                                     at_most(300)])


class ExtendForm(FlaskForm):
    months = RadioField(_l("Extend by"),
                        choices=[SelectChoice("1", _l("One month")), SelectChoice("2", _l("Two months"))],
                        validators=[DataRequired(_l("Choose how long."))],
                        invalid_choice_message=_l("Choose how long."))
    reason = StringField(_l("Why (they will be told)"),
                         validators=[DataRequired(_l("Say why: they will be told.")),
                                     at_most(500)])


_RANGES = r"^\s*(\d{2}:\d{2}-\d{2}:\d{2}(\s*,\s*\d{2}:\d{2}-\d{2}:\d{2})*)?\s*$"
_RANGES_MESSAGE = _l("Enter times like 09:30-13:00, with a comma between ranges, or leave it empty.")


class HoursForm(FlaskForm):
    monday = StringField(_l("Monday"), validators=[Regexp(_RANGES, message=_RANGES_MESSAGE)])
    tuesday = StringField(_l("Tuesday"), validators=[Regexp(_RANGES, message=_RANGES_MESSAGE)])
    wednesday = StringField(_l("Wednesday"), validators=[Regexp(_RANGES, message=_RANGES_MESSAGE)])
    thursday = StringField(_l("Thursday"), validators=[Regexp(_RANGES, message=_RANGES_MESSAGE)])
    friday = StringField(_l("Friday"), validators=[Regexp(_RANGES, message=_RANGES_MESSAGE)])
    saturday = StringField(_l("Saturday"), validators=[Regexp(_RANGES, message=_RANGES_MESSAGE)])
    sunday = StringField(_l("Sunday"), validators=[Regexp(_RANGES, message=_RANGES_MESSAGE)])
