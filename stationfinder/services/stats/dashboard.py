"""The dashboard's figures beyond plain groups: comparison, heatmap, rankings and map points."""

import math

import sqlalchemy as sa

from stationfinder.models import Station
from stationfinder.services.stats import coverage, ranking
from stationfinder.services.stats import groups as stats
from stationfinder.services.stats.query import Query
from stationfinder.services.stats.sources import rows

# Above this many stations the map shows one circle per region below the one asked.
MAP_STATION_LIMIT = 1500
RANKING_LIMIT = 10


def _change(current: int, previous: int) -> float | None:
    if not previous:
        return None
    return round((current - previous) * 100.0 / previous, 1)


def per_day(count: int, days: int) -> float:
    """Return the daily average to two significant digits, at least one decimal: 1 in 30 days is 0.033."""
    value = count / days
    if value == 0:
        return 0.0
    # One decimal hid a quiet station's check-ins: 1 in 30 days showed as 0.0.
    return round(value, max(1, 1 - math.floor(math.log10(value))))


def summary(query: Query) -> dict:
    """Return totals, the previous period of the same length, and the change in percent."""
    count, uniq = stats.totals(query)
    previous = query.period.previous()
    prev_count, prev_uniq = stats.totals(query, previous)
    return {
        "from": query.period.first,
        "to": query.period.last,
        "days": query.period.days,
        "count": count,
        "unique_devices": uniq,
        "per_day": per_day(count, query.period.days),
        "previous_from": previous.first,
        "previous_to": previous.last,
        "previous_count": prev_count,
        "previous_per_day": per_day(prev_count, previous.days),
        "previous_unique_devices": prev_uniq,
        "change_pct": _change(count, prev_count),
        "unique_change_pct": _change(uniq, prev_uniq),
        "stations": coverage.station_count(query.source),
    }


def heatmap(query: Query) -> list[list[int]]:
    """Return check-ins as 7 rows (Monday first) of 24 local hours."""
    matrix = [[0] * 24 for _ in range(7)]
    for (weekday, hour), (count, _uniq) in stats.hours(query, "weekday").items():
        matrix[weekday - 1][hour] += count
    return matrix


def rankings(query: Query, limit: int = RANKING_LIMIT, stations: int | None = None):
    """Return the busiest stations and the least used ones (zero check-ins included, closed ones not)."""
    stations = coverage.station_count(query.source) if stations is None else stations
    return ranking.rankings(query.source, query.period, stations, limit)


def map_points(query: Query, lang: str = "zh", regions=None, stations: int | None = None) -> dict:
    """Return map circles: one per station, or per region below the one asked when there are many.

    ``regions`` (the region groups) and ``stations`` (the station count) save recomputing them.
    """
    source = query.source
    depth = source.child_depth
    if stations is None:
        stations = coverage.station_count(source)
    if depth is None or stations <= MAP_STATION_LIMIT:
        totals = source.station_totals(query.period)
        count = sa.func.coalesce(totals.c.count, 0)
        found = rows(
            sa.select(Station.id, Station.ref, Station.name, Station.lat, Station.lon, count)
            .outerjoin(totals, totals.c.station_id == Station.id)
            .where(source.station_clause())
            .order_by(count.desc(), Station.id)
            .limit(MAP_STATION_LIMIT)
        )
        points = [
            {"key": r[1] or str(r[0]), "label": r[2], "lat": r[3], "lon": r[4], "count": int(r[5])}
            for r in found
        ]
        return {"mode": "stations", "points": points}
    centres = coverage.centres(source, depth)
    counts = {g["key"]: g for g in (regions if regions is not None else stats.groups(query, "region", lang))}
    points = []
    for key, (lat, lon) in centres.items():
        group = counts.get(key)
        if group is None:
            continue
        points.append({"key": key, "label": group["label"], "lat": lat, "lon": lon, "count": group["count"]})
    return {"mode": "regions", "points": sorted(points, key=lambda p: -p["count"])}
