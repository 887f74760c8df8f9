"""Marshmallow schemas of the reports API: they validate its requests and document its answers."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from stationfinder.api.schemas import LIST_LIMIT_MAX, MAX_OFFSET
from stationfinder.api.stats import LocalDay
from stationfinder.geo.coords import SYSTEMS
from stationfinder.models.report import (
    CATEGORIES_BY_KIND,
    COMMUNITY_CATEGORIES,
    KINDS,
    MAX_DESCRIPTION,
    MAX_NOTE,
    STATES,
    STATION_CATEGORIES,
)
from stationfinder.services.checkins.identity import MAX_DEVICE_ID, MAX_ID
from stationfinder.services.reports import photos
from stationfinder.services.reports.workflow import STATION_STATUSES

CATEGORIES = tuple(sorted(set(STATION_CATEGORIES) | set(COMMUNITY_CATEGORIES)))
_CATEGORY_NOTE = (
    "Station reports: " + ", ".join(STATION_CATEGORIES) + ". Community reports (随手拍): "
    + ", ".join(COMMUNITY_CATEGORIES) + ". A report is not an emergency service: for `emergency` call 110, "
    "119 or 120 first."
)  # fmt: skip
_STATES_NOTE = "open, acknowledged, in_progress (open); fixed, not_fixable, duplicate, referred (closed)."


class ReportIn(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    category = fields.String(
        required=True, validate=validate.OneOf(CATEGORIES), metadata={"description": _CATEGORY_NOTE}
    )
    station_id = fields.Integer(
        validate=validate.Range(1, MAX_ID), metadata={"description": "Station reports: the station's id."}
    )
    token = fields.String(
        validate=validate.Length(1, 64),
        metadata={"description": "Station reports: a poster token, instead of station_id."},
    )
    lat = fields.Float(
        validate=validate.Range(-90, 90), metadata={"description": "Community reports: where the problem is."}
    )
    lon = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "See lat."})
    coord = fields.String(
        load_default="wgs84",
        validate=validate.OneOf(SYSTEMS),
        metadata={"description": "System of lat/lon: wgs84 (browser GPS), gcj02 (WeChat, Amap) or bd09."},
    )
    description = fields.String(validate=validate.Length(max=MAX_DESCRIPTION))
    device_id = fields.String(
        validate=validate.Length(1, MAX_DEVICE_ID),
        metadata={
            "description": "The anonymous id the client keeps (as for check-ins): one device's repeated "
            "'me too' counts once a day. Without it, the page's device cookie is used."
        },
    )

    @validates_schema
    def _kind_fits(self, data, **_kwargs):
        kind = data.get("kind")
        if "category" in data and data["category"] not in CATEGORIES_BY_KIND.get(kind, CATEGORIES):
            raise ValidationError(f"not a category of {kind} reports", field_name="category")
        if kind == "station":
            if ("station_id" in data) == ("token" in data):
                raise ValidationError("give station_id or token (one of them)", field_name="station_id")
            if "lat" in data or "lon" in data:
                raise ValidationError("a station report takes no position", field_name="lat")
        elif kind == "community":
            if "lat" not in data or "lon" not in data:
                raise ValidationError("a community report needs lat and lon", field_name="lat")
            if "station_id" in data or "token" in data:
                raise ValidationError(
                    "a community report is about a place, not a station", field_name="station_id"
                )


class ReportForm(ReportIn):
    photo = fields.Raw(
        metadata={
            "type": "string",
            "format": "binary",
            "description": f"JPEG, PNG or WebP, at most {photos.MAX_BYTES // (1024 * 1024)} MB. It is "
            "re-encoded without any EXIF/XMP data (GPS included), upright, at most 2048 px a side.",
        }
    )


class ReportBrief(Schema):
    code = fields.String(metadata={"description": "Tracking code: 8 characters, no 0/O, 1/I/L or U."})
    kind = fields.String(validate=validate.OneOf(KINDS))
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    status = fields.String(validate=validate.OneOf(STATES), metadata={"description": _STATES_NOTE})
    station_id = fields.Integer(allow_none=True)
    region_code = fields.String(
        allow_none=True, metadata={"description": "The county (or station's region)."}
    )
    created_at = fields.DateTime()
    confirmations = fields.Integer(
        metadata={"description": "Riders who reported it (the filer and 'me too's)."}
    )


class ReportFiled(Schema):
    merged = fields.Boolean(
        metadata={"description": "True: an open report of this station and category got a 'me too' instead."}
    )
    report = fields.Nested(ReportBrief)


class StationRef(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    name = fields.String()


class ReportUpdate(Schema):
    at = fields.DateTime()
    status = fields.String(validate=validate.OneOf(STATES))
    note = fields.String(metadata={"description": "A public note, or empty."})


class HistoryEntry(Schema):
    at = fields.DateTime()
    from_status = fields.String(allow_none=True, metadata={"description": "Null when the report was filed."})
    status = fields.String(validate=validate.OneOf(STATES))
    note = fields.String()
    public = fields.Boolean()
    by = fields.String(
        allow_none=True, metadata={"description": "Username; null for the rider or the system."}
    )


class ReportView(ReportBrief):
    station = fields.Nested(StationRef, allow_none=True)
    lat = fields.Float(
        allow_none=True,
        metadata={
            "description": "WGS-84. Community reports: rounded to 3 decimals, exact for staff in scope."
        },
    )
    lon = fields.Float(allow_none=True, metadata={"description": "See lat."})
    acknowledged_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()
    updates = fields.List(
        fields.Nested(ReportUpdate), metadata={"description": "State changes and public notes, oldest first."}
    )
    description = fields.String(metadata={"description": "Staff in scope only."})
    has_photo = fields.Boolean(metadata={"description": "Staff in scope only."})
    overdue = fields.Boolean(
        metadata={
            "description": "Staff in scope only: unacknowledged after REPORT_ACK_HOURS (48) or not closed "
            "after REPORT_FIX_DAYS (7)."
        }
    )
    history = fields.List(
        fields.Nested(HistoryEntry),
        metadata={"description": "Staff in scope only (not in lists): every change, with who and when."},
    )


class ReportList(Schema):
    reports = fields.List(fields.Nested(ReportView), metadata={"description": "Newest first."})
    total = fields.Integer(metadata={"description": "How many reports match, over all pages."})


class ReportListQuery(Schema):
    class Meta:
        unknown = EXCLUDE  # ?lang=en and cache busters are not errors

    status = fields.List(
        fields.String(validate=validate.OneOf(STATES)),
        validate=validate.Length(max=len(STATES)),
        metadata={"description": "Repeat for several states. " + _STATES_NOTE},
    )
    region = fields.String(
        validate=validate.Regexp(r"^[1-9]\d{5}$", error="region must be a 6-digit adcode, e.g. 520502"),
        metadata={"description": "Reports inside this region (adcode), which must lie in your scope."},
    )
    station = fields.String(validate=validate.Length(1, 64), metadata={"description": "Station id or ref."})
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    overdue = fields.Boolean(metadata={"description": "true: only overdue reports; false: none of them."})
    date_from = LocalDay(data_key="from", metadata={"description": "Filed on or after this local day."})
    date_to = LocalDay(data_key="to", metadata={"description": "Filed on or before this local day."})
    limit = fields.Integer(load_default=50, validate=validate.Range(1, LIST_LIMIT_MAX))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class ReportPatch(Schema):
    status = fields.String(validate=validate.OneOf(STATES), metadata={"description": _STATES_NOTE})
    note = fields.String(
        validate=validate.Length(max=MAX_NOTE),
        metadata={
            "description": "Required (and public) when closing: fixed, not_fixable, duplicate, referred."
        },
    )
    public = fields.Boolean(
        load_default=True, metadata={"description": "Whether riders see the note at /r/{code}."}
    )
    station_status = fields.String(
        validate=validate.OneOf(STATION_STATUSES),
        metadata={
            "description": "station_closed reports only, by whoever may manage the station: set the station "
            "temporarily closed in the same step, so the nearest search stops offering it."
        },
    )

    @validates_schema
    def _something(self, data, **_kwargs):
        if not {"status", "note", "station_status"} & data.keys():
            raise ValidationError("give a status, a note or a station_status")
