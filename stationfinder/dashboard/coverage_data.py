"""The coverage page's figures: the county table, the map's layers and the GeoJSON export."""

from flask_babel import gettext as _

from stationfinder.dashboard.data import Table
from stationfinder.geo import cells, counties
from stationfinder.geo import coverage as geo_coverage
from stationfinder.services.planning.coverage import Coverage
from stationfinder.services.stats import labels

# Unmet searches from which a hexagon takes the next, darker colour (level 0: none unmet).
UNMET_STEPS = (1, 5, 20, 100)
# A province can hold tens of thousands of visible cells; the map draws the ones with most unmet
# searches first (demand.read's order), the GeoJSON export has them all.
MAX_MAP_CELLS = 3000
TIMES = ("08:00", "12:00", "18:00", "22:00", "03:00")
SITES = 5


def level(unmet: int) -> int:
    """Return a hexagon's colour level: how many steps its unmet searches reach."""
    return sum(unmet >= step for step in UNMET_STEPS)


def legend() -> list[dict]:
    """Return the colour levels of the hexagons with their ranges of unmet searches."""
    bounds = (0, *UNMET_STEPS)
    rows = [{"level": 0, "label": "0"}]
    for i, low in enumerate(bounds[1:], 1):
        high = bounds[i + 1] - 1 if i + 1 < len(bounds) else None
        text = f"{low}+" if high is None else (str(low) if high == low else f"{low}–{high}")
        rows.append({"level": i, "label": text})
    return rows


def county_table(county_rows: list[dict], lang: str) -> Table:
    """Return the page's table of ``planning.table.county_rows`` (the counties, without the total)."""
    rows = [
        [
            row["code"],
            labels.region_label(row["code"], lang) if lang == "en" else row["name"],
            round(row["area_km2"], 1),
            round(row["covered_km2"], 1),
            round(row["covered_share"] * 100, 1),
            row["stations"],
            row["searches"],
            row["unmet"],
        ]
        for row in county_rows[:-1]
    ]
    return Table(
        name="coverage",
        title=_("Coverage by county"),
        columns=[
            _("Region code"),
            _("County"),
            _("Area (km²)"),
            _("Covered (km²)"),
            _("Covered share (%)"),
            _("Stations"),
            _("Searches"),
            _("Unmet searches"),
        ],
        rows=rows,
        secondary=(0, 3),
    )


def numbered_sites(found: dict, lang: str) -> list[dict]:
    """Return the suggested sites numbered from 1, best first, each with the county it lies in."""
    out = []
    for n, site in enumerate(found["sites"], 1):
        county = counties.county_at(site["lat"], site["lon"])
        name = ""
        if county:
            name = labels.region_label(county, lang) if lang == "en" else counties.name(county)
        out.append({"n": n, **site, "county": name or ""})
    return out


def map_data(cover: Coverage, demand_cells: list[dict], sites: list[dict], uncovered_url: str) -> dict:
    """Return what the map draws, the uncovered area excepted (the script fetches it: it can be large)."""
    west, south, east, north = counties.region_geometry(cover.plan.region).bounds
    shown = demand_cells[:MAX_MAP_CELLS]
    return {
        "bounds": [[south, west], [north, east]],
        "radius_m": cover.result.radius_m,
        "uncovered_url": uncovered_url,
        "stations": [
            {"id": s.id, "name": s.name, "lat": round(s.lat, 6), "lon": round(s.lon, 6)}
            for s in cover.stations
        ],
        "cells": [
            {
                "h3": c["h3"],
                "searches": c["searches"],
                "unmet": c["unmet"],
                "level": level(c["unmet"]),
                "ring": [[round(lat, 6), round(lon, 6)] for lat, lon in cells.boundary(c["h3"])],
            }
            for c in shown
        ],
        "cells_left_out": len(demand_cells) - len(shown),
        "sites": [{k: s[k] for k in ("n", "lat", "lon", "gain", "county")} for s in sites],
    }


def geojson(cover: Coverage, demand_cells: list[dict], sites: list[dict]) -> dict:
    """Return the uncovered area, stations, visible demand cells and suggested sites as GeoJSON."""
    # A new list: the coverage's own collection is cached and shared.
    collection = {"type": "FeatureCollection", "features": list(cover.collection["features"])}
    collection["features"] += [
        {
            "type": "Feature",
            "geometry": geo_coverage.to_geojson(cells.polygon(c["h3"])),
            "properties": {"kind": "demand", "h3": c["h3"], "searches": c["searches"], "unmet": c["unmet"]},
        }
        for c in demand_cells
    ]
    collection["features"] += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(s["lon"], 6), round(s["lat"], 6)]},
            "properties": {"kind": "site", "rank": s["n"], "h3": s["h3"], "gain": s["gain"]},
        }
        for s in sites
    ]
    return collection


__all__ = [
    "MAX_MAP_CELLS", "SITES", "TIMES", "UNMET_STEPS", "county_table", "geojson", "legend", "level",
    "map_data", "numbered_sites",
]  # fmt: skip
