"""Open311 GeoReport v2: the services, the public list of requests, one request, and filing one."""

from contextlib import contextmanager

from flask import request
from flask_babel import force_locale
from werkzeug.exceptions import BadRequest, Forbidden, NotFound

from stationfinder.api.common import Blueprint as ApiBlueprint
from stationfinder.extensions import db
from stationfinder.open311 import bp, formats, shapes
from stationfinder.open311 import errors as spec_errors
from stationfinder.open311.docs import answers, errors_of, form_body
from stationfinder.open311.schemas import (
    LocaleQuery,
    Open311Request,
    Open311RequestCreated,
    Open311RequestForm,
    Open311Service,
    Open311ServiceDefinition,
    ReadQuery,
    RequestsQuery,
)
from stationfinder.ratelimits import code_lookup_limit, report_ip_limit
from stationfinder.services import accounts, errors
from stationfinder.services.accounts import Scope
from stationfinder.services.reports import open311

FORMAT = "<any(json, xml):fmt>"
_PRIVATE = {"Cache-Control": "private, no-store"}
_NO_KEY = "A valid api_key is required: an API token from `flask users token`."


@contextmanager
def _language(asked: str | None):
    """Speak the language ``locale`` asks for; otherwise the site's choice (lang, Accept-Language)."""
    asked = (asked or "").lower()
    if asked.startswith(("en", "zh")):
        with force_locale("en" if asked.startswith("en") else "zh_Hans_CN"):
            yield
    else:
        yield


def _scope(api_key: str | None) -> Scope | None:
    """Return the scope of the api_key's user; None without a key; 403 for a key that is not valid."""
    if api_key is None:
        return None
    user = accounts.user_for_token(api_key)
    if user is None:
        raise Forbidden(_NO_KEY)
    return accounts.scope_of(user)


def _answer(body, fmt: str, *, private: bool, root: str, item: str | None = None, status: int = 200):
    response = formats.render(body, fmt, root=root, item=item, status=status)
    if private:
        response.headers.update(_PRIVATE)
    return response


@bp.route(f"/services.{FORMAT}", methods=["GET"])
@bp.arguments(LocaleQuery, location="query")
@bp.doc(responses=answers(Open311Service, "Every service: one per report category.") | errors_of(400, 404))
def list_services(args, fmt):
    """List the services: one per report category, coded `<kind>.<category>`."""
    with _language(args.get("locale")):
        return _answer(shapes.services(), fmt, private=False, root="services", item="service")


@bp.route(f"/services/<service_code>.{FORMAT}", methods=["GET"])
@bp.arguments(LocaleQuery, location="query")
@bp.doc(
    responses=answers(Open311ServiceDefinition, "The attributes a request of this service takes.", many=False)
    | errors_of(400, 404)
)
def get_service(args, service_code, fmt):
    """Define a service: station services take `attribute[station]`, community services nothing more."""
    with _language(args.get("locale")):
        try:
            body = shapes.definition(service_code)
        except errors.NotFound as exc:
            raise NotFound(str(exc)) from None
        return _answer(body, fmt, private=False, root="service_definition")


@bp.route(f"/requests.{FORMAT}", methods=["GET"])
@code_lookup_limit
@bp.arguments(RequestsQuery, location="query")
@bp.doc(
    responses=answers(Open311Request, "The requests, newest first: at most 1,000.")
    | errors_of(400, 403, 404, 429)
)
def list_requests(args, fmt):
    """List requests: the last 90 days unless asked otherwise, at most 1,000, newest first.

    Public: positions are a station's or rounded to about 100 m, descriptions are empty, and the
    community services `needs_help` and `emergency` are left out, unless the api_key's user is in scope.
    Tracking codes (`service_request_id`) override every other filter.
    """
    query = RequestsQuery()
    with _language(args.get("locale")):
        scope = _scope(args.get("api_key"))
        try:
            found = open311.find(ids=query.ids(args), scope=scope, **query.filters(args))
        except errors.InvalidInput as exc:
            raise BadRequest(str(exc)) from None
        body = shapes.requests(found, scope)
        return _answer(body, fmt, private=scope is not None, root="service_requests", item="request")


@bp.route(f"/requests/<service_request_id>.{FORMAT}", methods=["GET"])
@code_lookup_limit
@bp.arguments(ReadQuery, location="query")
@bp.doc(responses=answers(Open311Request, "The request, alone in a list.") | errors_of(400, 403, 404, 429))
def get_request(args, service_request_id, fmt):
    """Read one request by its tracking code: its public view, the description too for staff in scope."""
    with _language(args.get("locale")):
        scope = _scope(args.get("api_key"))
        found = open311.find(ids=[service_request_id])
        if not found:
            raise NotFound("No request has this service_request_id (tracking code).")
        body = shapes.requests(found, scope)
        return _answer(body, fmt, private=scope is not None, root="service_requests", item="request")


@bp.route(f"/requests.{FORMAT}", methods=["POST"])
@report_ip_limit
@bp.doc(
    requestBody=form_body(Open311RequestForm),
    responses=answers(Open311RequestCreated, "A new request (report) was filed.", status=201)
    | answers(
        Open311RequestCreated,
        "An open report of the same station and service got a 'me too' (merged): its tracking code.",
    )
    | errors_of(400, 403, 404, 413, 429),
)
def create_request(fmt):
    """File a request, as riders file reports (with "me too" merging); form-encoded, with an api_key.

    Station services need `attribute[station]`; community services need `lat` and `long` (WGS-84). A
    `media_url` is never fetched. Personal fields (email, phone, names) are not kept.
    """
    with _language(request.values.get("locale")):
        if accounts.user_for_token(request.form.get("api_key") or "") is None:
            raise Forbidden(_NO_KEY)
        # The key's read ends here, so filing's write transaction takes SQLite's write lock from its start.
        db.session.rollback()
        body = ApiBlueprint.ARGUMENTS_PARSER.parse(Open311RequestForm(), request, location="form")
        try:
            report, merged = open311.file_request(
                body["service_code"],
                lat=body.get("lat"),
                lon=body.get("long"),
                station=body.get("station"),
                description=body.get("description"),
                device_id=body.get("device_id"),
            )
        except (errors.InvalidInput, errors.NotFound, errors.Gone) as exc:
            raise BadRequest(str(exc)) from None
        answer = shapes.created(report, merged, body.get("media_url"))
        db.session.commit()
        status = 200 if merged else 201
        return _answer([answer], fmt, private=True, root="service_requests", item="request", status=status)


# After the views: the catch-all answers only what they do not.
spec_errors.init(bp)
