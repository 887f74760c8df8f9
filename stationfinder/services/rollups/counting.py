"""Pre-aggregated check-in counts, kept exact as check-ins arrive, are undone or purged.

``Batch`` merges the changes of any number of check-ins and writes one upsert per
table. ``services.rollups.fold`` uses it to count pending check-ins in batches;
``apply`` counts (+1) or uncounts (-1) a single one at once, for undo. Purging raw
rows never touches the rollups, so the counts survive the retention policy.

Which tables there are, what a row of each counts and why each is kept is declared
once, in ``registry.TABLES``: every check-in lands in the hourly UTC rows per station
(``CheckinRollup``) and in the local-time tables of ``models/rollup.py``, per area
(``regions.ancestors``: the whole country, the station's province, city and county;
a station whose code is a city's counts in that city and province only) and per
station. The benchmark seeding builds the same rows in bulk from the same registry.
"""

import functools
from datetime import date, datetime, tzinfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from stationfinder.services.regions.codes import LEVELS, NATIONAL, Area, ancestors, level_of
from stationfinder.services.rollups.registry import (
    LEVEL_BIT,
    NO_CATEGORY,
    PERIODS,
    TABLES,
    UNIQUE_ALL,
    UNIQUE_CITY,
    UNIQUE_COLUMNS,
    UNIQUE_COUNTY,
    UNIQUE_PROVINCE,
    UNIQUE_STATION,
    CountTable,
    hour_of,
    quarter_of,
)
from stationfinder.services.stations.lookup import local_zone


def areas_of(region_code: str | None) -> list[Area]:
    """Return the areas a station with this region code counts in, country first (``regions.ancestors``)."""
    return ancestors(region_code)


def station_keys(region_code: str | None) -> tuple[str, str]:
    """Return the (province, area) a station's per-station rows are filed under: ("", "") without a code."""
    return _filed_under(ancestors(region_code))


def _filed_under(areas: list[Area]) -> tuple[str, str]:
    # The province's two digits and the station's own code: "every station of a region" is a key range.
    return ("", "") if len(areas) == 1 else (areas[1].code[:2], areas[-1].code)


@functools.cache
def _upsert_statement(dialect: str, table: CountTable):
    # Built once per shape: constructing an upsert costs ~10x executing it.
    return table.adding((postgresql.insert if dialect == "postgresql" else sqlite.insert)(table.table))


@functools.cache
def _unnest_upsert(table: CountTable, columns: tuple[str, ...]):
    # PostgreSQL: all rows of a table in one INSERT … SELECT FROM unnest(arrays), one execution on the
    # server instead of one per row; the arrays are zipped row by row, in the order given.
    arrays = [sa.bindparam(name, type_=postgresql.ARRAY(table.table.c[name].type)) for name in columns]
    select = sa.select(*(sa.func.unnest(a) for a in arrays))
    return table.adding(postgresql.insert(table.table).from_select(columns, select))


class Batch:
    """Rollup changes of any number of check-ins, merged per row, written with one upsert per table."""

    def __init__(self) -> None:
        self._rows: dict[CountTable, dict[tuple, dict]] = {table: {} for table in TABLES}

    def _add(self, table: CountTable, facts: dict, when: dict) -> None:
        # Period values first, then the grain's: only a row's first check-in builds the row.
        key = tuple(when[k] if k in when else facts[k] for k in table.keys)
        rows = self._rows[table]
        held = rows.get(key)
        if held is None:
            rows[key] = {name: when[name] if name in when else facts[name] for name in table.columns}
        else:
            for name in table.summed:
                held[name] += facts[name]

    def count(
        self,
        *,
        station_id: int,
        region: str | None,
        created_at: datetime,
        local_day: date,
        category: str | None,
        mask: int,
        sign: int,
        tz: tzinfo,
    ) -> None:
        """Add (sign=+1) or remove (sign=-1) one check-in."""
        category = category or NO_CATEGORY
        areas = ancestors(region)
        province, area = _filed_under(areas)
        station = {"station_id": station_id, "province": province, "area": area, "category": category}
        station["count"] = sign
        station["uniq"] = sign if mask & UNIQUE_STATION else 0
        for bit, column in UNIQUE_COLUMNS:
            station[column] = sign if mask & bit else 0
        counted = [
            (a.level, {"area": a.code, "parent": a.parent, "category": category, "count": sign, "uniq": u})
            for a in areas
            for u in (sign if mask & LEVEL_BIT[a.level] else 0,)
        ]
        periods = {
            name: dict(zip(period.columns, period.of(created_at, local_day, tz), strict=True))
            for name, period in PERIODS.items()
        }
        for table in TABLES:
            when = periods[table.period]
            if table.grain == "station":
                self._add(table, station, when)
                continue
            for level, facts in counted:
                if level in table.levels:
                    self._add(table, facts, when)

    def write(self) -> None:
        """Upsert the merged rows, each table's in key order (concurrent writers lock in one order)."""
        connection = db.session.connection()
        dialect = connection.dialect.name
        for table in TABLES:
            held = self._rows[table]
            if not held:
                continue
            rows = [held[key] for key in sorted(held)]
            if dialect == "postgresql" and len(rows) > 1:
                stmt = _unnest_upsert(table, table.columns)
                connection.execute(stmt, {name: [row[name] for row in rows] for name in table.columns})
                continue
            connection.execute(_upsert_statement(dialect, table), rows[0] if len(rows) == 1 else rows)


def apply(checkin: Checkin, sign: int, *, tz: tzinfo | str | None = None) -> None:
    """Add (sign=+1) or remove (sign=-1) one check-in from every rollup, now, in the caller's transaction."""
    if sign not in (1, -1):
        raise ValueError("sign must be +1 or -1")
    # A caller that has the station loaded hands it over; a query only when it did not.
    station = checkin.__dict__.get("station")
    region = (
        station.region_code
        if station is not None
        else db.session.scalar(sa.select(Station.region_code).where(Station.id == checkin.station_id))
    )
    zone = local_zone(tz)
    batch = Batch()
    batch.count(
        station_id=checkin.station_id,
        region=region,
        created_at=checkin.created_at,
        local_day=checkin.local_day or checkin.created_at.astimezone(zone).date(),
        category=checkin.category,
        mask=checkin.unique_mask or 0,
        sign=sign,
        tz=zone,
    )
    batch.write()


__all__ = [
    "LEVELS", "LEVEL_BIT", "NATIONAL", "NO_CATEGORY", "UNIQUE_ALL", "UNIQUE_CITY", "UNIQUE_COLUMNS",
    "UNIQUE_COUNTY", "UNIQUE_PROVINCE", "UNIQUE_STATION", "Area", "Batch", "apply", "areas_of", "hour_of",
    "level_of", "quarter_of", "station_keys",
]  # fmt: skip
