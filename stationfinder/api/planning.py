"""API: 15-minute coverage, unmet rider demand and suggested sites, for district staff and admins."""

from marshmallow import EXCLUDE, Schema, fields, validate
from werkzeug.exceptions import BadRequest
from werkzeug.exceptions import Forbidden as ForbiddenError

from stationfinder import units
from stationfinder.api.auth import current_api_user
from stationfinder.api.common import Blueprint, http_error, json_response
from stationfinder.api.stats import LocalDay
from stationfinder.geo import coverage as geo_coverage
from stationfinder.geo import siting
from stationfinder.services import accounts
from stationfinder.services.errors import Forbidden, InvalidInput
from stationfinder.services.planning import coverage, demand, plan
from stationfinder.services.planning import sites as siting_service
from stationfinder.services.stats.query import make_period

blp = Blueprint(
    "planning",
    __name__,
    url_prefix="/api/v1",
    description="Where the next station should go: the share of a region within reach of an open station "
    "(the 双15 target: 15 minutes), where riders' searches found none near, and candidate sites. Scoping "
    "and authentication as for /stats/checkins; station managers have no region and get 403.",
)
_PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization, Cookie"}


class PlanQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    region = fields.String(
        validate=validate.Regexp(r"^[1-9]\d{5}$", error="region must be a 6-digit adcode, e.g. 520502"),
        metadata={"description": "A province, city or county inside your scope. Default: your own region."},
    )
    minutes = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, max=geo_coverage.MAX_MINUTES),
        metadata={"description": "Minutes to a station (default 15)."},
    )
    speed_kmh = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, max=geo_coverage.MAX_SPEED_KMH),
        metadata={
            "description": "Travel speed in km/h (default 4.5, walking). The radius is minutes × speed."
        },
    )


class CoverageQuery(PlanQuery):
    at = fields.String(
        validate=validate.Length(max=32),
        metadata={
            "description": "Local time (03:00 today, or 2025-03-10T03:00): only stations open then count. "
            "Default: every station whose status is open."
        },
    )
    format = fields.String(
        load_default="json",
        validate=validate.OneOf(["json", "geojson"]),
        metadata={
            "description": "geojson: a FeatureCollection of the uncovered area and the stations (QGIS)."
        },
    )


class DemandQuery(PlanQuery):
    date_from = LocalDay(
        data_key="from", metadata={"description": "First local day. Default: 29 days before `to`."}
    )
    date_to = LocalDay(data_key="to", metadata={"description": "Last local day. Default: today."})


class SitesQuery(DemandQuery):
    k = fields.Integer(
        load_default=5,
        validate=validate.Range(min=0, max=siting.MAX_SITES),
        metadata={"description": "How many sites at most (default 5)."},
    )


class CountyOut(Schema):
    code = fields.String()
    name = fields.String()
    area_km2 = fields.Float()
    covered_km2 = fields.Float()
    covered_share = fields.Float(metadata={"description": "From 0 to 1."})
    stations = fields.Integer(metadata={"description": "Open stations located in the county."})


class CoverageOut(Schema):
    region = fields.String()
    radius_m = fields.Float(metadata={"description": "minutes × speed."})
    area_km2 = fields.Float(metadata={"description": "On the ellipsoid."})
    covered_km2 = fields.Float()
    covered_share = fields.Float(metadata={"description": "From 0 to 1."})
    stations = fields.Integer(metadata={"description": "Open stations located in the region."})
    counties = fields.List(fields.Nested(CountyOut))
    uncovered = fields.Dict(
        metadata={"description": "GeoJSON geometry (WGS-84), within 50 m of the exact one."}
    )
    minutes = fields.Float()
    speed_kmh = fields.Float()
    at = fields.String(allow_none=True, metadata={"description": "The local time asked, or null."})


class FeatureCollectionOut(Schema):
    type = fields.String(metadata={"description": "FeatureCollection"})
    features = fields.List(fields.Dict(), metadata={"description": "GeoJSON features (WGS-84)."})


