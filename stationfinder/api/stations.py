"""API: stations and the nearest search."""

import math

from werkzeug.exceptions import BadRequest, NotFound

from stationfinder.api.common import Blueprint, json_response
from stationfinder.api.schemas import NearestOut, NearestQuery, StationListOut, StationListQuery, StationOut
from stationfinder.geo.coords import to_wgs84
from stationfinder.public_reads import public_read
from stationfinder.services import busy as busy_now
from stationfinder.services import errors
from stationfinder.services.nearest import search as nearest
from stationfinder.services.planning import demand
from stationfinder.services.stations import lookup as stations

blp = Blueprint("stations", __name__, url_prefix="/api/v1", description="Rest stations")


# The answers are built by services.stations.shape, whose output the tests check against these
# schemas; documenting them (rather than dumping through marshmallow) keeps the nearest search fast.


@blp.route("/stations/nearest")
@public_read
@blp.arguments(NearestQuery(), location="query", as_kwargs=True)
@blp.alt_response(200, schema=NearestOut, success=True, description="The nearest stations, nearest first.")
def nearest_stations(lat, lon, coord, limit, amenity, open_now, prefetch, max_distance_m=None, busy=None):
    """Find the stations nearest to a position.

    Stations are exactly the `limit` nearest by WGS-84 geodesic distance (closed stations never appear).
    With `busy=not_full` the full ones are skipped, and the next nearest take their place.
    """
    lat, lon = to_wgs84(lat, lon, coord)
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90):
        raise BadRequest(f"the {coord} position does not convert to a WGS-84 position")
    lon = (lon + 180.0) % 360.0 - 180.0
    found = nearest.nearest(
        lat,
        lon,
        limit=limit,
        amenities=amenity,
        open_now=open_now,
        not_full=busy == busy_now.NOT_FULL,
        max_distance_m=max_distance_m,
    )
    # Unmet demand for district staff: the cell, the day and how far help was; nothing of the rider.
    # An offline copy follows a search already counted: counting it too would count that search twice.
    if not prefetch:
        complete = not amenity and max_distance_m is None and busy is None
        reach = nearest.nearest_open_m(lat, lon, found, complete=complete, horizon_m=demand.HORIZON_M)
        demand.count(lat, lon, reach)
    return json_response({"stations": found})


@blp.route("/stations")
@public_read
@blp.arguments(StationListQuery(), location="query", as_kwargs=True)
@blp.alt_response(200, schema=StationListOut, success=True, description="One page of stations, by name.")
def list_stations(amenity, limit, offset, region=None, q=None):
    """List stations by region, amenities and name.

    Closed stations are included, with their status.
    """
    page = stations.list_stations(region=region, amenities=amenity, q=q, limit=limit, offset=offset)
    shaped = busy_now.annotate([stations.to_dict(s) for s in page.items])
    return {"stations": shaped, "total": page.total}


@blp.route("/stations/<int:station_id>")
@public_read
@blp.alt_response(200, schema=StationOut, success=True, description="The station.")
@blp.alt_response(404, description="No station has this id.")
def get_station(station_id):
    """Return one station by id."""
    try:
        station = stations.get_station(station_id)
    except errors.NotFound:
        raise NotFound(f"There is no station {station_id}.") from None
    return busy_now.annotate([stations.to_dict(station)])[0]
