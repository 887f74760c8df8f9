"""Routes of the manage blueprint: station list, add, edit, confirm and history."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from stationfinder.amenities import AMENITIES
from stationfinder.extensions import db
from stationfinder.geo import counties
from stationfinder.geo.coords import from_wgs84
from stationfinder.i18n import current_lang
from stationfinder.manage import bp, history
from stationfinder.manage.forms import STATUS_LABELS, StationForm
from stationfinder.manage.history import when as _when
from stationfinder.models import Role, Station
from stationfinder.services.accounts import can_manage
from stationfinder.services.errors import Forbidden
from stationfinder.services.regions.names import name_of
from stationfinder.services.stations import admin as station_admin
from stationfinder.staff_words import forbidden, station_forbidden

PER_PAGE = 20


@bp.before_request
@login_required
def _require_login():
    """Send anonymous visitors (and disabled users) to the login page."""


def _station_or_404(station_id: int) -> Station:
    station = db.session.get(Station, station_id) if station_id < 2**31 else None
    if station is None:
        abort(404)
    return station


def _managed(station_id: int) -> Station:
    station = _station_or_404(station_id)
    if not can_manage(current_user, station):
        raise station_forbidden(current_user)
    return station


def _tile_crs() -> str:
    return current_app.config["MAP_TILE_CRS"] if current_app.config["MAP_TILE_CRS"] == "gcj02" else "wgs84"


def _initial(station: Station) -> dict:
    # Shown in the map tiles' system, so the pin and the numbers agree; the form says which system.
    system = _tile_crs()
    lat, lon = from_wgs84(station.lat, station.lon, system)
    return {
        "name": station.name,
        "address": station.address,
        "region_code": station.region_code,
        "amenities": station.amenities,
        "opening_hours": station.opening_hours,
        "phone": station.phone,
        "access": station.access,
        "seats": station.seats,
        "area_m2": station.area_m2,
        "status": station.status,
        "lat": round(lat, 7),
        "lon": round(lon, 7),
        "coord_system": system,
    }


def _apply_errors(form: StationForm, errors: dict[str, list[str]]) -> None:
    # The service speaks English (it serves the CLI too); say the common case in the user's language.
    hints = {"phone": _("A phone number may hold only digits, spaces and + - ( ) , ; / # * 转.")}
    for field, messages in errors.items():
        target = form._fields.get(field) or form.name
        target.errors = [*target.errors, *([hints[field]] if field in hints else messages)]


def _render_form(form: StationForm, station: Station | None, status: int = 200, unsaved: list | None = None):
    return (
        render_template(
            "manage/station_form.html",
            form=form,
            station=station,
            amenities=AMENITIES,
            lang=current_lang(),
            can_edit_region=current_user.role != Role.MANAGER,
            unsaved=unsaved,
        ),
        status,
    )


def _save(form: StationForm, station: Station | None, save):
    """Run a service call for a valid form: commit and go to the station, or show the form with the errors."""
    try:
        result = save()
    except station_admin.OutsideRegion:
        db.session.rollback()
        message = _(
            "The region code must lie inside your region %(region)s.", region=current_user.region_code
        )
        form.region_code.errors = [*form.region_code.errors, message]
        return _render_form(form, station, 403)
    except station_admin.InvalidStation as exc:
        db.session.rollback()
        _apply_errors(form, exc.errors)
        return _render_form(form, station, 422)
    except Forbidden:
        db.session.rollback()
        abort(403)
    db.session.commit()
    if station is None:
        station = result
        flash(_("Station added."))
    elif result.action == "confirm":
        # Nothing differed from what is stored: say so, and the history shows a confirmation.
        flash(_("Thank you. The details are marked as checked today."))
    else:
        flash(_("Saved. The details are marked as checked today."))
    _flash_region(form, station)
    return redirect(url_for("manage.edit_station", station_id=station.id))


def _region_label(code: str) -> str:
    name = name_of(code, current_lang())
    if name == code:
        name = counties.name(code) or ""
    return f"{code} {name}".strip()


def _flash_region(form: StationForm, station: Station) -> None:
    """Say when the region code came from the position, or looks wrong for it (a warning, not a refusal)."""
    if "region_code" in form and not form.region_code.data and station.region_code:
        flash(
            _(
                "The region code was left empty, so it was taken from the position: %(region)s.",
                region=_region_label(station.region_code),
            )
        )
    warning = station_admin.region_warning(station)
    if warning is None:
        return
    if warning.code is None:
        message = _("No county holds this position, so the region code stays empty. Check the position.")
    elif warning.distance_m is None:
        message = _(
            "No boundary is known for the region code %(code)s (an old or mistyped code?). Check it.",
            code=warning.code,
        )
    else:
        message = _(
            "The position lies %(km)s km outside the region %(region)s. Check the region code and position.",
            km=f"{warning.distance_m / 1000:.1f}",
            region=_region_label(warning.code),
        )
    if warning.county:
        county = _region_label(warning.county)
        # Chinese sentences follow each other without a space.
        message += ("" if current_lang() == "zh" else " ") + _(
            "By the county boundaries it lies in %(county)s.", county=county
        )
    flash(message, "warning")


@bp.context_processor
def _helpers():
    return {"when": _when}


@bp.get("/")
def index():
    """List the stations the user may manage."""
    q = request.args.get("q", "", type=str)
    page = request.args.get("page", 1, type=int)
    pagination = station_admin.list_stations(current_user, q=q, page=page, per_page=PER_PAGE)
    return render_template(
        "manage/index.html",
        pagination=pagination,
        q=q,
        may_create=station_admin.may_create(current_user),
        status_labels=STATUS_LABELS,
    )


@bp.route("/stations/new", methods=["GET", "POST"])
def new_station():
    """Add a station (admins and district staff)."""
    if not station_admin.may_create(current_user):
        raise forbidden(_("Only district staff and administrators can add stations."))
    form = StationForm()
    if request.method == "GET":
        form.coord_system.data = _tile_crs()
        if current_user.role == Role.STAFF:
            form.region_code.data = current_user.region_code
    if form.validate_on_submit():
        return _save(form, None, lambda: station_admin.create_station(current_user, form.station_data()))
    return _render_form(form, None, 422 if form.errors else 200)


@bp.route("/stations/<int:station_id>", methods=["GET", "POST"])
def edit_station(station_id: int):
    """Show and save a station's details."""
    station = _managed(station_id)
    form = _edit_form(StationForm(data=_initial(station)) if request.method == "GET" else StationForm())
    if request.method == "POST" and form.validate():
        return _save(
            form, station, lambda: station_admin.update_station(current_user, station, form.station_data())
        )
    return _render_form(form, station, 422 if form.errors else 200)


