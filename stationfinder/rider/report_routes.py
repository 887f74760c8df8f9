"""Riders file reports from their phones: a station's problem in two taps, and 随手拍 about a place.

Each form is a plain multipart POST, so it works without JavaScript; report_form.js only shrinks a
large photo first and fills in the position of a 随手拍. A filed report redirects to its tracking
page (POST-redirect-GET), so a reload never files it twice. Filing takes the API's path
(services.reports.file_report) under the API's rate limits, whose counts the two share.
"""

import math
import secrets

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from stationfinder.extensions import csrf, db
from stationfinder.geo.coords import SYSTEMS
from stationfinder.models import Station
from stationfinder.models.report import COMMUNITY_CATEGORIES, MAX_DESCRIPTION, STATION_CATEGORIES
from stationfinder.ratelimits import (
    cookie_device_id,
    report_anonymous_limit,
    report_device_limit,
    report_ip_limit,
)
from stationfinder.rider import bp, report_texts

# The check-in page's own helpers: the same device cookie, the same friendly CSRF and poster answers.
from stationfinder.rider.common import csrf_valid, poster_problem, with_device
from stationfinder.services import reports as report_service
from stationfinder.services.errors import Gone, InvalidInput, NotFound
from stationfinder.services.posters import tokens as posters
from stationfinder.services.reports import photos
from stationfinder.services.stations import lookup as stations

FILING_ENDPOINTS = frozenset(
    {"rider.station_report_submit", "rider.checkin_report_submit", "rider.community_report_submit"}
)
# Room for the form fields and multipart framing beside a photo of the largest size (as the API).
_FORM_ROOM = 64 * 1024


@bp.url_value_preprocessor
def _room_for_a_photo(endpoint, _values):
    # Runs before the rate limiter, whose device key reads the multipart form.
    if endpoint in FILING_ENDPOINTS:
        request.max_content_length = photos.MAX_BYTES + _FORM_ROOM


@bp.context_processor
def _report_words():
    return {"report_station_categories": report_texts.station_categories}


