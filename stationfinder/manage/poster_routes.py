"""Posters on the manage side: the A4 print page, downloads, rotation and the bulk PDF of a region."""

import logging
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import ServiceUnavailable

from stationfinder import config, errors
from stationfinder.amenities import BY_CODE
from stationfinder.extensions import db
from stationfinder.manage import bp
from stationfinder.models import Role, Station, StationStatus, utcnow
from stationfinder.services.accounts import can_manage, scope_of
from stationfinder.services.errors import Gone, NotFound
from stationfinder.services.posters import pdf as poster_pdf
from stationfinder.services.posters import render as poster_render
from stationfinder.services.posters import tokens as posters
from stationfinder.services.posters.fonts import FontMissing
from stationfinder.services.regions import codes as regions
from stationfinder.services.stations.lookup import local_zone
from stationfinder.staff_words import station_forbidden

log = logging.getLogger(__name__)

# The web request renders the PDF synchronously; bigger batches belong to `stations posters`.
MAX_BULK = 2000
FORMATS = {
    "pdf": ("application/pdf", poster_pdf.pdf),
    "png": ("image/png", poster_render.png),
    "svg": ("image/svg+xml", poster_render.svg),
}


def _station_for_poster(station_id: int) -> Station:
    """Return a station the current user may print posters for; 404 unknown, 403 outside their scope."""
    station = db.session.get(Station, station_id) if 0 < station_id < 2**31 else None
    if station is None:
        abort(404)
    if not can_manage(current_user, station):
        raise station_forbidden(current_user)
    return station


@bp.errorhandler(FontMissing)
def font_missing(error: FontMissing):
    """Answer 503 when the server lacks a font the PDF must embed; the log says which package to install."""
    log.error("poster PDF not made: %s", error)
    unavailable = ServiceUnavailable()
    unavailable.page_message = _(
        "The PDF cannot be made: this server lacks the fonts it embeds. Please tell the administrator."
    )
    return errors.handle_http_exception(unavailable)


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


def _local_time(moment: datetime) -> str:
    """Return a moment in the configured TIMEZONE, to the minute."""
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


@bp.get("/stations/<int:station_id>/poster")
def station_poster(station_id: int):
    """Show the station's poster as an A4 page to print, with downloads and rotation."""
    station = _station_for_poster(station_id)
    poster = posters.current_poster(station, create=True)
    url = posters.checkin_url(poster, _base_url())
    qr_top, qr_side = poster_render.qr_frame(url)
    page = render_template(
        "manage/poster.html",
        station=station,
        poster=poster,
        checkin_url=url,
        code=posters.display_code(poster.short_code),
        code_url=_base_url().split("://", 1)[-1] + "/c",
        qr=Markup(poster_render.qr_svg(url)),  # Built from the URL only: no untrusted text inside.
        qr_top_mm=round(qr_top, 2),
        qr_side_mm=round(qr_side, 2),
        amenities=[BY_CODE[code] for code in station.amenities],
        instruction_zh=poster_render.INSTRUCTION_ZH,
        instruction_en=poster_render.INSTRUCTION_EN,
    )
    db.session.commit()
    return page


@bp.get("/stations/<int:station_id>/poster.<fmt>")
def station_poster_file(station_id: int, fmt: str):
    """Download the station's poster as PDF, PNG or SVG."""
    if fmt not in FORMATS:
        abort(404)
    station = _station_for_poster(station_id)
    poster = posters.current_poster(station, create=True)
    mimetype, render = FORMATS[fmt]
    body = render(station, poster, _base_url())
    db.session.commit()
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="poster-{station.id}.{fmt}"'},
    )


@bp.get("/stations/<int:station_id>/poster/rotate")
def rotate_poster_page(station_id: int):
    """Explain what replacing the poster does and ask for a deliberate confirmation."""
    station = _station_for_poster(station_id)
    return _rotate_page(station)


def _rotate_page(station: Station, error: str | None = None, status: int = 200):
    poster = posters.current_poster(station, create=False)
    grace = posters.grace_period()
    return (
        render_template(
            "manage/poster_rotate.html",
            station=station,
            code=posters.display_code(poster.short_code) if poster else None,
            grace_hours=_hours(grace),
            grace_until=utcnow() + grace,
            error=error,
        ),
        status,
    )


