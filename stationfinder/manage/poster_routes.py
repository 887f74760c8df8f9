"""Posters on the manage side: the A4 print page, downloads, rotation and the bulk PDF of a region."""

import sqlalchemy as sa
from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from stationfinder.amenities import BY_CODE
from stationfinder.extensions import db
from stationfinder.manage import bp
from stationfinder.models import Role, Station, StationStatus
from stationfinder.services import poster_render, posters, regions
from stationfinder.services.accounts import can_manage, scope_of

# The web request renders the PDF synchronously; bigger batches belong to `stations posters`.
MAX_BULK = 2000
FORMATS = {
    "pdf": ("application/pdf", poster_render.pdf),
    "png": ("image/png", poster_render.png),
    "svg": ("image/svg+xml", poster_render.svg),
}


def _station_for_poster(station_id: int) -> Station:
    """Return a station the current user may print posters for; 404 unknown, 403 outside their scope."""
    station = db.session.get(Station, station_id) if 0 < station_id < 2**31 else None
    if station is None:
        abort(404)
    if not can_manage(current_user, station):
        abort(403)
    return station


def _base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"]


@bp.get("/stations/<int:station_id>/poster")
def station_poster(station_id: int):
    """Show the station's poster as an A4 page to print, with downloads and rotation."""
    station = _station_for_poster(station_id)
    poster = posters.current_poster(station, create=True)
    url = posters.checkin_url(poster, _base_url())
    page = render_template(
        "manage/poster.html",
        station=station,
        poster=poster,
        checkin_url=url,
        code=posters.display_code(poster.short_code),
        code_url=_base_url().split("://", 1)[-1] + "/c",
        qr=Markup(poster_render.qr_svg(url)),  # Built from the URL only: no untrusted text inside.
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


@bp.post("/stations/<int:station_id>/poster/rotate")
def rotate_poster(station_id: int):
    """Retire the station's poster and make a new one; the old QR then stops working."""
    station = _station_for_poster(station_id)
    posters.rotate(station, current_user)
    db.session.commit()
    flash(_("A new poster was made. The old QR code no longer works: print and put up the new one."))
    return redirect(url_for("manage.station_poster", station_id=station.id), 303)


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
    body = poster_render.posters_pdf(stations, _base_url())
    db.session.commit()
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="posters-{code}.pdf"'},
    )
