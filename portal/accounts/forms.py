from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length


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
