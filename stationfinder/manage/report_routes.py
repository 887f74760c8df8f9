"""Riders' reports on the manage side: the inbox, a ticket's page with its state change, its photo."""

from datetime import datetime, timedelta

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from stationfinder.extensions import db
from stationfinder.i18n import current_lang
from stationfinder.manage import bp
from stationfinder.manage.report_forms import ReportChangeForm
from stationfinder.models import Report, Role, StationStatus, utcnow
from stationfinder.models.report import CLOSED_STATES, OPEN_STATES
from stationfinder.report_words import (
    CATEGORIES,
    STATES,
    category_label,
    kind_label,
    region_name,
    status_label,
)
from stationfinder.services import errors
from stationfinder.services import reports as report_service
from stationfinder.services.accounts import can_manage, scope_of
from stationfinder.services.reports import queries, shapes
from stationfinder.staff_words import area_text, forbidden

PER_PAGE = 20
# Far beyond any real inbox, and small enough that the offset never overflows a database integer.
MAX_PAGE = 10_000
# The status filter's choices beside each single state: the inbox opens on the open ones.
STATUS_GROUPS = {"open": OPEN_STATES, "closed": CLOSED_STATES, "all": ()}
# What a station_closed report may do to its station in the same step (workflow.STATION_STATUSES).
CLOSE_TO = StationStatus.TEMPORARILY_CLOSED.value


def _inbox_filters() -> dict:
    args = request.args
    status = args.get("status", "open")
    category = args.get("category", "")
    page = args.get("page", 1, type=int)
    return {
        "status": status if status in STATUS_GROUPS or status in STATES else "open",
        "category": category if category in CATEGORIES else "",
        "station": (args.get("station") or "").strip()[:64],
        "overdue": args.get("overdue") == "1",
        "page": min(max(page or 1, 1), MAX_PAGE),
    }


def _statuses(choice: str) -> tuple[str, ...]:
    return STATUS_GROUPS.get(choice, (choice,))


def _failure(exc: errors.DomainError) -> tuple[str, int]:
    if isinstance(exc, errors.Forbidden):
        message = _("That station is outside your area (your area: %(area)s).", area=area_text(current_user))
        return message, 403
    if isinstance(exc, errors.NotFound):
        return _("There is no station with that code."), 404
    return _("Something in the request was not right. Please check and try again."), 400


