"""Routes of the coverage page: what stations reach, where riders found none, where to look next."""

import json
import math

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from stationfinder import errors, units
from stationfinder.dashboard import bp, coverage_data, exports
from stationfinder.dashboard.routes import region_options
from stationfinder.geo import coverage as geo_coverage
from stationfinder.i18n import current_lang
from stationfinder.models import Role
from stationfinder.services import accounts
from stationfinder.services.errors import Forbidden, InvalidInput
from stationfinder.services.planning import coverage, demand, plan, sites, table
from stationfinder.services.stats import labels
from stationfinder.services.stats.query import make_period
from stationfinder.staff_words import area_text

FIELDS = ("region", "minutes", "speed_kmh", "at", "from", "to")
FORMATS = ("csv", "xlsx", "geojson")
GEOJSON_TYPE = "application/geo+json"


class PageError(Exception):
    """A question the page cannot answer: a message for the user and the HTTP status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


def _fields() -> dict:
    return {key: (request.args.get(key) or "").strip()[:32] for key in FIELDS}


def _number(value: str, most: float, message: str) -> float | None:
    """Return a positive number up to ``most`` from a field (None when empty), or raise PageError."""
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise PageError(message) from None
    if not math.isfinite(number) or not 0 < number <= most:
        raise PageError(message)
    return number


def _period_message(exc: InvalidInput) -> str:
    return {
        "order": _("The start date must not be after the end date."),
        "range": _("Pick a range of at most 3 years."),
    }.get(getattr(exc, "reason", ""), _("Dates must look like 2024-05-31."))


def _question(fields: dict):
    """Return the checked plan and period of the page's fields, or raise PageError."""
    scope = accounts.scope_of(current_user)
    try:
        region = plan.region_in_scope(scope, fields["region"] or None)
    except Forbidden:
        raise PageError(
            _("That region is outside your area (your area: %(area)s).", area=area_text(current_user)), 403
        ) from None
    except InvalidInput:
        raise PageError(_("Please check the region code: 6 digits, e.g. 520500.")) from None
    minutes = _number(
        fields["minutes"],
        geo_coverage.MAX_MINUTES,
        _("Minutes must be a number above 0 and at most %(most)s.", most=int(geo_coverage.MAX_MINUTES)),
    )
    speed = _number(
        fields["speed_kmh"],
        geo_coverage.MAX_SPEED_KMH,
        _(
            "The speed must be a number of km/h above 0 and at most %(most)s.",
            most=int(geo_coverage.MAX_SPEED_KMH),
        ),
    )
    try:
        plan.parse_at(fields["at"] or None)
    except InvalidInput:
        raise PageError(_("The time of day must look like 03:00.")) from None
    try:
        period = make_period(fields["from"] or None, fields["to"] or None)
    except InvalidInput as exc:
        raise PageError(_period_message(exc)) from None
    try:
        return plan.make(scope, region, minutes, speed, fields["at"] or None), period
    except (InvalidInput, Forbidden):
        raise PageError(_("Something in the request was not right. Please check and try again.")) from None


def _no_region_page():
    """Answer managers (and staff without a region): coverage is planned for a region they do not have."""
    return errors.error_page(
        403,
        _("The coverage page is for regions."),
        _("Station managers look after stations, not a region. Ask your district office for these figures."),
    )


def _answer(asked, period, lang: str) -> dict:
    """Return everything the page and its exports show for a checked question."""
    cover = coverage.region_coverage(asked)
    units.flush_demand()
    cells_read = demand.read(asked.region, period.first, period.last, asked.radius_m)
    county_rows = table.county_rows(cover, period.first, period.last)
    found = sites.suggest(asked, period.first, period.last, coverage_data.SITES)
    return {
        "cover": cover,
        "cells": cells_read,
        "table": coverage_data.county_table(county_rows, lang),
        "sites": coverage_data.numbered_sites(found, lang),
    }


def _keep(fields: dict, asked, period) -> dict:
    """Return the query of the page's links: the checked region and the fields given."""
    keep = {k: v for k, v in fields.items() if v and k not in ("from", "to")}
    keep["region"] = asked.region
    return keep | {"from": period.first.isoformat(), "to": period.last.isoformat()}


