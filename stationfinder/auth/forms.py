"""Forms of the auth blueprint."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import InputRequired, Length


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