@bp.get("/reports")
def reports():
    """List the reports in the user's scope, newest first, filtered by status, category, station, overdue."""
    filters = _inbox_filters()
    now = utcnow()
    error, status, page = None, 200, None
    try:
        page = report_service.list_reports(
            scope_of(current_user),
            statuses=_statuses(filters["status"]),
            category=filters["category"] or None,
            station=filters["station"] or None,
            overdue=True if filters["overdue"] else None,
            limit=PER_PAGE,
            offset=(filters["page"] - 1) * PER_PAGE,
            now=now,
        )
    except (errors.Forbidden, errors.NotFound, errors.InvalidInput) as exc:
        error, status = _failure(exc)
    items = page.items if page else []
    photos = queries.with_photos(r.id for r in items)
    rows = [
        {
            "report": r,
            "overdue": queries.is_overdue(r, now),
            "photo": r.id in photos,
            "place": _place(r),
        }
        for r in items
    ]
    total = page.total if page else 0
    pages = max(1, -(-total // PER_PAGE))
    return render_template(
        "manage/reports.html",
        filters=filters,
        rows=rows,
        total=total,
        pages=pages,
        error=error,
        links=_pager(filters, pages),
        status_groups=[("open", _("All open")), ("closed", _("All closed")), ("all", _("All"))],
        states=[(s, status_label(s)) for s in STATES],
        categories=[(c, category_label(c)) for c in CATEGORIES],
        manager_stations=_manager_stations(),
        labels={"status": status_label, "category": category_label},
    ), status


def _pager(filters: dict, pages: int) -> dict:
    keep = {k: v for k, v in filters.items() if k != "page" and v}
    keep["overdue"] = "1" if filters["overdue"] else None
    page = filters["page"]
    return {
        "prev": url_for("manage.reports", **keep, page=page - 1) if page > 1 else None,
        "next": url_for("manage.reports", **keep, page=page + 1) if page < pages else None,
    }


def _manager_stations() -> list[tuple[int, str]]:
    if current_user.role != Role.MANAGER:
        return []
    return sorted(((s.id, s.name) for s in current_user.stations), key=lambda pair: pair[1])


def _place(report: Report) -> str:
    """Return where a report is: its station's name, else its region's."""
    if report.station is not None:
        return report.station.name
    return region_name(report.region_code, current_lang())


def _ticket(code: str) -> Report:
    """Return a report the user may act on; 404 for an unknown code, 403 outside their scope."""
    try:
        return report_service.for_user(current_user, code)
    except errors.NotFound:
        abort(404)
    except errors.Forbidden:
        raise forbidden(
            _(
                "This report is outside the area you look after (your area: %(area)s).",
                area=area_text(current_user),
            )
        ) from None


def _may_close_station(report: Report) -> bool:
    station = report.station
    return (
        report.category == "station_closed"
        and station is not None
        and station.status == StationStatus.OPEN.value
        and can_manage(current_user, station)
    )


def _form(report: Report) -> ReportChangeForm:
    form = ReportChangeForm()
    form.offer(report.status, _("Keep the status: %(status)s", status=status_label(report.status)))
    if request.method == "GET":
        form.shown_status.data = report.status
    if not _may_close_station(report):
        del form.close_station
    return form


@bp.route("/reports/<code>", methods=["GET", "POST"])
def report(code: str):
    """Show a report (photo, map, history) and change its status or add a note."""
    ticket = _ticket(code)
    form = _form(ticket)
    if request.method == "POST":
        return _change(ticket, form)
    return _render(ticket, form)


def _change(ticket: Report, form: ReportChangeForm):
    """Apply a submitted change, or show the form again with what is wrong, in words."""
    if not form.validate():
        return _render(ticket, form, 422)
    if form.shown_status.data and form.shown_status.data != ticket.status:
        # Someone changed it since this page was drawn: show what is there now, keep the words typed.
        form.shown_status.data = ticket.status
        form.status.data = ""
        notice = _(
            "Someone changed this report meanwhile; it is now “%(status)s”. Read its history and try again.",
            status=status_label(ticket.status),
        )
        return _render(ticket, form, 409, notice)
    status = form.status.data or None
    note = (form.note.data or "").strip()
    if status is not None and status not in STATES:
        form.status.errors = [*form.status.errors, _("Pick a status from the list.")]
        return _render(ticket, form, 422)
    if status in CLOSED_STATES and not (note and form.public.data):
        message = _("Closing a report needs a note riders may read: say what was done, or why not.")
        form.note.errors = [*form.note.errors, message]
        return _render(ticket, form, 422)
    close_station = "close_station" in form and form.close_station.data
    if status is None and not note and not close_station:
        return _render(ticket, form, 422, _("Nothing to save: pick a new status or write a note."))
    try:
        report_service.change(
            ticket,
            current_user,
            status=status,
            note=note,
            public=form.public.data,
            station_status=CLOSE_TO if close_station else None,
        )
    except errors.Conflict:
        db.session.rollback()
        notice = _(
            "A report cannot go from “%(old)s” to “%(new)s”. Pick one of the statuses offered.",
            old=status_label(ticket.status),
            new=status_label(status),
        )
        return _render(ticket, form, 409, notice)
    except errors.Forbidden:
        db.session.rollback()
        raise forbidden(_("You may not change this station.")) from None
    except errors.InvalidInput:
        db.session.rollback()
        return _render(ticket, form, 422, _("The change could not be saved. Check the note and try again."))
    db.session.commit()
    flash(_("Saved. The station is now marked temporarily closed.") if close_station else _("Saved."))
    return redirect(url_for("manage.report", code=ticket.code), 303)


def _render(ticket: Report, form: ReportChangeForm, status: int = 200, notice: str | None = None):
    events = shapes.history(ticket)
    station = ticket.station
    now = utcnow()
    return render_template(
        "manage/report.html",
        report=ticket,
        form=form,
        notice=notice,
        station=station,
        station_editable=station is not None and can_manage(current_user, station),
        place=_place(ticket),
        region=region_name(ticket.region_code, current_lang()) if ticket.region_code else "",
        history=[_entry(event, username) for event, username in events],
        has_photo=bool(queries.with_photos([ticket.id])),
        overdue=_overdue_reason(ticket, now),
        position=_position(ticket),
        labels={"status": status_label, "category": category_label, "kind": kind_label},
        public_url=_public_url(ticket),
        closing_states=CLOSED_STATES,
    ), status


def _public_url(report: Report) -> str:
    """Return the page where riders follow the report (the rider blueprint's, when it is there)."""
    if "rider.report_status" in current_app.view_functions:
        return url_for("rider.report_status", code=report.code)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + f"/r/{report.code}"


def _entry(event, username: str | None) -> dict:
    if username:
        who = username
    elif event.from_status is None:
        who = _("A rider (filed the report)")
    else:
        who = _("A rider, or the system")
    moved = event.from_status is not None and event.from_status != event.to_status
    return {
        "at": event.at,
        "who": who,
        "from": status_label(event.from_status) if moved else None,
        "to": status_label(event.to_status),
        "moved": moved or event.from_status is None,
        "note": event.note,
        "public": event.public,
    }


def _overdue_reason(report: Report, now: datetime) -> str | None:
    """Return why a report is overdue, in words, or None."""
    if not queries.is_overdue(report, now):
        return None
    config = current_app.config
    if report.acknowledged_at is None and now - report.created_at > timedelta(
        hours=config["REPORT_ACK_HOURS"]
    ):
        return _("Overdue: not acknowledged within %(hours)s hours.", hours=f"{config['REPORT_ACK_HOURS']:g}")
    return _("Overdue: not closed within %(days)s days.", days=f"{config['REPORT_FIX_DAYS']:g}")


def _position(report: Report) -> dict | None:
    """Return the WGS-84 point the map shows: a place's exact position, else the station's."""
    if report.lat is not None and report.lon is not None:
        return {"lat": report.lat, "lon": report.lon, "label": category_label(report.category)}
    if report.station is not None:
        return {"lat": report.station.lat, "lon": report.station.lon, "label": report.station.name}
    return None


@bp.get("/reports/<code>/photo")
def report_photo(code: str):
    """Send a report's photo to staff in scope; never to be kept by a shared cache or the browser."""
    ticket = _ticket(code)
    photo = queries.photo(ticket)
    if photo is None:
        abort(404)
    response = current_app.response_class(photo.data, mimetype=photo.content_type)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Disposition"] = f'inline; filename="{ticket.code}.jpg"'
    return response