def _hours(grace: timedelta) -> str:
    return f"{grace / timedelta(hours=1):g}"


@bp.post("/stations/<int:station_id>/poster/rotate")
def rotate_poster(station_id: int):
    """Make a new poster once confirmed; the old QR keeps working for the grace period, or stops now."""
    station = _station_for_poster(station_id)
    if request.form.get("understood") != "yes":
        # One tap must not retire every printed copy: without the tick nothing happens.
        error = _("Tick the box to confirm that the posters already up will stop working.")
        return _rotate_page(station, error, 422)
    grace = posters.grace_period()
    at_once = request.form.get("old_posters") == "stop_now" or grace <= timedelta(0)
    now = utcnow()
    posters.rotate(station, current_user, grace=timedelta(0) if at_once else grace, now=now)
    db.session.commit()
    if at_once:
        flash(_("A new poster was made. The old QR code no longer works: print and put up the new one."))
    else:
        flash(
            _(
                "A new poster was made. The old posters still work until %(until)s: "
                "put up the new one before then.",
                until=_local_time(now + grace),
            )
        )
    return redirect(url_for("manage.station_poster", station_id=station.id), 303)


@bp.post("/stations/<int:station_id>/poster/restore")
def restore_poster(station_id: int):
    """Undo a replacement: the old poster, still in its grace period, becomes the current one again."""
    station = _station_for_poster(station_id)
    poster_id = request.form.get("poster", type=int)
    now = utcnow()
    try:
        poster = posters.restore(station, poster_id or 0, current_user, now=now)
    except NotFound:
        abort(404)
    except Gone:
        flash(_("Too late: the old posters have stopped working. Print and put up the new poster."))
        return redirect(url_for("manage.station_poster", station_id=station.id), 303)
    db.session.commit()
    flash(
        _(
            "The poster %(code)s works again and is the current one. Posters of the replacement still "
            "work until %(until)s.",
            code=posters.display_code(poster.short_code),
            until=_local_time(now + posters.grace_period()),
        )
    )
    return redirect(url_for("manage.station_poster", station_id=station.id), 303)


@bp.context_processor
def _poster_helpers():
    return {"poster_address": _address_warning, "posters_in_grace": _in_grace}


def _in_grace(station: Station) -> list[dict]:
    """Return the replaced posters of a station that still work, for the manage pages."""
    return [
        {"id": p.id, "code": posters.display_code(p.short_code), "until": _local_time(p.retired_at)}
        for p in posters.in_grace(station)
    ]


def _address_warning() -> dict | None:
    """Return what is wrong with the address the posters' QR codes hold, or None when nothing seems so."""
    base = _base_url()
    problem = posters.address_problem(base, request.host_url, default=config.DEFAULT_PUBLIC_BASE_URL)
    if problem is None:
        return None
    return {"problem": problem, "base_url": base, "host_url": request.host_url.rstrip("/")}


@bp.get("/posters")
def region_posters():
    """Offer the bulk poster PDF of a region, and send it when a region is given (staff and admins)."""
    if current_user.role not in (Role.ADMIN, Role.STAFF):
        abort(403)
    scope = scope_of(current_user)
    code = (request.args.get("region") or "").strip()
    if not code:
        return render_template("manage/posters.html", region=scope.region or "", error=None)
    try:
        code = regions.validate(code)
    except regions.InvalidRegion:
        error = _("A region code has 6 digits, e.g. 520502.")
        return render_template("manage/posters.html", region=code, error=error), 400
    if not scope.covers_region(code):
        abort(403)
    stations = list(
        db.session.scalars(
            sa.select(Station)
            .where(regions.clause(Station.region_code, code), Station.status != StationStatus.CLOSED.value)
            .order_by(Station.region_code, Station.id)
            .limit(MAX_BULK + 1)
        )
    )
    if not stations or len(stations) > MAX_BULK:
        error = (
            _("No open station in this region.")
            if not stations
            else _("Too many stations for one download; ask an admin to run the posters command.")
        )
        return render_template("manage/posters.html", region=code, error=error), 404 if not stations else 400
    body = poster_pdf.posters_pdf(stations, _base_url())
    db.session.commit()
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="posters-{code}.pdf"'},
    )