class Refused(Exception):
    """A report the page does not send, with the status and the message the form shows."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def _too_large() -> Refused:
    return Refused(
        413, _("The photo is too large. Choose one of at most %(n)s MB.", n=photos.MAX_BYTES >> 20)
    )


def _kept() -> tuple[str | None, str]:
    """Return the category and text the rider posted, to fill the form in again."""
    try:
        return request.form.get("category"), request.form.get("description", "")[:MAX_DESCRIPTION]
    except RequestEntityTooLarge:
        return None, ""


def _photo() -> bytes | None:
    upload = request.files.get("photo")
    # One byte more than allowed is enough to know it is too large.
    data = upload.stream.read(photos.MAX_BYTES + 1) if upload is not None else b""
    return data or None  # An empty file field means no photo.


def _submitted(categories: tuple[str, ...]) -> tuple[str, str, bytes | None]:
    """Return the posted category, description and photo; raise Refused with what the rider should do."""
    try:
        form = request.form
    except RequestEntityTooLarge:
        raise _too_large() from None
    if not csrf_valid():
        raise Refused(400, _("The page had expired. Please tap Send again."))
    category = form.get("category", "")
    if category not in categories:
        raise Refused(400, _("Choose what is wrong, then tap Send."))
    # Browsers send a textarea's line breaks as CRLF, which its maxlength counted as one character.
    description = form.get("description", "").replace("\r\n", "\n").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Refused(400, _("Please shorten the text to %(n)s characters.", n=MAX_DESCRIPTION))
    return category, description, _photo()


def _filed(kind: str, category: str, description: str, photo: bytes | None, **where):
    """File the report and send the rider to its tracking page; raise Refused for a photo it refuses."""
    try:
        report, merged = report_service.file_report(
            kind, category, description=description, device_id=cookie_device_id(), photo=photo, **where
        )
    except photos.PhotoTooLarge:
        db.session.rollback()
        raise _too_large() from None
    except photos.NotAnImage:
        db.session.rollback()
        raise Refused(
            415, _("This file is not a photo we can open. Choose a JPEG, PNG or WebP photo.")
        ) from None
    db.session.commit()
    done = url_for("rider.report_status", code=report.code, new="merged" if merged else "1")
    return redirect(done, 303)


def _as_page(template: str, status: int = 200, **context):
    """Render a report page that keeps no cache (it holds a CSRF token) and gives the device its cookie."""
    context.setdefault("form_data", {"text": report_texts.form_texts(), **report_texts.limits()})
    response = current_app.make_response((render_template(template, **context), status))
    response.headers["Cache-Control"] = "no-store"
    return with_device(response, cookie_device_id() or secrets.token_urlsafe(24))


def _station_form(
    station: Station, action: str, back: str, *, category=None, description="", notice=None, status=200
):
    return _as_page(
        "rider/report_form.html",
        status,
        station=station,
        action=action,
        back=back,
        categories=report_texts.station_categories(),
        chosen=category,
        description=description,
        notice=notice,
    )


def _station_missing():
    return render_template("rider/station_missing.html"), 404


def _station_submission(station: Station, action: str, back: str, **where):
    """File a station report from the posted form, or show the form again saying what to change."""
    try:
        category, description, photo = _submitted(STATION_CATEGORIES)
        return _filed("station", category, description, photo, **where)
    except Refused as refused:
        category, description = _kept()
        return _station_form(
            station, action, back, category=category, description=description,
            notice=refused.message, status=refused.status,
        )  # fmt: skip
    except (Gone, NotFound) as exc:
        # The station was removed, or its poster replaced, while the rider was typing.
        db.session.rollback()
        return poster_problem(exc) if "token" in where else _station_missing()
    except InvalidInput:
        db.session.rollback()
        category, description = _kept()
        message = _("Something in the form was not right. Please check it and tap Send again.")
        return _station_form(
            station, action, back, category=category, description=description, notice=message, status=400
        )


@bp.get("/stations/<key>/report")
def station_report(key: str):
    """Show the report form of a station: pick what is wrong, send."""
    try:
        station = stations.get_station(key)
    except NotFound:
        return _station_missing()
    back = url_for("rider.station", key=station.public_key)
    return _station_form(
        station, url_for("rider.station_report_submit", key=key), back, category=request.args.get("category")
    )


@bp.post("/stations/<key>/report")
@csrf.exempt
@report_device_limit
@report_anonymous_limit
@report_ip_limit
def station_report_submit(key: str):
    """File a station report posted from its form."""
    try:
        station = stations.get_station(key)
    except NotFound:
        return _station_missing()
    back = url_for("rider.station", key=station.public_key)
    return _station_submission(
        station, url_for("rider.station_report_submit", key=key), back, station_id=station.id
    )


@bp.get("/c/<token>/report")
def checkin_report(token: str):
    """Show the report form of the station whose poster was scanned."""
    try:
        poster = posters.by_token(token)
    except (Gone, NotFound) as exc:
        return poster_problem(exc)
    back = url_for("rider.checkin_page", token=token)
    action = url_for("rider.checkin_report_submit", token=token)
    return _station_form(poster.station, action, back, category=request.args.get("category"))


@bp.post("/c/<token>/report")
@csrf.exempt
@report_device_limit
@report_anonymous_limit
@report_ip_limit
def checkin_report_submit(token: str):
    """File a report about the station whose poster was scanned."""
    try:
        poster = posters.by_token(token)
    except (Gone, NotFound) as exc:
        return poster_problem(exc)
    back = url_for("rider.checkin_page", token=token)
    return _station_submission(
        poster.station, url_for("rider.checkin_report_submit", token=token), back, token=token
    )


def _community_page(
    category: str | None, *, description: str = "", notice: str | None = None, status: int = 200
):
    """Render 随手拍: the categories, or the chosen one's form (an emergency's phone numbers first)."""
    if category not in COMMUNITY_CATEGORIES:
        category = None
    return _as_page(
        "rider/community.html",
        status,
        categories=report_texts.community_categories(),
        category=category,
        label=report_texts.category_label("community", category) if category else None,
        description=description,
        notice=notice,
    )


def _position() -> tuple[float, float, str]:
    """Return the posted position and its coordinate system; raise Refused without a usable one."""
    coord = request.form.get("coord") or "wgs84"
    try:
        lat, lon = float(request.form.get("lat", "")), float(request.form.get("lon", ""))
    except ValueError:
        lat = lon = math.nan
    if coord not in SYSTEMS or not (
        math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180
    ):
        raise Refused(400, _("We need your location to send this. Allow location, then tap Send again."))
    return lat, lon, coord


@bp.get("/report")
def community_report():
    """Show 随手拍: choose what you saw, then send it with your position and an optional photo."""
    return _community_page(request.args.get("category"))


@bp.post("/report")
@csrf.exempt
@report_device_limit
@report_anonymous_limit
@report_ip_limit
def community_report_submit():
    """File a 随手拍 report about the place where the rider is."""
    try:
        category, description, photo = _submitted(COMMUNITY_CATEGORIES)
        lat, lon, coord = _position()
        return _filed("community", category, description, photo, lat=lat, lon=lon, coord=coord)
    except Refused as refused:
        category, description = _kept()
        return _community_page(
            category, description=description, notice=refused.message, status=refused.status
        )
    except InvalidInput:
        # Validated above, so what is left is a position that no county of China holds.
        db.session.rollback()
        category, description = _kept()
        message = _(
            "Your location is not inside any district we can send reports to. "
            "Reports can only be sent from within China."
        )
        return _community_page(category, description=description, notice=message, status=400)
