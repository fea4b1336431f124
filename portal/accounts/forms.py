from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length

from portal.accounts.two_factor import RESET_REASONS


class SignInForm(FlaskForm):
    sign_in_name = StringField(
        _l("Email address, phone number or username"),
        validators=[
            DataRequired(_l("Enter your email address, phone number or username.")),
            Length(max=254, message=_l("That is too long to be a sign-in name.")),
        ],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


class ActivationCodeForm(FlaskForm):
    code = StringField(
        _l("Your activation code"),
        validators=[
            DataRequired(_l("Enter the activation code you were given.")),
            Length(max=40, message=_l("That code is too long. Check it and try again.")),
        ],
    )


class ChoosePasswordForm(FlaskForm):
    password = PasswordField(
        _l("Choose a password"), validators=[DataRequired(_l("Choose a password."))]
    )
    confirm = PasswordField(
        _l("Type the same password again"),
        validators=[
            DataRequired(_l("Type your password again.")),
            EqualTo("password", message=_l("The two passwords are not the same.")),
        ],
    )


class ChangePasswordForm(ChoosePasswordForm):
    current_password = PasswordField(
        _l("Your current password"),
        validators=[DataRequired(_l("Enter your current password."))],
    )


class SignInCodeForm(FlaskForm):
    """The second step of signing in, for accounts with two-step sign-in."""

    code = StringField(
        _l("Code from your authenticator app"),
        validators=[
            DataRequired(_l("Enter the 6-digit code from your authenticator app, or a recovery code.")),
            Length(max=40, message=_l("That code is too long. Check it and try again.")),
        ],
    )


class SetUpCodeForm(FlaskForm):
    code = StringField(
        _l("Code from the app"),
        validators=[
            DataRequired(_l("Enter the 6-digit code the app shows.")),
            Length(max=20, message=_l("That code is too long. It has 6 numbers.")),
        ],
    )


class ConfirmPasswordForm(FlaskForm):
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])


RESET_REASON_LABELS = {
    "lost-phone": _l("Their phone was lost or stolen"),
    "new-phone": _l("They have a new phone and no recovery codes"),
    "app-removed": _l("The authenticator app was removed or stopped working"),
    "may-be-known": _l("Someone else may have their codes"),
}


class ResetTwoStepForm(FlaskForm):
    reason = RadioField(
        _l("Why are you resetting it?"),
        choices=[SelectChoice(key, RESET_REASON_LABELS[key]) for key in RESET_REASONS],
        validators=[DataRequired(_l("Choose why you are resetting it."))],
        invalid_choice_message=_l("Choose why you are resetting it."),
    )
