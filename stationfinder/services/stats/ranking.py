"""Rank stations by use: the busiest, and the least used (zero check-ins included).

Up to ``SCAN_LIMIT`` stations the totals of every station are summed and sorted.
Beyond that (a big city, a province, the country) summing up to ~200,000
stations takes too long, so:

- the busiest come from Fagin's threshold algorithm over the per-station month
  rows: read the top L stations of each month the period touches, count those
  candidates exactly, and stop once the K-th best is above the sum of the L-th
  values (no station outside the candidates can have more); else grow L;
- the least used are stations with no check-in in the period, found by probing
  stations one by one until K turn up; only if there are fewer than K does it
  fall back to summing everything.
"""

from datetime import timedelta

import sqlalchemy as sa

from stationfinder.models import Station, StationStatus
from stationfinder.services.rollups import registry
from stationfinder.services.stats.query import Period
from stationfinder.services.stats.sources import Source, rows

SCAN_LIMIT = 3_000
# Candidates the threshold algorithm reads at first, spread over the months of the period.
CANDIDATES = 800
_COLUMNS = (Station.id, Station.ref, Station.name, Station.region_code, Station.status)


def _row(row) -> dict:
    return {
        "id": row.id,
        "key": row.ref or str(row.id),
        "name": row.name,
        "region_code": row.region_code or "",
        "status": row.status,
        "count": int(row.count or 0),
        "unique_devices": int(row.uniq or 0),
    }


def _busiest_scan(source: Source, period: Period, limit: int, only=None) -> list:
    totals = source.station_totals(period, only)
    # Rank on the totals alone, then fetch the few winners' names: joining every station
    # first would read them all.
    top = (
        sa.select(totals)
        .where(totals.c.count > 0)
        .order_by(totals.c.count.desc(), totals.c.station_id)
        .limit(limit)
        .subquery("top")
    )
    return rows(
        sa.select(*_COLUMNS, top.c.count, top.c.uniq)
        .join(top, top.c.station_id == Station.id)
        .order_by(top.c.count.desc(), Station.id)
    )


def _least_scan(source: Source, period: Period, limit: int) -> list:
    totals = source.station_totals(period)
    count = sa.func.coalesce(totals.c.count, 0)
    return rows(
        sa.select(*_COLUMNS, count.label("count"), sa.func.coalesce(totals.c.uniq, 0).label("uniq"))
        .outerjoin(totals, totals.c.station_id == Station.id)
        .where(source.station_clause(), Station.status != StationStatus.CLOSED.value)
        .order_by(count, Station.id)
        .limit(limit)
    )


def _months(period: Period) -> list:
    out, month = [], period.first.replace(day=1)
    while month <= period.last:
        out.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def _busiest_threshold(source: Source, period: Period, limit: int) -> list:
    m = registry.station_table("month")
    months = _months(period)
    # About 800 candidates in all: a 30-day ranking reads 400 a month, a year's 60; the busiest
    # stations of a long period are busy every month, so that usually settles in one round.
    depth = max(4 * limit, CANDIDATES // len(months))
    while True:
        # Every month's top rows in one round trip: each part is a subquery, as SQLite wants it.
        tops = [
            sa.select(m.station_id, m.count)
            .where(m.month == month, *source.station_rows(m))
            .order_by(m.count.desc())
            .limit(depth)
            .subquery(f"top{n}")
            for n, month in enumerate(months)
        ]
        parts = [
            sa.select(top.c.station_id, top.c.count, sa.literal(n).label("part"))
            for n, top in enumerate(tops)
        ]
        tops_read = rows(sa.union_all(*parts) if len(parts) > 1 else parts[0])
        candidates = {r.station_id for r in tops_read}
        threshold, exhausted = 0, True
        for n in range(len(months)):
            counts = [r.count for r in tops_read if r.part == n]
            if len(counts) == depth:
                threshold += min(counts)
                exhausted = False
        best = _busiest_scan(source, period, limit, sorted(candidates)) if candidates else []
        if exhausted or (len(best) == limit and best[-1].count > threshold):
            return best
        depth *= 4


def _least_probe(source: Source, period: Period, limit: int) -> list:
    d = registry.station_table("day")
    # Any check-in at the station in the period makes it not idle; one probe of its own days.
    active = (
        sa.select(d.station_id)
        .where(d.station_id == Station.id, d.local_day.between(period.first, period.last))
        .exists()
    )
    idle = rows(
        sa.select(*_COLUMNS, sa.literal(0).label("count"), sa.literal(0).label("uniq"))
        .where(source.station_clause(), Station.status != StationStatus.CLOSED.value, ~active)
        .order_by(Station.id)
        .limit(limit)
    )
    if len(idle) == limit:
        return idle
    return _least_scan(source, period, limit)


def rankings(source: Source, period: Period, stations: int, limit: int) -> tuple[list[dict], list[dict]]:
    """Return (busiest, least used) stations of a source that covers ``stations`` stations now."""
    if stations <= SCAN_LIMIT:
        busiest, least = _busiest_scan(source, period, limit), _least_scan(source, period, limit)
    else:
        busiest, least = _busiest_threshold(source, period, limit), _least_probe(source, period, limit)
    return [_row(r) for r in busiest], [_row(r) for r in least]