def _time_options(current: str) -> list[str]:
    options = list(coverage_data.TIMES)
    if current and current not in options:
        options.append(current)
    return options


def _picker(scope, region: str | None, lang: str) -> list[dict]:
    # The national "all of China" entry cannot be planned as one region.
    return [o for o in region_options(scope, region, lang) if o["code"]]


@bp.get("/coverage", endpoint="coverage")
def coverage_page():
    """Show a region's 双15 coverage, riders' unmet searches and suggested sites, with its county table."""
    if current_user.role == Role.MANAGER or not (current_user.role == Role.ADMIN or current_user.region_code):
        return _no_region_page()
    lang = current_lang()
    fields = _fields()
    scope = accounts.scope_of(current_user)
    common = {
        "fields": fields,
        "times": _time_options(fields["at"]),
        "defaults": {"minutes": geo_coverage.DEFAULT_MINUTES, "speed_kmh": geo_coverage.DEFAULT_SPEED_KMH},
    }
    if scope.national and not fields["region"]:
        pick = _picker(scope, None, lang)
        return render_template("dashboard/coverage.html", pick=pick, error=None, **common)
    try:
        asked, period = _question(fields)
    except PageError as exc:
        status = exc.status
        return render_template(
            "dashboard/coverage.html", pick=_picker(scope, None, lang), error=exc.message, **common
        ), status
    answer = _answer(asked, period, lang)
    keep = _keep(fields, asked, period)
    uncovered_url = url_for(
        "planning.coverage_stats",
        region=asked.region,
        format="geojson",
        **{k: keep[k] for k in ("minutes", "speed_kmh", "at") if k in keep},
    )
    result = answer["cover"].result
    return render_template(
        "dashboard/coverage.html",
        pick=_picker(scope, asked.region, lang),
        error=None,
        asked=asked,
        period=period,
        result=result,
        region_name=labels.region_label(asked.region, lang),
        demand=answer["cells"],
        table=answer["table"],
        sites=answer["sites"],
        legend=coverage_data.legend(),
        map_data=coverage_data.map_data(
            answer["cover"], answer["cells"]["cells"], answer["sites"], uncovered_url
        ),
        exports={fmt: url_for("dashboard.coverage_export", fmt=fmt, **keep) for fmt in FORMATS},
        **common,
    )


@bp.get("/coverage.<fmt>", endpoint="coverage_export")
def coverage_export(fmt: str):
    """Download the county table (CSV, XLSX) or the map's layers (GeoJSON, for QGIS)."""
    if fmt not in FORMATS:
        return errors.error_page(404)
    if current_user.role == Role.MANAGER or not (current_user.role == Role.ADMIN or current_user.region_code):
        return _no_region_page()
    fields = _fields()
    try:
        asked, period = _question(fields)
    except PageError as exc:
        return errors.error_page(exc.status, detail=exc.message)
    answer = _answer(asked, period, current_lang())
    stem = f"coverage_{asked.region}_{period.first.isoformat()}_{period.last.isoformat()}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(answer["table"]), exports.CSV_TYPE
    elif fmt == "xlsx":
        about = [
            (_("Table"), answer["table"].title),
            (_("Region"), f"{asked.region}"),
            (_("Radius (m)"), f"{asked.radius_m:.0f}"),
            (_("Minutes"), f"{asked.minutes:g}"),
            (_("Speed (km/h)"), f"{asked.speed_kmh:g}"),
            (_("Time of day"), asked.at.strftime("%H:%M") if asked.at else _("Any time")),
            (_("From"), period.first.isoformat()),
            (_("To"), period.last.isoformat()),
        ]
        body, mimetype = exports.to_xlsx(answer["table"], about), exports.XLSX_TYPE
    else:
        collection = coverage_data.geojson(answer["cover"], answer["cells"]["cells"], answer["sites"])
        body, mimetype = json.dumps(collection, ensure_ascii=False).encode("utf-8"), GEOJSON_TYPE
    headers = {
        "Content-Type": mimetype,
        "Content-Disposition": f'attachment; filename="{stem}.{fmt}"',
        "Cache-Control": "private, no-store",
    }
    return body, 200, headers
