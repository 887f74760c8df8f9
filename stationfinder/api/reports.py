"""API: riders file reports about stations and places; staff in scope follow them up."""

from flask import current_app, request
from werkzeug.exceptions import BadRequest, Conflict, NotFound, RequestEntityTooLarge, UnsupportedMediaType
from werkzeug.exceptions import Forbidden as ForbiddenError
from werkzeug.exceptions import Gone as GoneError

from stationfinder.api.auth import current_api_user, optional_api_user
from stationfinder.api.checkins import json_only
from stationfinder.api.common import Blueprint, http_error, json_response
from stationfinder.api.report_schemas import (
    ReportFiled,
    ReportForm,
    ReportIn,
    ReportList,
    ReportListQuery,
    ReportPatch,
    ReportView,
)
from stationfinder.extensions import db
from stationfinder.ratelimits import (
    code_lookup_limit,
    cookie_device_id,
    report_anonymous_limit,
    report_device_limit,
    report_ip_limit,
)
from stationfinder.services import errors
from stationfinder.services import reports as report_service
from stationfinder.services.accounts import scope_of
from stationfinder.services.reports import photos, queries, scoping, shapes

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1",
    description="Reports: riders tell a station's managers and a district's staff what is wrong, with a "
    "tracking code to follow it. Like check-ins, a report keeps no IP, no user agent and no stable device "
    "id: only a keyed hash that changes every local day. A report is not an emergency service: call 110, "
    "119 or 120.",
)

CREATE_ENDPOINT = "reports.create_report"
FORM = "multipart/form-data"
# Room for the form fields and multipart framing beside a photo of the largest size.
_FORM_ROOM = 64 * 1024
_PRIVATE = {"Cache-Control": "private, no-store", "Vary": "Authorization, Cookie"}

# How each domain error reads on the API: (HTTP error, problem type slug). Looked up by exact type.
FILE_ERRORS = {
    errors.NotFound: (NotFound, "unknown-station"),
    errors.Gone: (GoneError, "poster-retired"),
    photos.PhotoTooLarge: (RequestEntityTooLarge, "photo-too-large"),
    photos.NotAnImage: (UnsupportedMediaType, "photo-not-an-image"),
    errors.InvalidInput: (BadRequest, "invalid-report"),
}
STAFF_ERRORS = {
    errors.NotFound: (NotFound, "unknown-report"),
    errors.Forbidden: (ForbiddenError, "outside-scope"),
    errors.Conflict: (Conflict, "transition-not-allowed"),
    errors.InvalidInput: (BadRequest, "invalid-change"),
}
LIST_ERRORS = {
    errors.NotFound: (NotFound, "no-such-station"),
    errors.Forbidden: (ForbiddenError, "outside-scope"),
    errors.InvalidInput: (BadRequest, "invalid-query"),
}


def _raise(exc: errors.DomainError, table: dict):
    raise http_error(exc, *table[type(exc)]) from None


@blp.url_value_preprocessor
def _room_for_a_photo(endpoint, _values):
    # Runs before every before_request function and the view's rate limits, whose keys read the form.
    if endpoint == CREATE_ENDPOINT and request.mimetype == FORM:
        request.max_content_length = photos.MAX_BYTES + _FORM_ROOM


def _photo() -> bytes | None:
    upload = request.files.get("photo")
    # One byte more than allowed is enough to know it is too large.
    data = upload.stream.read(photos.MAX_BYTES + 1) if upload is not None else b""
    return data or None  # A form's empty file field means no photo.


@blp.route("/reports", methods=["POST"])
@report_device_limit
@report_anonymous_limit
@report_ip_limit
@blp.doc(
    requestBody={
        "required": True,
        "content": {"application/json": {"schema": ReportIn}, FORM: {"schema": ReportForm}},
    }
)
@blp.response(201, ReportFiled, description="A new report (ticket) was opened.")
@blp.alt_response(
    200,
    schema=ReportFiled,
    description="An open report of the same station and category got a 'me too' (merged): its code.",
)
@blp.alt_response(
    400, description="Invalid fields, a category of the other kind, or a position outside China's counties."
)
@blp.alt_response(404, description="Unknown station or poster token.")
@blp.alt_response(410, description="The poster was replaced and its grace period is over.")
@blp.alt_response(413, description="The photo is over 8 MB, or has too many pixels.")
@blp.alt_response(
    415, description="The body is neither JSON nor multipart, or the photo is no JPEG/PNG/WebP."
)
@blp.alt_response(429, description="Too many reports from this device, or from this address.")
def create_report():
    """File a report about a station or a place (随手拍); JSON, or multipart with a `photo` part."""
    if not request.is_json and request.mimetype != FORM:
        raise UnsupportedMediaType("Send the body as application/json, or multipart/form-data with a photo.")
    body = Blueprint.ARGUMENTS_PARSER.parse(ReportIn(), request, location="json_or_form")
    try:
        report, merged = report_service.file_report(
            body["kind"],
            body["category"],
            station_id=body.get("station_id"),
            token=body.get("token"),
            lat=body.get("lat"),
            lon=body.get("lon"),
            coord=body["coord"],
            description=body.get("description"),
            device_id=body.get("device_id") or cookie_device_id(),
            photo=_photo(),
        )
    except tuple(FILE_ERRORS) as exc:
        _raise(exc, FILE_ERRORS)
    answer = {"merged": merged, "report": shapes.brief(report)}
    db.session.commit()
    return json_response(answer, 200 if merged else 201)


