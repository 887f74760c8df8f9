"""Marshmallow schemas of Open311: they validate its arguments and document its answers.

Names are the spec's. An empty argument counts as absent, as Open311 clients often send them.
"""

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time

from marshmallow import EXCLUDE, Schema, fields, pre_load, validate

from stationfinder.models.report import MAX_DESCRIPTION
from stationfinder.services.checkins.identity import MAX_DEVICE_ID, zone
from stationfinder.services.reports.open311 import SERVICES, STATUSES

# A day, or a day and a time with an optional offset: the W3C datetimes (ISO 8601) Open311 names.
_TIME = r"[Tt][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?([Zz]|[+-][0-9]{2}:[0-9]{2})?"
W3C_DATETIME = rf"^([0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}({_TIME})?)?$"
_STATUS = "(" + "|".join(STATUSES) + ")"
STATUS_LIST = rf"^({_STATUS}(,{_STATUS})*)?$"
SERVICE_LIST = r"^([a-z_]+\.[a-z_]+(,[a-z_]+\.[a-z_]+)*)?$"
# Years a request can have been filed in; also keeps ±90 days of any date inside datetime's range.
YEARS = (2000, 2100)
MAX_API_KEY = 200
MAX_MEDIA_URL = 2048
_SERVICES_NOTE = "Service codes are `<kind>.<category>`: " + ", ".join(SERVICES) + "."
_API_KEY_NOTE = "An API token from `flask users token`."


class W3CDateTime(fields.String):
    """A W3C datetime: 2024-05-01T08:00:00+08:00, …Z, or a day; without an offset, local time (TIMEZONE)."""

    default_error_messages = {
        "invalid": "Not a W3C datetime, e.g. 2024-05-01T08:00:00+08:00 or 2024-05-01.",
        "range": "Must lie between the years 2000 and 2100.",
    }

    def _deserialize(self, value, attr, data, **kwargs) -> datetime:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.fullmatch(W3C_DATETIME, text):
            raise self.make_error("invalid")
        try:
            if len(text) == 10:
                moment = datetime.combine(date.fromisoformat(text), time.min)
            else:
                # Python reads upper-case T and Z, and at most 6 digits of a second's fraction.
                text = re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", text.upper().replace("Z", "+00:00"))
                moment = datetime.fromisoformat(text)
        except ValueError:
            raise self.make_error("invalid") from None
        if not YEARS[0] <= moment.year <= YEARS[1]:
            raise self.make_error("range")
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=zone())
        return moment.astimezone(UTC)


def _listed(text: str | None) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()] if text else []


class _Arguments(Schema):
    class Meta:
        unknown = EXCLUDE  # jurisdiction_id, cache busters, and personal fields we do not keep

    @pre_load
    def _empty_is_absent(self, data, **_kwargs):
        if not isinstance(data, Mapping):
            return data
        # A form or query proxy gives each name's first value.
        return {key: data[key] for key in data if data[key] != ""}


class LocaleQuery(_Arguments):
    locale = fields.String(
        validate=validate.Length(max=35), metadata={"description": "`en` for English; Chinese otherwise."}
    )


class ReadQuery(LocaleQuery):
    api_key = fields.String(
        validate=validate.Length(max=MAX_API_KEY),
        metadata={"description": _API_KEY_NOTE + " Optional: staff in scope also read descriptions."},
    )


class RequestsQuery(ReadQuery):
    service_request_id = fields.String(
        validate=validate.Length(max=20_000),
        metadata={"description": "Tracking codes, comma-separated. They override every other filter."},
    )
    service_code = fields.String(
        validate=validate.Regexp(SERVICE_LIST),
        metadata={"description": "Comma-separated. " + _SERVICES_NOTE},
    )
    start_date = W3CDateTime(
        metadata={
            "pattern": W3C_DATETIME,
            "description": "Requested on or after this W3C datetime (local time when it has no offset).",
        },
    )
    end_date = W3CDateTime(
        metadata={
            "pattern": W3C_DATETIME,
            "description": "Requested on or before this. At most 90 days in all; the last 90 by default.",
        },
    )
    status = fields.String(
        validate=validate.Regexp(STATUS_LIST),
        metadata={"description": "open or closed, or both comma-separated."},
    )

    def ids(self, args: dict) -> list[str]:
        """Return the tracking codes asked for."""
        return _listed(args.get("service_request_id"))

    def filters(self, args: dict) -> dict:
        """Return the other filters as ``open311.find`` takes them."""
        return {
            "services": _listed(args.get("service_code")),
            "statuses": _listed(args.get("status")),
            "start": args.get("start_date"),
            "end": args.get("end_date"),
        }


