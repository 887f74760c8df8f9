"""The dashboard's report sections as tables (page, CSV and XLSX), from services/reports/figures.py.

Reports count on the local day they were filed, within the same question (scope, region,
station, days) as the check-in figures beside them.
"""

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from stationfinder.dashboard.data import Table
from stationfinder.models import utcnow
from stationfinder.models.report import CLOSED_STATES
from stationfinder.report_words import (
    CATEGORIES,
    STATES,
    category_label,
    kind_label,
    region_name,
    status_label,
)
from stationfinder.services.reports import figures, queries
from stationfinder.services.stations.lookup import local_zone
from stationfinder.services.stats.query import Query

TABLES = {
    "report_categories": _l("Reports by category and status"),
    "report_times": _l("Report response times"),
    "report_regions": _l("Reports by region"),
    "reports": _l("Reports (every report, for spreadsheets)"),
}
# Shown on the page; "reports" is a download only (the inbox lists them).
ON_PAGE = ("report_categories", "report_times", "report_regions")


def category_table(groups: list[figures.Group]) -> Table:
    """Return reports as categories (rows) by state (columns), with totals and the overdue ones."""
    columns = [_("Category"), *(status_label(s) for s in STATES), _("Total"), _("Overdue")]
    # Phones keep the category, the new ones, the total and the overdue ones.
    table = Table(
        "report_categories", str(TABLES["report_categories"]), columns, secondary=(2, 3, 4, 5, 6, 7)
    )
    cells: dict[tuple[str, str], dict[str, int]] = {}
    for g in groups:
        row = cells.setdefault((g.kind, g.category), dict.fromkeys((*STATES, "overdue"), 0))
        row[g.status] = row.get(g.status, 0) + g.count
        row["overdue"] += g.overdue
    order = {c: i for i, c in enumerate(CATEGORIES)}
    for kind, category in sorted(cells, key=lambda kc: (kc[0] != "station", order.get(kc[1], 99))):
        row = cells[(kind, category)]
        label = category_label(category)
        if category == "other":
            label = f"{label} ({kind_label(kind)})"
        counts = [row[s] for s in STATES]
        table.rows.append([label, *counts, sum(counts), row["overdue"]])
    return table


def times_table(times: figures.Times, groups: list[figures.Group]) -> Table:
    """Return the figures of the service: how many, how many still open and overdue, median hours."""
    table = Table(
        "report_times", str(TABLES["report_times"]), [_("Figure"), _("Value"), _("Based on reports")]
    )
    total = sum(g.count for g in groups)
    closed = sum(g.count for g in groups if g.status in CLOSED_STATES)
    table.rows = [
        [_("Reports filed"), total, total],
        [_("Still open"), total - closed, total],
        [_("Overdue now"), sum(g.overdue for g in groups), total],
        [_("Median hours to acknowledge"), _hours(times.ack_hours), times.acked],
        [_("Median hours to fix"), _hours(times.fix_hours), times.fixed],
    ]
    return table


def _hours(value: float | None):
    return "" if value is None else value


def region_table(groups: list[figures.Group], lang: str) -> Table:
    """Return reports per region one level down: filed, still open, overdue now."""
    columns = [pgettext("region", "Code"), _("Region"), _("Reports"), _("Still open"), _("Overdue")]
    table = Table("report_regions", str(TABLES["report_regions"]), columns, secondary=(0,))
    per: dict[str | None, list[int]] = {}
    for g in groups:
        row = per.setdefault(g.region, [0, 0, 0])
        row[0] += g.count
        row[1] += 0 if g.status in CLOSED_STATES else g.count
        row[2] += g.overdue
    # The regions where most is overdue first: the table answers "where is it slow?".
    for code, (count, still_open, overdue) in sorted(
        per.items(), key=lambda kv: (-kv[1][2], -kv[1][1], kv[0] or "")
    ):
        table.rows.append([code or "", region_name(code, lang), count, still_open, overdue])
    return table


def _local(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")


def list_table(query: Query, lang: str, now: datetime | None = None) -> Table:
    """Return every report of the question (up to figures.EXPORT_LIMIT) with what staff may see of it."""
    now = now or utcnow()
    columns = [
        _("Tracking code"),
        _("Filed at"),
        _("Kind"),
        _("Category"),
        _("Status"),
        _("Overdue"),
        _("Station code"),
        _("Station"),
        pgettext("region", "Code"),
        _("Region"),
        _("Latitude"),
        _("Longitude"),
        _("Riders"),
        _("Acknowledged at"),
        _("Closed at"),
        _("Description"),
    ]
    table = Table("reports", str(TABLES["reports"]), columns)
    for report, region in figures.reports(query):
        station = report.station
        table.rows.append(
            [
                report.code,
                _local(report.created_at),
                kind_label(report.kind),
                category_label(report.category),
                status_label(report.status),
                _("yes") if queries.is_overdue(report, now) else "",
                (station.ref or str(station.id)) if station is not None else "",
                station.name if station is not None else "",
                region or "",
                region_name(region, lang) if region else "",
                "" if report.lat is None else round(report.lat, 6),
                "" if report.lon is None else round(report.lon, 6),
                report.confirmations,
                _local(report.acknowledged_at),
                _local(report.closed_at),
                report.description,
            ]
        )
    return table


def page(query: Query, lang: str, now: datetime | None = None) -> dict[str, Table]:
    """Return the report tables the dashboard page shows: two statements in all."""
    now = now or utcnow()
    groups = figures.groups(query, now)
    return {
        "report_categories": category_table(groups),
        "report_times": times_table(figures.times(query), groups),
        "report_regions": region_table(groups, lang),
    }


def build(query: Query, name: str, lang: str) -> Table:
    """Return one report table for a checked query, for the exports."""
    if name == "reports":
        return list_table(query, lang)
    return page(query, lang)[name]


__all__ = [
    "ON_PAGE",
    "TABLES",
    "build",
    "category_table",
    "list_table",
    "page",
    "region_table",
    "times_table",
]
