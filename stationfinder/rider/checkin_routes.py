"""The rider's check-in page: scan a poster, tap once, see the time, undo for a few minutes.

GET never records anything (link previews and crawlers open pages too); only the
form POST does. The page keeps an anonymous random device id in a cookie.
"""

import math
import re
import secrets

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from stationfinder.extensions import csrf, db
from stationfinder.models import CATEGORIES, Checkin, Station, utcnow
from stationfinder.ratelimits import (
    DEVICE_COOKIE,
    checkin_device_limit,
    checkin_ip_limit,
    code_lookup_limit,
)
from stationfinder.rider import bp
from stationfinder.services import checkins as checkin_service
from stationfinder.services import posters
from stationfinder.services.errors import DomainError, Forbidden, Gone, NotFound

DEVICE_COOKIE_DAYS = 365
_DEVICE_ID = re.compile(r"^[A-Za-z0-9_-]{16,128}$")


def group_choices() -> list[tuple[str, str]]:
    """Return the rider groups a rider may pick, with their labels."""
    labels = {
        "food_delivery": _("Food delivery rider"),
        "courier": _("Courier"),
        "ride_hailing": _("Ride-hailing driver"),
        "truck_driver": _("Truck driver"),
        "other": _("Other"),
    }
    return [(code, labels[code]) for code in CATEGORIES]


def _device_id() -> str | None:
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if _DEVICE_ID.match(value) else None


def _with_device(response, device_id: str | None):
    """Give the browser a device id cookie if it has none yet."""
    if device_id is None or device_id == request.cookies.get(DEVICE_COOKIE):
        return response
    response.set_cookie(
        DEVICE_COOKIE,
        device_id,
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["APP_ENV"] == "production",
        path="/",
    )
    return response


def _csrf_valid() -> bool:
    # Checked here rather than globally so an expired page gets "tap again", not an error page.
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


def _local_time(moment) -> str:
    return moment.astimezone(checkin_service.zone()).strftime("%H:%M")


def _poster_problem(error: DomainError):
    """Render why a poster cannot be used: replaced (410) or unknown (404)."""
    if isinstance(error, Gone):
        status, heading, advice = (
            410,
            _("This QR poster has been replaced"),
            _(
                "The station put up a new poster. Please scan the new QR code on the wall, "
                "or type the code printed under it."
            ),
        )
    else:
        status, heading, advice = (
            404,
            _("We could not find this check-in poster"),
            _("The link may be incomplete. Scan the QR code again, or type the code printed under it."),
        )
    page = render_template("rider/checkin_problem.html", status=status, heading=heading, advice=advice)
    return page, status


def _station_page(token: str, notice: str | None = None, status: int = 200):
    """Render the check-in page of a poster, or the page saying why there is none."""
    try:
        poster = posters.by_token(token)
    except (Gone, NotFound) as exc:
        return _poster_problem(exc)
    device_id = _device_id() or secrets.token_urlsafe(24)
    page = render_template(
        "rider/checkin.html",
        station=poster.station,
        token=token,
        groups=group_choices(),
        notice=notice,
    )
    return _with_device(current_app.make_response((page, status)), device_id)


@bp.get("/c/<token>")
def checkin_page(token: str):
    """Show the station and the one big check-in button; record nothing."""
    response = _station_page(token)
    if isinstance(response, tuple):
        return response
    # A phone must not show yesterday's page (or its CSRF token) from cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def _position():
    try:
        lat, lon = float(request.form.get("lat", "")), float(request.form.get("lon", ""))
    except ValueError:
        return None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def _done_page(checkin: Checkin, token: str, duplicate: bool, status: int):
    station = db.session.get(Station, checkin.station_id)
    until = checkin_service.undo_until(checkin)
    return render_template(
        "rider/checkin_done.html",
        station=station,
        token=token,
        checkin_id=checkin.id,
        duplicate=duplicate,
        time=_local_time(checkin.created_at),
        undo_open=utcnow() < until and checkin.device_hash is not None,
        undo_until=until.isoformat(),
        undo_minutes=current_app.config["CHECKIN_UNDO_MINUTES"],
    ), status


@bp.post("/c/<token>")
@csrf.exempt
@checkin_device_limit
@checkin_ip_limit
def checkin_submit(token: str):
    """Record the tap: a new check-in, or the one this device already made here."""
    if not _csrf_valid():
        return _station_page(token, notice=_("The page had expired. Please tap Check in again."), status=400)
    device_id = _device_id() or secrets.token_urlsafe(24)
    category = request.form.get("category")
    try:
        checkin, duplicate = checkin_service.check_in(
            token, device_id, category if category in CATEGORIES else None, near=_position()
        )
    except (NotFound, Gone):
        db.session.rollback()
        return _station_page(token)
    page, status = _done_page(checkin, token, duplicate, 200 if duplicate else 201)
    response = current_app.make_response((page, status))
    response.headers["Cache-Control"] = "no-store"
    return _with_device(response, device_id)


@bp.post("/c/<token>/undo")
@csrf.exempt
@checkin_ip_limit
def checkin_undo(token: str):
    """Undo this device's check-in of a few minutes ago."""
    if not _csrf_valid():
        return _station_page(token, notice=_("The page had expired. Nothing was undone."), status=400)
    raw = request.form.get("checkin", "")
    status, message = 200, _("Your check-in was undone. It is not counted.")
    try:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
            raise NotFound("no such check-in")
        checkin_service.undo(int(raw), _device_id())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        status, message = _undo_failure(exc)
    page = render_template("rider/checkin_undone.html", token=token, message=message, undone=status == 200)
    return page, status


def _undo_failure(exc: DomainError) -> tuple[int, str]:
    if isinstance(exc, Gone):
        return 410, _("It is too late to undo this check-in.")
    if isinstance(exc, Forbidden):
        return 409, _("This check-in was made on another phone, so it cannot be undone here.")
    return 404, _("This check-in could not be found. It may already be undone.")


@bp.get("/c")
@code_lookup_limit
def checkin_code():
    """Let a rider type the short code printed under the QR when scanning fails."""
    code = request.args.get("code")
    error = None
    if code is not None:
        try:
            poster = posters.by_short_code(code)
        except Gone as exc:
            return _poster_problem(exc)
        except NotFound:
            error = _("No poster has this code. Check the code on the poster and try again.")
        else:
            return redirect(url_for("rider.checkin_page", token=poster.token), 303)
    return render_template("rider/checkin_code.html", code=code or "", error=error), 404 if error else 200
