"""API: record and undo check-ins."""

import functools

from flask import request
from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from werkzeug.exceptions import BadRequest, Conflict, NotFound, UnsupportedMediaType
from werkzeug.exceptions import Gone as GoneError

from stationfinder import units
from stationfinder.api.common import Blueprint, http_error, json_response
from stationfinder.extensions import db
from stationfinder.models import CATEGORIES, Checkin
from stationfinder.ratelimits import (
    checkin_anonymous_limit,
    checkin_device_limit,
    checkin_ip_limit,
)
from stationfinder.services import checkins as checkin_service
from stationfinder.services.errors import Closed, Forbidden, Gone, InvalidInput
from stationfinder.services.errors import NotFound as NoSuchThing

blp = Blueprint(
    "checkins",
    __name__,
    url_prefix="/api/v1",
    description="Check-ins: one honest count per visit. Devices are known only by a keyed hash that "
    "changes every local day; IP, user agent and coordinates are never stored.",
)


class CheckinIn(Schema):
    token = fields.String(
        required=True, validate=validate.Length(1, 64), metadata={"description": "Poster token"}
    )
    device_id = fields.String(
        validate=validate.Length(1, checkin_service.MAX_DEVICE_ID),
        metadata={
            "description": "An anonymous random id the client keeps; enables dedupe and undo. Compared after "
            "NFKC normalisation, case folding and trimming; without it, few check-ins per poster and "
            "address are accepted (RATELIMIT_CHECKIN_ANONYMOUS)."
        },
    )
    category = fields.String(validate=validate.OneOf(CATEGORIES))
    lat = fields.Float(
        validate=validate.Range(-90, 90),
        metadata={"description": "WGS-84; only used to flag whether the rider is within 300 m. Not stored."},
    )
    lon = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "WGS-84; see lat."})

    @validates_schema
    def _both_or_neither(self, data, **_kwargs):
        if ("lat" in data) != ("lon" in data):
            raise ValidationError("lat and lon go together", field_name="lat")


class StationBrief(Schema):
    id = fields.Integer()
    ref = fields.String(allow_none=True)
    name = fields.String()


class CheckinOut(Schema):
    id = fields.Integer()
    station = fields.Nested(StationBrief)
    category = fields.String(allow_none=True)
    created_at = fields.DateTime()
    undo_until = fields.DateTime()


class CheckinResult(Schema):
    duplicate = fields.Boolean(metadata={"description": "True when this device already checked in here"})
    checkin = fields.Nested(CheckinOut)


class UndoIn(Schema):
    device_id = fields.String(required=True, validate=validate.Length(1, checkin_service.MAX_DEVICE_ID))


def json_only(view):
    """Refuse request bodies that are not JSON with 415 before they are parsed."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not request.is_json:
            raise UnsupportedMediaType("Send the body as application/json.")
        return view(*args, **kwargs)

    return wrapper


def checkin_json(checkin: Checkin) -> dict:
    """Return the API shape of a check-in."""
    station = checkin.station
    return {
        "id": checkin.id,
        "station": {"id": station.id, "ref": station.ref, "name": station.name},
        "category": checkin.category,
        "created_at": checkin.created_at,
        "undo_until": checkin_service.undo_until(checkin),
    }


# How each domain error of the service reads on the API: (HTTP error, problem type slug).
RECORD_ERRORS = {
    NoSuchThing: (NotFound, "unknown-poster"),
    Gone: (GoneError, "poster-retired"),
    Closed: (Conflict, "station-closed"),
    InvalidInput: (BadRequest, "invalid-checkin"),
}
UNDO_ERRORS = {
    NoSuchThing: (NotFound, "unknown-checkin"),
    Gone: (GoneError, "undo-expired"),
    InvalidInput: (BadRequest, "invalid-undo"),
}


@blp.route("/checkins", methods=["POST"])
@checkin_device_limit
@checkin_anonymous_limit
@checkin_ip_limit
@json_only
@blp.arguments(CheckinIn())
@blp.response(201, CheckinResult, description="A new check-in was counted.")
@blp.alt_response(
    200, schema=CheckinResult, description="Duplicate within the dedupe window; nothing counted."
)
@blp.alt_response(404, description="Unknown poster token.")
@blp.alt_response(409, description="The station is closed or temporarily closed; nothing counted.")
@blp.alt_response(410, description="The poster was rotated (replaced).")
@blp.alt_response(415, description="The body is not JSON.")
@blp.alt_response(
    429, description="Too many check-ins from this device, or anonymous ones from this address."
)
def create_checkin(body):
    """Check in at the station of a poster."""
    near = (body["lat"], body["lon"]) if "lat" in body else None
    try:
        checkin, duplicate = units.check_in(
            body["token"], body.get("device_id"), body.get("category"), near=near
        )
    except tuple(RECORD_ERRORS) as exc:
        raise http_error(exc, *RECORD_ERRORS[type(exc)]) from None
    # Exactly CheckinResult: the busiest write of the API skips dumping it through the schema again.
    return json_response(
        {"duplicate": duplicate, "checkin": checkin_json(checkin)}, 200 if duplicate else 201
    )


@blp.route("/checkins/<int:checkin_id>", methods=["DELETE"])
@checkin_ip_limit
@json_only
@blp.arguments(UndoIn())
@blp.response(204, description="The check-in was undone and uncounted.")
@blp.alt_response(404, description="No such check-in, or another device made it.")
@blp.alt_response(410, description="The undo window (CHECKIN_UNDO_MINUTES) has passed.")
@blp.alt_response(415, description="The body is not JSON.")
@blp.alt_response(429, description="Too many requests from this address.")
def undo_checkin(body, checkin_id):
    """Undo a check-in made by this device a few minutes ago."""
    try:
        checkin_service.undo(checkin_id, body["device_id"])
    except Forbidden:
        # Answered exactly as an unknown id: a different answer told anyone which ids exist.
        raise http_error(NoSuchThing("no such check-in"), NotFound, "unknown-checkin") from None
    except tuple(UNDO_ERRORS) as exc:
        raise http_error(exc, *UNDO_ERRORS[type(exc)]) from None
    db.session.commit()
    return None
