"""The add form of the webhooks page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from stationfinder.models.webhook import MAX_NAME, MAX_URL
from stationfinder.services.regions import codes as regions
from stationfinder.services.webhooks.registry import MAX_SECRET, MIN_SECRET

FORMAT_LABELS = {
    "wecom": _l("WeCom group robot (企业微信群机器人)"),
    "json": _l("Signed JSON (for a case system)"),
}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _region_code(form, field) -> None:
    # Checked here so the scope check after it only ever sees a well-formed code.
    code = (field.data or "").strip()
    if code == regions.NATIONAL:
        return
    try:
        field.data = regions.validate(code)
    except regions.InvalidRegion:
        raise ValidationError(_l("Enter a 6-digit region code, e.g. 520502.")) from None


class WebhookForm(FlaskForm):
    region_code = StringField(
        _l("Region code"),
        validators=[InputRequired(_l("Enter a 6-digit region code, e.g. 520502.")), _region_code],
        filters=[_strip],
        render_kw={"inputmode": "numeric", "maxlength": 6, "autocomplete": "off"},
    )
    url = StringField(
        _l("Webhook address (URL)"),
        validators=[InputRequired(_l("Paste the webhook address.")), Length(max=MAX_URL)],
        filters=[_strip],
        render_kw={"type": "url", "maxlength": MAX_URL, "autocomplete": "off", "spellcheck": "false"},
    )
    format = SelectField(
        _l("Format"),
        choices=[SelectChoice(value, label) for value, label in FORMAT_LABELS.items()],
        validators=[InputRequired()],
    )
    secret = StringField(
        _l("Signing secret (JSON only, optional)"),
        validators=[
            Optional(),
            Length(
                min=MIN_SECRET,
                max=MAX_SECRET,
                # WTForms fills in min and max.
                message=_l("The secret must have %(min)d to %(max)d characters."),
            ),
        ],
        render_kw={"maxlength": MAX_SECRET, "autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(
        _l("Name (e.g. the group's name)"),
        validators=[Optional(), Length(max=MAX_NAME)],
        render_kw={"maxlength": MAX_NAME},
    )

    def validate_secret(self, field) -> None:
        """Refuse a secret for a WeCom robot: its key is in its URL, and WeCom checks no signature."""
        if self.format.data == "wecom" and (field.data or "").strip():
            raise ValidationError(_l("A WeCom robot is not signed: leave the secret empty."))


__all__ = ["FORMAT_LABELS", "WebhookForm"]
