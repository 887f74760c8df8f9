"""Routes of the dashboard blueprint: the page and its table exports."""

from datetime import datetime, timedelta

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from stationfinder import errors, units
from stationfinder.dashboard import bp, charts, data, exports, report_tables
from stationfinder.i18n import current_lang
from stationfinder.services import accounts
from stationfinder.services.errors import Forbidden, InvalidInput, NotFound
from stationfinder.services.rollups.counting import NATIONAL
from stationfinder.services.stats import coverage, labels
from stationfinder.services.stats import query as stats
from stationfinder.services.stats.query import Target
from stationfinder.staff_words import area_text

FILTERS = ("from", "to", "region", "station")
QUICK_RANGES = (7, 30, 90, 365)


@bp.before_request
@login_required
def _require_login():
    """Send anonymous visitors (and disabled users) to the login page."""


def _filters() -> dict:
    return {key: (request.args.get(key) or "").strip()[:64] for key in FILTERS}


def _query(filters: dict):
    """Count what is pending, then return the checked stats query of the filters for the logged-in user."""
    units.fold()
    scope = accounts.scope_of(current_user)
    return stats.prepare(
        scope,
        filters["from"] or None,
        filters["to"] or None,
        region=filters["region"] or None,
        station=filters["station"] or None,
    )


def _failure(exc: Exception) -> tuple[str, int]:
    if isinstance(exc, Forbidden):
        return _(
            "That region or station is outside your area (your area: %(area)s).", area=area_text(current_user)
        ), 403
    if isinstance(exc, NotFound):
        return _("There is no station with that code."), 404
    messages = {
        "order": _("The start date must not be after the end date."),
        "range": _("Pick a range of at most 3 years."),
        "station": _("That station is not in the chosen region."),
        "date": _("Dates must look like 2024-05-31."),
        "window": _(
            "Pick dates between %(first)s and %(last)s.",
            first=stats.FIRST_DAY.isoformat(),
            last=stats.LAST_DAY.isoformat(),
        ),
    }
    return messages.get(
        getattr(exc, "reason", ""), _("Please check the region code: 6 digits, e.g. 520502.")
    ), 400


def region_options(scope: accounts.Scope, current: str | None, lang: str) -> list[dict]:
    """Return the regions to offer: the caller's own, the way down to the current one, its children."""
    if scope.station_ids is not None:
        return []
    root = NATIONAL if scope.national else scope.region
    current = current or root
    chain = [root]
    for depth in (2, 4, 6):
        code = current[:depth].ljust(6, "0")
        if (
            code != chain[-1]
            and len(code.rstrip("0")) > len(chain[-1].rstrip("0"))
            and scope.covers_region(code)
        ):
            chain.append(code)
    source = Target(area=current).source
    children = coverage.child_regions(source, source.child_depth) if source.child_depth else []
    options = [
        {"code": "" if c == NATIONAL else c, "label": labels.region_label(c, lang), "level": i}
        for i, c in enumerate(chain)
    ]
    options += [
        {"code": c, "label": labels.region_label(c, lang), "level": len(chain)}
        for c in children
        if c != current
    ]
    return options


def _quick_links(filters: dict, today) -> list[dict]:
    keep = {k: v for k, v in filters.items() if k in ("region", "station") and v}
    return [
        {
            "days": days,
            "href": url_for(
                "dashboard.index", **keep, **{"from": (today - timedelta(days=days - 1)).isoformat()}
            ),
        }
        for days in QUICK_RANGES
    ]


