"""The dashboard's sections as tables: one definition serves the page, CSV and XLSX.

Every figure comes from the stats services for the caller's scope; views only
choose which tables to build and how to show them.
"""

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext

from stationfinder.models import StationStatus
from stationfinder.services.stats import dashboard as stats_dashboard
from stationfinder.services.stats import groups as stats
from stationfinder.services.stats.labels import region_label, weekday_labels
from stationfinder.services.stats.query import Query

TABLES = {
    "summary": _l("Totals"),
    "days": _l("Check-ins per day"),
    "heatmap": _l("Check-ins by weekday and hour"),
    "busiest": _l("Busiest stations"),
    "least_used": _l("Least used stations"),
    "categories": _l("Rider groups"),
    "regions": _l("Regional roll-up"),
    "map": _l("Use on the map"),
}
FORMATS = ("csv", "xlsx")


@dataclass
class Table:
    name: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    # Columns a phone may hide (codes and details); exports and print keep them.
    secondary: tuple[int, ...] = ()


def status_label(status: str) -> str:
    """Return a station status in the UI language."""
    return {
        StationStatus.OPEN.value: _("Open"),
        StationStatus.TEMPORARILY_CLOSED.value: _("Temporarily closed"),
        StationStatus.CLOSED.value: _("Closed"),
    }.get(status, status)


def _pct(value: float | None):
    return "" if value is None else value


def summary_table(summary: dict) -> Table:
    """Return totals against the previous period of the same length."""
    table = Table(
        "summary",
        str(TABLES["summary"]),
        [_("Figure"), _("This period"), _("Previous period"), _("Change (%)")],
    )
    table.rows = [
        [
            _("Period"),
            f"{summary['from']} – {summary['to']}",
            f"{summary['previous_from']} – {summary['previous_to']}",
            "",
        ],
        [_("Check-ins"), summary["count"], summary["previous_count"], _pct(summary["change_pct"])],
        [
            _("Unique riders (rider-days)"),
            summary["unique_devices"],
            summary["previous_unique_devices"],
            _pct(summary["unique_change_pct"]),
        ],
        [
            _("Check-ins per day"),
            summary["per_day"],
            summary["previous_per_day"],
            "",
        ],
        [_("Stations"), summary["stations"], "", ""],
    ]
    return table


def groups_table(name: str, first_column: str, groups: list[dict], with_key: bool = False) -> Table:
    """Return a table of stats groups: label (and key), check-ins, unique riders, share."""
    # The context parts it from the rider page's "Code" (签到码): here it is a region's code (区划代码).
    columns = ([pgettext("region", "Code")] if with_key else []) + [
        first_column,
        _("Check-ins"),
        _("Unique riders"),
        _("Share"),
    ]
    table = Table(name, str(TABLES[name]), columns)
    total = sum(g["count"] for g in groups)
    for g in groups:
        share = round(100.0 * g["count"] / total, 1) if total else 0.0
        table.rows.append(
            ([g["key"]] if with_key else []) + [g["label"], g["count"], g["unique_devices"], share]
        )
    return table


def heatmap_table(matrix: list[list[int]], lang: str) -> Table:
    """Return check-ins as weekdays (rows) by local hour (columns)."""
    table = Table("heatmap", str(TABLES["heatmap"]), [_("Weekday")] + [f"{h:02d}" for h in range(24)])
    table.rows = [[weekday, *row] for weekday, row in zip(weekday_labels(lang), matrix, strict=True)]
    return table


def ranking_table(name: str, rows: list[dict], lang: str) -> Table:
    """Return a station ranking."""
    columns = [
        _("Rank"),
        _("Station code"),
        _("Station"),
        _("Region"),
        _("Status"),
        _("Check-ins"),
        _("Unique riders"),
    ]
    table = Table(name, str(TABLES[name]), columns, secondary=(1, 4, 6))
    for rank, r in enumerate(rows, 1):
        region = region_label(r["region_code"], lang) if r["region_code"] else ""
        table.rows.append(
            [rank, r["key"], r["name"], region, status_label(r["status"]), r["count"], r["unique_devices"]]
        )
    return table


def map_table(points: dict) -> Table:
    """Return the map's circles: stations, or regions when there are too many stations."""
    stations = points["mode"] == "stations"
    columns = [
        _("Station code") if stations else _("Region code"),
        _("Station") if stations else _("Region"),
        _("Latitude"),
        _("Longitude"),
        _("Check-ins"),
    ]
    table = Table("map", str(TABLES["map"]), columns)
    table.rows = [
        [p["key"], p["label"], round(p["lat"], 6), round(p["lon"], 6), p["count"]] for p in points["points"]
    ]
    return table


def page(query: Query, lang: str) -> dict:
    """Return every section of the dashboard page, each figure computed once."""
    summary = stats_dashboard.summary(query)
    days = stats.groups(query, "day", lang)
    matrix = stats_dashboard.heatmap(query)
    busiest, least = stats_dashboard.rankings(query, stations=summary["stations"])
    categories = stats.groups(query, "category", lang)
    regions = stats.groups(query, "region", lang)
    points = stats_dashboard.map_points(query, lang, regions=regions, stations=summary["stations"])
    tables = {
        "summary": summary_table(summary),
        "days": groups_table("days", _("Day"), days),
        "heatmap": heatmap_table(matrix, lang),
        "busiest": ranking_table("busiest", busiest, lang),
        "least_used": ranking_table("least_used", least, lang),
        "categories": groups_table("categories", _("Rider group"), categories),
        "regions": groups_table("regions", _("Region"), regions, with_key=True),
        "map": map_table(points),
    }
    return {
        "summary": summary,
        "days": days,
        "matrix": matrix,
        "busiest": busiest,
        "least": least,
        "categories": categories,
        "regions": regions,
        "points": points,
        "tables": tables,
    }


def build(query: Query, name: str, lang: str) -> Table:
    """Return one dashboard table for a checked query."""
    if name == "summary":
        return summary_table(stats_dashboard.summary(query))
    if name == "days":
        return groups_table("days", _("Day"), stats.groups(query, "day", lang))
    if name == "heatmap":
        return heatmap_table(stats_dashboard.heatmap(query), lang)
    if name in ("busiest", "least_used"):
        busiest, least = stats_dashboard.rankings(query)
        return ranking_table(name, busiest if name == "busiest" else least, lang)
    if name == "categories":
        return groups_table("categories", _("Rider group"), stats.groups(query, "category", lang))
    if name == "regions":
        return groups_table("regions", _("Region"), stats.groups(query, "region", lang), with_key=True)
    if name == "map":
        return map_table(stats_dashboard.map_points(query, lang))
    raise KeyError(name)
