"""Forms of the auth blueprint."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[InputRequired(), Length(max=64)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(max=512)],
        render_kw={"autocomplete": "current-password"},
    )
    # Off unless ticked: shared phones at a station desk must not stay logged in.
    remember = BooleanField(_l("Keep me logged in on this device"), default=False)
    submit = SubmitField(_l("Log in"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[InputRequired(), Length(max=512)],
        render_kw={"autocomplete": "current-password"},
    )
    # No length or strength rules here: accounts.check_password_policy is the one place they live.
    new_password = PasswordField(
        _l("New password"),
        validators=[InputRequired(), Length(max=512)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[InputRequired(), EqualTo("new_password", message=_l("The two new passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))
