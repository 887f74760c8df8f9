"""The rider's check-in page: scan a poster, tap once, see the time, undo for a few minutes.

GET never records anything (link previews and crawlers open pages too); only the
form POST does, and it redirects to the confirmation (POST-redirect-GET), so a reload,
the back button or a language switch never taps again. The page keeps an anonymous
random device id in a cookie.
"""

import math
import secrets

from flask import current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from stationfinder import units
from stationfinder.extensions import csrf, db
from stationfinder.models import CATEGORIES, Checkin, Station, StationStatus, utcnow
from stationfinder.ratelimits import (
    checkin_anonymous_limit,
    checkin_device_limit,
    checkin_ip_limit,
    code_lookup_limit,
    cookie_device_id,
)
from stationfinder.rider import bp
from stationfinder.rider.common import csrf_valid, poster_problem, with_device
from stationfinder.services import checkins as checkin_service
from stationfinder.services.checkins import receipts as checkin_receipts
from stationfinder.services.errors import Closed, DomainError, Gone, NotFound
from stationfinder.services.nearest import search as nearest
from stationfinder.services.posters import tokens as posters
from stationfinder.services.stats.labels import CATEGORY_LABELS

ALTERNATIVES = 3


def group_choices() -> list[tuple[str, str]]:
    """Return the rider groups a rider may pick, with their labels in the request's language."""
    return [(code, str(CATEGORY_LABELS[code])) for code in CATEGORIES]


def _local_time(moment) -> str:
    return moment.astimezone(checkin_service.zone()).strftime("%H:%M")


def _closed_page(station: Station, status: int):
    """Render why a closed station counts nothing, with the nearest stations open now."""
    others = [
        other
        for other in nearest.nearest(station.lat, station.lon, limit=ALTERNATIVES + 1, open_now=True)
        if other["id"] != station.id
    ][:ALTERNATIVES]
    return render_template("rider/checkin_closed.html", station=station, others=others), status


def _station_page(token: str, notice: str | None = None, status: int = 200):
    """Render the check-in page of a poster, or the page saying why there is none."""
    try:
        poster = posters.by_token(token)
    except (Gone, NotFound) as exc:
        return poster_problem(exc)
    if poster.station.status != StationStatus.OPEN.value:
        return _closed_page(poster.station, 409 if status == 409 else 200)
    device_id = cookie_device_id() or secrets.token_urlsafe(24)
    page = render_template(
        "rider/checkin.html",
        station=poster.station,
        token=token,
        groups=group_choices(),
        notice=notice,
    )
    return with_device(current_app.make_response((page, status)), device_id)


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


def _done_page(checkin: Checkin, token: str, duplicate: bool):
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
    )


@bp.post("/c/<token>")
@csrf.exempt
@checkin_device_limit
@checkin_anonymous_limit
@checkin_ip_limit
def checkin_submit(token: str):
    """Record the tap: a new check-in, or the one this device already made here."""
    if not csrf_valid():
        return _station_page(token, notice=_("The page had expired. Please tap Check in again."), status=400)
    # Without its cookie (blocked, or a script) the tap counts as anonymous: a new id made up on every
    # tap would count every tap as another rider. The cookie set now lets the next tap dedupe.
    device_id = cookie_device_id()
    category = request.form.get("category")
    try:
        checkin, duplicate = units.check_in(
            token, device_id, category if category in CATEGORIES else None, near=_position()
        )
    except (NotFound, Gone, Closed):
        db.session.rollback()
        return _station_page(token, status=409)
    if checkin.device_hash is None:
        # Nothing ties an anonymous check-in to this browser, so its URL carries a signed ticket.
        done = url_for(
            "rider.checkin_done", token=token, checkin_id=checkin.id, ticket=checkin_receipts.ticket(checkin)
        )
    else:
        done = url_for("rider.checkin_done", token=token, checkin_id=checkin.id, again=duplicate)
    return with_device(redirect(done, 303), device_id or secrets.token_urlsafe(24))


@bp.get("/c/<token>/done/<int:checkin_id>", defaults={"again": False, "ticket": None})
@bp.get("/c/<token>/again/<int:checkin_id>", defaults={"again": True, "ticket": None})
@bp.get("/c/<token>/done/<int:checkin_id>/<ticket>", defaults={"again": False})
def checkin_done(token: str, checkin_id: int, again: bool, ticket: str | None):
    """Show this device's recent check-in again; anyone else, or later, gets the check-in page."""
    try:
        poster = posters.by_token(token)
    except (Gone, NotFound):
        poster = None
    checkin = (
        checkin_receipts.receipt(checkin_id, poster.station_id, cookie_device_id(), ticket)
        if poster is not None
        else None
    )
    if checkin is None:
        return redirect(url_for("rider.checkin_page", token=token), 303)
    response = current_app.make_response(_done_page(checkin, token, again))
    # The confirmation is this phone's own: never kept by a cache or shown from one later.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/c/<token>/undo")
@csrf.exempt
@checkin_ip_limit
def checkin_undo(token: str):
    """Undo this device's check-in of a few minutes ago."""
    if not csrf_valid():
        return _station_page(token, notice=_("The page had expired. Nothing was undone."), status=400)
    raw = request.form.get("checkin", "")
    status, message = 200, _("Your check-in was undone. It is not counted.")
    try:
        if not raw.isascii() or not raw.isdigit() or len(raw) > 10:
            raise NotFound("no such check-in")
        checkin_service.undo(int(raw), cookie_device_id())
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        status, message = _undo_failure(exc)
    page = render_template("rider/checkin_undone.html", token=token, message=message, undone=status == 200)
    return page, status


def _undo_failure(exc: DomainError) -> tuple[int, str]:
    if isinstance(exc, Gone):
        return 410, _("It is too late to undo this check-in.")
    # Another phone's check-in reads exactly as an unknown one: the answer must not reveal which ids exist.
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
            return poster_problem(exc)
        except NotFound:
            error = _("No poster has this code. Check the code on the poster and try again.")
        else:
            return redirect(url_for("rider.checkin_page", token=poster.token), 303)
    return render_template("rider/checkin_code.html", code=code or "", error=error), 404 if error else 200