@blp.route("/reports/<code>", methods=["GET"])
@code_lookup_limit
@blp.response(200, ReportView, description="The report: its public view, or the staff view in your scope.")
@blp.alt_response(401, description="Credentials were sent and are not valid (send none for the public view).")
@blp.alt_response(404, description="No report has this code.")
@blp.alt_response(429, description="Too many lookups from this address.")
def get_report(code):
    """Read a report by its tracking code: status, category, public notes and times.

    Without credentials (or outside your scope) the public view: never the photo, the device or the
    description, and a community report's position rounded to 3 decimals. Staff in scope also get the
    exact position, the description and the whole history.
    """
    user = optional_api_user()
    try:
        report = report_service.by_code(code)
    except errors.NotFound as exc:
        _raise(exc, STAFF_ERRORS)
    in_scope = user is not None and scoping.covers(scope_of(user), report)
    response = json_response(shapes.staff(report) if in_scope else shapes.public(report))
    response.headers.update(_PRIVATE)
    return response


@blp.route("/reports", methods=["GET"])
@blp.arguments(ReportListQuery(), location="query")
@blp.response(200, ReportList)
@blp.alt_response(400, description="Bad filter: a day that does not exist, `from` after `to`.")
@blp.alt_response(401, description="No valid bearer token (`flask users token`) and no logged-in session.")
@blp.alt_response(403, description="The region or station lies outside your scope.")
@blp.alt_response(404, description="No such station.")
def list_reports(args):
    """List the reports in your scope, newest first (staff, managers, admins)."""
    user = current_api_user()
    try:
        page = report_service.list_reports(
            scope_of(user),
            statuses=args.get("status", ()),
            region=args.get("region"),
            station=args.get("station"),
            category=args.get("category"),
            overdue=args.get("overdue"),
            date_from=args.get("date_from"),
            date_to=args.get("date_to"),
            limit=args["limit"],
            offset=args["offset"],
        )
    except tuple(LIST_ERRORS) as exc:
        _raise(exc, LIST_ERRORS)
    response = json_response({"reports": shapes.staff_page(page.items), "total": page.total})
    response.headers.update(_PRIVATE)
    return response


@blp.route("/reports/<code>", methods=["PATCH"])
@json_only
@blp.arguments(ReportPatch())
@blp.response(200, ReportView, description="The report after the change (staff view).")
@blp.alt_response(
    400, description="Invalid fields, a closing state without a public note, a station_status it cannot set."
)
@blp.alt_response(401, description="No valid bearer token (`flask users token`) and no logged-in session.")
@blp.alt_response(403, description="The report (or, for station_status, its station) is outside your scope.")
@blp.alt_response(404, description="No report has this code.")
@blp.alt_response(409, description="The workflow does not allow this transition.")
@blp.alt_response(415, description="The body is not JSON.")
def update_report(body, code):
    """Change a report's status, add a note, or (station_closed) set its station temporarily closed."""
    user = current_api_user()
    try:
        report = report_service.for_user(user, code)
        report_service.change(
            report,
            user,
            status=body.get("status"),
            note=body.get("note"),
            public=body["public"],
            station_status=body.get("station_status"),
        )
    except tuple(STAFF_ERRORS) as exc:
        _raise(exc, STAFF_ERRORS)
    answer = shapes.staff(report)
    db.session.commit()
    response = json_response(answer)
    response.headers.update(_PRIVATE)
    return response


@blp.route("/reports/<code>/photo", methods=["GET"])
@blp.doc(
    responses={
        "200": {
            "description": "The photo, re-encoded without metadata.",
            "content": {photos.CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
)
@blp.alt_response(401, description="No valid bearer token (`flask users token`) and no logged-in session.")
@blp.alt_response(403, description="The report is outside your scope.")
@blp.alt_response(404, description="No report has this code, or it has no photo (or it was purged).")
def get_report_photo(code):
    """Return a report's photo, to staff in scope only."""
    user = current_api_user()
    try:
        report = report_service.for_user(user, code)
    except tuple(STAFF_ERRORS) as exc:
        _raise(exc, STAFF_ERRORS)
    photo = queries.photo(report)
    if photo is None:
        raise http_error(errors.NotFound("this report has no photo"), NotFound, "no-photo")
    response = current_app.response_class(photo.data, mimetype=photo.content_type)
    response.headers.update(_PRIVATE)
    response.headers["Content-Disposition"] = f'inline; filename="{report.code}.jpg"'
    return response
