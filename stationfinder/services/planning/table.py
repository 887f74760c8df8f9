"""The county table of a coverage question: area, share covered, stations, searches and unmet searches."""

from datetime import date

from stationfinder.services.planning import coverage, demand
from stationfinder.services.planning.plan import Plan

COLUMNS = ("code", "name", "area_km2", "covered_km2", "covered_share", "stations", "searches", "unmet")


def county_rows(cover: coverage.Coverage, first: date, last: date) -> list[dict]:
    """Return one row per county of the region, then a total row (code: the region's)."""
    plan: Plan = cover.plan
    by_county = demand.by_county(plan.region, first, last, plan.radius_m)
    rows = []
    for county in cover.result.counties:
        searches, unmet = by_county.get(county.code, (0, 0))
        rows.append(
            {
                "code": county.code,
                "name": county.name,
                "area_km2": round(county.area_km2, 3),
                "covered_km2": round(county.covered_km2, 3),
                "covered_share": round(county.covered_share, 4),
                "stations": county.stations,
                "searches": searches,
                "unmet": unmet,
            }
        )
    result = cover.result
    rows.append(
        {
            "code": result.region,
            "name": "",
            "area_km2": round(result.area_km2, 3),
            "covered_km2": round(result.covered_km2, 3),
            "covered_share": round(result.covered_share, 4),
            "stations": result.stations,
            "searches": sum(r["searches"] for r in rows),
            "unmet": sum(r["unmet"] for r in rows),
        }
    )
    return rows


__all__ = ["COLUMNS", "county_rows"]