def _edit_form(form: StationForm) -> StationForm:
    if current_user.role == Role.MANAGER:
        # Managers keep their station's region; the service refuses a change anyway.
        del form.region_code
    return form


@bp.post("/stations/<int:station_id>/confirm")
def confirm_station(station_id: int):
    """Confirm that a station's details are still right, unless the form sent holds unsaved edits.

    The page's confirm button saves and confirms through ``edit_station``; this address stays for pages
    opened before that change and for scripts, and never vouches for values it was not shown.
    """
    station = _managed(station_id)
    if "name" not in request.form:
        # Without the form's values nobody can tell what the user saw: show the stored ones to confirm.
        return _render_form(
            _edit_form(StationForm(formdata=None, data=_initial(station))), station, 409, unsaved=[]
        )
    form = _edit_form(StationForm())
    if form.validate():
        try:
            station_admin.confirm_station(current_user, station, shown=form.station_data())
        except station_admin.UnsavedChanges as exc:
            return _render_form(form, station, 409, unsaved=_labels(form, exc.fields))
        except station_admin.InvalidStation as exc:
            _apply_errors(form, exc.errors)
        else:
            db.session.commit()
            flash(_("Thank you. The details are marked as checked today."))
            return redirect(url_for("manage.edit_station", station_id=station.id))
    db.session.rollback()
    return _render_form(form, station, 409, unsaved=[])


def _labels(form: StationForm, fields: list[str]) -> list[str]:
    return [form._fields[f].label.text if f in form._fields else f for f in fields]


@bp.get("/stations/<int:station_id>/history")
def station_history(station_id: int):
    """Show who changed what in a station, and when."""
    station = _managed(station_id)
    return render_template(
        "manage/history.html",
        station=station,
        entries=history.entries(station_admin.history(current_user, station)),
    )