class CellOut(Schema):
    h3 = fields.String(metadata={"description": "H3 cell, resolution 8 (about 0.74 km²)."})
    lat = fields.Float(metadata={"description": "The cell's centre."})
    lon = fields.Float(metadata={"description": "The cell's centre."})
    searches = fields.Integer()
    unmet = fields.Integer(
        metadata={"description": "Searches whose nearest open station was beyond the radius."}
    )


class DemandOut(Schema):
    cells = fields.List(
        fields.Nested(CellOut), metadata={"description": "Cells with at least 5 searches in the period only."}
    )
    total_searches = fields.Integer(
        metadata={"description": "Every search in the region, shown cells or not."}
    )
    unmet_searches = fields.Integer()
    radius_m = fields.Float()


class SiteOut(Schema):
    h3 = fields.String()
    lat = fields.Float()
    lon = fields.Float()
    gain = fields.Integer(
        metadata={"description": "Unmet searches within the radius not served by a better site."}
    )


class SitesOut(Schema):
    radius_m = fields.Float()
    sites = fields.List(fields.Nested(SiteOut), metadata={"description": "Best first."})
    note = fields.String(metadata={"description": siting_service.NOTE})


_ERRORS = (
    (400, "A bad region, minutes, speed, time or date, or a region without county boundaries."),
    (401, "No valid bearer token (`flask users token`) and no logged-in session."),
    (403, "The region lies outside your scope (or you manage stations, not a region)."),
)


def _documented(view):
    for status, text in _ERRORS:
        view = blp.alt_response(status, description=text)(view)
    return view


def _plan(args):
    """Return the checked plan of a request, raising the API's 400 and 403."""
    try:
        return plan.make(
            accounts.scope_of(current_api_user()),
            args.get("region"),
            args.get("minutes"),
            args.get("speed_kmh"),
            args.get("at"),
        )
    except InvalidInput as exc:
        raise http_error(exc, BadRequest, "invalid-query") from None
    except Forbidden as exc:
        raise http_error(exc, ForbiddenError, "outside-scope") from None


def _period(args):
    try:
        return make_period(args.get("date_from"), args.get("date_to"))
    except InvalidInput as exc:
        raise http_error(exc, BadRequest, "invalid-query") from None


def _demand_question(args):
    """Return the plan and period of a demand question, this worker's searches written first."""
    asked, period = _plan(args), _period(args)
    units.flush_demand()
    return asked, period


def _answer(body, mimetype: str | None = None):
    response = json_response(body)
    if mimetype is not None:
        response.mimetype = mimetype
    response.headers.update(_PRIVATE)
    return response


@blp.route("/stats/coverage", methods=["GET"])
@blp.arguments(CoverageQuery(), location="query")
@blp.response(200, CoverageOut)
@blp.alt_response(
    200,
    schema=FeatureCollectionOut,
    content_type="application/geo+json",
    description="With format=geojson: the uncovered area and the stations.",
)
@_documented
def coverage_stats(args):
    """Share of a region within reach of an open station, per county, with the uncovered area."""
    asked = _plan(args)
    cover = coverage.region_coverage(asked)
    if args["format"] == "geojson":
        return _answer(cover.collection, "application/geo+json")
    return _answer(cover.body)


@blp.route("/stats/demand", methods=["GET"])
@blp.arguments(DemandQuery(), location="query")
@blp.response(200, DemandOut)
@_documented
def demand_stats(args):
    """Where riders searched and where the nearest open station was beyond the radius (cells of ≥ 5)."""
    asked, period = _demand_question(args)
    body = demand.read(asked.region, period.first, period.last, asked.radius_m)
    return _answer(body | {"radius_m": asked.radius_m})


@blp.route("/stats/sites", methods=["GET"])
@blp.arguments(SitesQuery(), location="query")
@blp.response(200, SitesOut)
@_documented
def site_suggestions(args):
    """Suggest up to k new sites that would serve the most unmet searches: candidates for a survey."""
    asked, period = _demand_question(args)
    try:
        body = siting_service.suggest(asked, period.first, period.last, args["k"])
    except InvalidInput as exc:
        raise http_error(exc, BadRequest, "invalid-query") from None
    return _answer(body)