class Open311RequestForm(_Arguments):
    api_key = fields.String(
        required=True, validate=validate.Length(max=MAX_API_KEY), metadata={"description": _API_KEY_NOTE}
    )
    service_code = fields.String(
        required=True, validate=validate.OneOf(SERVICES), metadata={"description": _SERVICES_NOTE}
    )
    lat = fields.Float(
        validate=validate.Range(-90, 90),
        metadata={
            "description": "WGS-84: where the problem is (community services; station services ignore it)."
        },
    )
    long = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "See lat."})
    station = fields.String(
        data_key="attribute[station]",
        validate=validate.Length(max=64),
        metadata={"description": "Station services: the station's id or ref, or a poster token."},
    )
    description = fields.String(validate=validate.Length(max=MAX_DESCRIPTION))
    media_url = fields.String(
        validate=validate.Length(max=MAX_MEDIA_URL),
        metadata={"description": "Accepted and never fetched: photos come through the rider pages only."},
    )
    device_id = fields.String(
        validate=validate.Length(max=MAX_DEVICE_ID),
        metadata={"description": "An anonymous device id: one device's repeated 'me too' counts once a day."},
    )


# The answers, for the OpenAPI document; the views write them (shapes.py).


class Open311Service(Schema):
    service_code = fields.String(metadata={"description": _SERVICES_NOTE})
    service_name = fields.String()
    description = fields.String()
    metadata = fields.Boolean(metadata={"description": "true: services/{service_code} lists attributes."})
    type = fields.String(validate=validate.OneOf(["realtime"]))
    keywords = fields.String()
    group = fields.String(validate=validate.OneOf(["station", "community"]))


class Open311AttributeValue(Schema):
    key = fields.String()
    name = fields.String()


class Open311Attribute(Schema):
    variable = fields.Boolean()
    code = fields.String()
    datatype = fields.String()
    required = fields.Boolean()
    datatype_description = fields.String()
    order = fields.Integer()
    description = fields.String()
    values = fields.List(fields.Nested(Open311AttributeValue))


class Open311ServiceDefinition(Schema):
    service_code = fields.String()
    attributes = fields.List(fields.Nested(Open311Attribute))


class Open311Request(Schema):
    service_request_id = fields.String(metadata={"description": "The report's tracking code."})
    status = fields.String(validate=validate.OneOf(list(STATUSES)))
    status_notes = fields.String(metadata={"description": "The finer state, and the latest public note."})
    service_name = fields.String()
    service_code = fields.String()
    description = fields.String(metadata={"description": "Empty unless the api_key's user is in scope."})
    agency_responsible = fields.String(metadata={"description": "The report's county (or region)."})
    requested_datetime = fields.DateTime()
    updated_datetime = fields.DateTime()
    expected_datetime = fields.DateTime(
        allow_none=True, metadata={"description": "Open: filing + REPORT_FIX_DAYS. Closed: null."}
    )
    address = fields.String()
    lat = fields.Float(
        allow_none=True, metadata={"description": "A station's position, or a place's rounded to 3 decimals."}
    )
    long = fields.Float(allow_none=True, metadata={"description": "See lat."})
    media_url = fields.String(metadata={"description": "Always empty: photos stay private."})


class Open311RequestCreated(Schema):
    service_request_id = fields.String(metadata={"description": "The tracking code."})
    service_notice = fields.String()


class Open311Error(Schema):
    code = fields.Integer(metadata={"description": "The HTTP status."})
    description = fields.String()
