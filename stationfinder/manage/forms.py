"""Forms of the manage blueprint."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    FloatField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from stationfinder.amenities import AMENITIES
from stationfinder.models import StationAccess, StationStatus
from stationfinder.services.stations import hours

STATUS_LABELS = {
    StationStatus.OPEN.value: _l("Open"),
    StationStatus.TEMPORARILY_CLOSED.value: _l("Temporarily closed"),
    StationStatus.CLOSED.value: _l("Closed for good"),
}
ACCESS_LABELS = {
    StationAccess.PUBLIC.value: _l("Open to everyone"),
    StationAccess.MEMBERS.value: _l("Members only"),
}
COORD_LABELS = {
    "wgs84": _l("WGS-84 (GPS, phone location)"),
    "gcj02": _l("GCJ-02 (Amap, Tencent, WeChat)"),
    "bd09": _l("BD-09 (Baidu Maps)"),
}


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes, one per choice."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def valid_hours(form, field):
    """Check opening hours with the same parser the rider search uses."""
    try:
        field.data = hours.validate(field.data)
    except hours.InvalidHours:
        raise ValidationError(
            _l("The opening hours are not in a format we can read; see the examples.")
        ) from None


def _decimal(**kw):
    return {"inputmode": "decimal", "autocomplete": "off", **kw}


class StationForm(FlaskForm):
    name = StringField(_l("Station name"), validators=[InputRequired(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    region_code = StringField(
        _l("Region code"),
        validators=[
            Optional(),
            Regexp(r"^[1-9]\d{5}$", message=_l("Use a 6-digit region code, e.g. 520502.")),
        ],
        render_kw={"inputmode": "numeric", "maxlength": 6, "autocomplete": "off"},
    )
    amenities = MultiCheckboxField(
        _l("Amenities"), choices=[SelectChoice(a.code) for a in AMENITIES], validate_choice=True
    )
    opening_hours = StringField(
        _l("Opening hours"), default=hours.ALWAYS, validators=[InputRequired(), Length(max=200), valid_hours]
    )
    phone = StringField(
        _l("Phone"), validators=[Optional(), Length(max=40)], render_kw={"inputmode": "tel", "type": "tel"}
    )
    access = RadioField(_l("Who may use it"), choices=_choices(ACCESS_LABELS), default="public")
    seats = IntegerField(
        _l("Seats"),
        validators=[Optional(), NumberRange(min=0, max=100_000)],
        render_kw={"inputmode": "numeric"},
    )
    area_m2 = IntegerField(
        _l("Floor area (m²)"),
        validators=[Optional(), NumberRange(min=0, max=1_000_000)],
        render_kw={"inputmode": "numeric"},
    )
    status = RadioField(_l("Status"), choices=_choices(STATUS_LABELS), default="open")
    lat = FloatField(
        _l("Latitude"), validators=[InputRequired(), NumberRange(min=-90, max=90)], render_kw=_decimal()
    )
    lon = FloatField(
        _l("Longitude"), validators=[InputRequired(), NumberRange(min=-180, max=180)], render_kw=_decimal()
    )
    coord_system = SelectField(_l("Coordinate system"), choices=_choices(COORD_LABELS), default="wgs84")

    def station_data(self) -> dict:
        """Return the fields as the station_admin service takes them."""
        return {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