@bp.get("/")
def index():
    """Show check-in statistics of the caller's area for the chosen days, region and station."""
    lang = current_lang()
    filters = _filters()
    scope = accounts.scope_of(current_user)
    try:
        query = _query(filters)
    except (InvalidInput, Forbidden, NotFound) as exc:
        message, status = _failure(exc)
        return render_template(
            "dashboard/index.html",
            error=message,
            filters=filters,
            region_choices=region_options(scope, None, lang),
            manager_stations=_manager_stations(),
            quick=[],
            exports=[],
        ), status
    sections = data.page(query, lang)
    weekdays = labels.weekday_labels(lang)
    line = charts.line_chart([(g["key"], g["key"][5:], g["count"]) for g in sections["days"]])
    return render_template(
        "dashboard/index.html",
        error=None,
        filters=filters,
        query=query,
        scope_label=_scope_label(query, lang),
        region_choices=region_options(scope, query.target.area, lang),
        manager_stations=_manager_stations(),
        quick=_quick_links(filters, datetime.now(query.period.tz).date()),
        line=line,
        heat=charts.heatmap(sections["matrix"], weekdays),
        share=charts.share,
        exports={name: _export_links(name, filters) for name in (*data.TABLES, *report_tables.TABLES)},
        report_tables=report_tables.page(query, lang),
        map_data={"mode": sections["points"]["mode"], "points": sections["points"]["points"]},
        station_links={
            "busiest": _station_links(sections["busiest"], query),
            "least_used": _station_links(sections["least"], query),
        },
        region_links=[_drill_down(g["key"], query) for g in sections["regions"]],
        **sections,
    )


def _drill_down(code: str, query) -> str:
    days = {"from": query.period.first.isoformat(), "to": query.period.last.isoformat()}
    if query.target.area is None or code == query.target.area:
        return url_for("dashboard.index", **days)
    return url_for("dashboard.index", region=code, **days)


def _station_links(rows: list[dict], query) -> dict[str, list]:
    """Return the ranked stations' links: their statistics for the same days, their edit pages if allowed."""
    days = {"from": query.period.first.isoformat(), "to": query.period.last.isoformat()}
    editable = accounts.manageable_ids(current_user, (r["id"] for r in rows))
    return {
        "stats": [url_for("dashboard.index", station=r["key"], **days) for r in rows],
        "manage": [
            url_for("manage.edit_station", station_id=r["id"]) if r["id"] in editable else None for r in rows
        ],
    }


def _manager_stations():
    if current_user.role != "manager":
        return []
    return sorted(((s.public_key, s.name) for s in current_user.stations), key=lambda pair: pair[1])


def _scope_label(query, lang: str) -> str:
    if query.station is not None:
        return query.station.name
    if query.target.area:
        return labels.region_label(query.target.area, lang)
    return _("My stations")


def _export_links(name: str, filters: dict) -> dict:
    keep = {k: v for k, v in filters.items() if v}
    return {fmt: url_for("dashboard.export", name=name, fmt=fmt, **keep) for fmt in data.FORMATS}


@bp.get("/export/<name>.<fmt>")
def export(name: str, fmt: str):
    """Download one dashboard table as CSV (UTF-8 with BOM) or XLSX, with the page's filters and scope."""
    if (name not in data.TABLES and name not in report_tables.TABLES) or fmt not in data.FORMATS:
        abort(404)
    lang = current_lang()
    filters = _filters()
    try:
        query = _query(filters)
    except (InvalidInput, Forbidden, NotFound) as exc:
        message, status = _failure(exc)
        return errors.error_page(status, detail=message)
    table = (report_tables.build if name in report_tables.TABLES else data.build)(query, name, lang)
    stem = f"{name}_{query.period.first.isoformat()}_{query.period.last.isoformat()}"
    if fmt == "csv":
        body, mimetype = exports.to_csv(table), exports.CSV_TYPE
    else:
        about = [
            (_("Table"), table.title),
            (_("Area"), _scope_label(query, lang)),
            (_("From"), query.period.first.isoformat()),
            (_("To"), query.period.last.isoformat()),
            (_("Time zone"), getattr(query.period.tz, "key", str(query.period.tz))),
        ]
        body, mimetype = exports.to_xlsx(table, about), exports.XLSX_TYPE
    headers = {
        "Content-Disposition": f'attachment; filename="{stem}.{fmt}"',
        "Cache-Control": "private, no-store",
    }
    return body, 200, {"Content-Type": mimetype, **headers}
