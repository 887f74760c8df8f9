"""Marshmallow schemas: they validate the stations API's requests and document its answers."""

from marshmallow import Schema, fields, validate

from stationfinder.amenities import CODES
from stationfinder.geo.coords import SYSTEMS
from stationfinder.services.busy import LEVELS, NOT_FULL

# Half the equator's circumference: no two points on Earth are farther apart along the surface.
MAX_DISTANCE_M = 20_100_000
# The rider page keeps the nearest 200 for offline use (static/js/offline.js); riders see 8.
NEAREST_LIMIT_MAX = 200
LIST_LIMIT_MAX = 200
MAX_OFFSET = 10_000_000
MAX_Q = 100

_AMENITY = fields.String(validate=validate.OneOf(CODES))


def _amenity_list():
    return fields.List(
        _AMENITY,
        load_default=list,
        validate=validate.Length(max=2 * len(CODES)),
        metadata={
            "description": "Amenity code; repeat the parameter to require several (all must be present)."
        },
    )


class NearestQuery(Schema):
    lat = fields.Float(required=True, validate=validate.Range(-90, 90), metadata={"description": "Latitude"})
    lon = fields.Float(
        required=True, validate=validate.Range(-180, 180), metadata={"description": "Longitude"}
    )
    coord = fields.String(
        load_default="wgs84",
        validate=validate.OneOf(SYSTEMS),
        metadata={
            "description": "System of lat/lon: wgs84 (browser GPS), gcj02 (WeChat, Amap) or bd09 (Baidu)."
        },
    )
    limit = fields.Integer(load_default=5, validate=validate.Range(1, NEAREST_LIMIT_MAX))
    amenity = _amenity_list()
    open_now = fields.Boolean(load_default=False, metadata={"description": "Only stations open right now."})
    busy = fields.String(
        validate=validate.OneOf((NOT_FULL,)),
        metadata={"description": "not_full: leave out the stations whose `busy` is full right now."},
    )
    max_distance_m = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, max=MAX_DISTANCE_M),
        metadata={"description": "Drop stations farther than this (metres, geodesic). Default: no limit."},
    )
    prefetch = fields.Boolean(
        load_default=False,
        metadata={
            "description": "A copy kept for offline use (the rider page's nearest 200), not a rider's "
            "search: it is not counted in the unmet-demand statistics."
        },
    )


class StationListQuery(Schema):
    region = fields.String(
        validate=validate.Regexp(
            r"^[1-9]\d{5}$", error="Must be a 6-digit region code (adcode), e.g. 520502."
        ),
        metadata={"description": "GB/T 2260 adcode; trailing 00 pairs widen it (520000 = all of Guizhou)."},
    )
    amenity = _amenity_list()
    q = fields.String(
        validate=validate.Length(max=MAX_Q),
        metadata={
            "description": "Name or address contains it (any case), or the station lies in a region "
            "whose name contains it (毕节 finds every station in 毕节市)."
        },
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(1, LIST_LIMIT_MAX))
    offset = fields.Integer(load_default=0, validate=validate.Range(0, MAX_OFFSET))


class NavLinks(Schema):
    amap = fields.Url(
        metadata={"description": "Amap riding route to the station (GCJ-02, coordinate=gaode)."}
    )
    baidu = fields.Url(metadata={"description": "Baidu Maps riding route to the station (coord_type=wgs84)."})
    apple = fields.Url(
        metadata={"description": "Apple Maps directions (GCJ-02 inside mainland China, else WGS-84)."}
    )
    amap_marker = fields.Url(metadata={"description": "Amap pin (fallback where a route cannot open)."})
    baidu_marker = fields.Url(
        metadata={"description": "Baidu Maps pin (fallback where a route cannot open)."}
    )


class StationOut(Schema):
    id = fields.Integer(required=True)
    ref = fields.String(allow_none=True, metadata={"description": "External reference, if any."})
    name = fields.String(required=True)
    address = fields.String()
    lat = fields.Float(required=True, metadata={"description": "WGS-84"})
    lon = fields.Float(required=True, metadata={"description": "WGS-84"})
    distance_m = fields.Float(
        allow_none=True, metadata={"description": "WGS-84 geodesic metres from the query (nearest only)."}
    )
    amenities = fields.List(fields.String(validate=validate.OneOf(CODES)))
    open_now = fields.Boolean(
        metadata={"description": "Status is open and the hours are open now (local time)."}
    )
    opening_hours = fields.String(
        metadata={"description": "24/7, or per-weekday ranges like Mo-Fr 08:00-20:00."}
    )
    closes_at = fields.String(
        allow_none=True,
        metadata={
            "description": "Local time (HH:MM, midnight as 24:00) an open station next closes, "
            "when within 24 hours; null when closed now or open round the clock."
        },
    )
    closes_in_min = fields.Integer(
        allow_none=True, metadata={"description": "Minutes until closes_at (null with it)."}
    )
    region_code = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(("open", "temporarily_closed", "closed")))
    access = fields.String(validate=validate.OneOf(("public", "members")))
    is_demo = fields.Boolean(metadata={"description": "Demo data with an approximate position."})
    busy = fields.String(
        required=True,
        validate=validate.OneOf(LEVELS),
        metadata={
            "description": "How full the station is now: riders present (its check-ins of the last "
            "DWELL_MINUTES, default 40, one per device) against its seats, or 5 when seats are unknown. "
            "quiet under half, busy from half, full from all seats taken; unknown when it had fewer than "
            "20 check-ins in 30 days, or is not open. At most 30 s old. Never a head-count."
        },
    )
    # Details the list and the single station carry; the nearest search leaves them out.
    phone = fields.String(metadata={"description": "Not in nearest answers."})
    seats = fields.Integer(allow_none=True, metadata={"description": "Not in nearest answers."})
    area_m2 = fields.Integer(allow_none=True, metadata={"description": "Not in nearest answers."})
    last_verified_at = fields.DateTime(allow_none=True, metadata={"description": "Not in nearest answers."})
    nav = fields.Nested(NavLinks)


class NearestOut(Schema):
    stations = fields.List(fields.Nested(StationOut), metadata={"description": "Nearest first."})


class StationListOut(Schema):
    stations = fields.List(fields.Nested(StationOut))
    total = fields.Integer(metadata={"description": "How many stations match, over all pages."})
