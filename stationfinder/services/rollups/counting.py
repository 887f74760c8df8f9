"""Pre-aggregated check-in counts, kept exact as check-ins arrive, are undone or purged.

``Batch`` merges the changes of any number of check-ins and writes one upsert per
table. ``services.fold`` uses it to count pending check-ins in batches; ``apply``
counts (+1) or uncounts (-1) a single one at once, for undo. Purging raw rows never
touches the rollups, so the counts survive the retention policy. ``add_range``
(in ``rollups_bulk``) builds the same rows in bulk (INSERT … SELECT … GROUP BY) for seeded data.

Besides the hourly UTC rows per station (``CheckinRollup``) every check-in lands
in the local-time tables of ``models/rollup.py``: per area and local day, month
and hour, and per station and local day, month, quarter and year. An area is the
whole country (``NATIONAL``), the station's province, city and county; a station
whose code is a city's counts in that city and province only.
"""

import functools
from datetime import date, datetime, tzinfo
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from stationfinder.extensions import db
from stationfinder.models import (
    Checkin,
    CheckinAreaDay,
    CheckinAreaHour,
    CheckinAreaMonth,
    CheckinRollup,
    CheckinStationDay,
    CheckinStationMonth,
    CheckinStationQuarter,
    CheckinStationYear,
    Station,
)
from stationfinder.services.regions import codes as regions
from stationfinder.services.stations.lookup import local_zone

# Bits of Checkin.unique_mask: in which scopes this was the device's first check-in of its local day.
UNIQUE_STATION = 1
UNIQUE_COUNTY = 2
UNIQUE_CITY = 4
UNIQUE_PROVINCE = 8
UNIQUE_ALL = 16
UNIQUE_COLUMNS = (
    (UNIQUE_STATION, "u_station"),
    (UNIQUE_COUNTY, "u_county"),
    (UNIQUE_CITY, "u_city"),
    (UNIQUE_PROVINCE, "u_province"),
    (UNIQUE_ALL, "u_all"),
)
NO_CATEGORY = "unspecified"
# The area key of the whole country; real codes never start with 0.
NATIONAL = "000000"
LEVELS = ("national", "province", "city", "county")
LEVEL_BIT = {
    "national": UNIQUE_ALL,
    "province": UNIQUE_PROVINCE,
    "city": UNIQUE_CITY,
    "county": UNIQUE_COUNTY,
}


class Area(NamedTuple):
    code: str
    parent: str
    level: str

    @property
    def bit(self) -> int:
        return LEVEL_BIT[self.level]


def hour_of(moment: datetime) -> datetime:
    """Return the start of the UTC hour containing an aware datetime."""
    return moment.replace(minute=0, second=0, microsecond=0)


def quarter_of(day: date) -> date:
    """Return the first day of the quarter holding a day."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def level_of(code: str) -> str:
    """Return the level of an area code, "national" for ``NATIONAL``."""
    return "national" if code == NATIONAL else regions.level(code)


def areas_of(region_code: str | None) -> list[Area]:
    """Return the areas a station with this region code counts in, country first."""
    out = [Area(NATIONAL, "", "national")]
    try:
        depth = len(regions.prefix(region_code or ""))
    except regions.InvalidRegion:
        return out
    province = region_code[:2] + "0000"
    out.append(Area(province, NATIONAL, "province"))
    if depth >= 4:
        city = region_code[:4] + "00"
        out.append(Area(city, province, "city"))
        if depth == 6:
            out.append(Area(region_code, city, "county"))
    return out


def station_keys(region_code: str | None) -> tuple[str, str]:
    """Return the (province, area) a station's per-station rows are filed under."""
    if len(areas_of(region_code)) == 1:
        return "", ""
    return region_code[:2], region_code


def _adding_on_conflict(stmt, table: sa.Table, keys: tuple[str, ...], summed: tuple[str, ...]):
    # A row that exists already gets the new counts added to its own.
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys],
        set_={name: table.c[name] + stmt.excluded[name] for name in summed},
    )


@functools.cache
def _upsert_statement(dialect: str, table: sa.Table, keys: tuple[str, ...], summed: tuple[str, ...]):
    # Built once per shape: constructing an upsert costs ~10x executing it.
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return _adding_on_conflict(stmt, table, keys, summed)


@functools.cache
def _unnest_upsert(table: sa.Table, columns: tuple[str, ...], keys: tuple[str, ...], summed: tuple[str, ...]):
    # PostgreSQL: all rows of a table in one INSERT … SELECT FROM unnest(arrays), one execution on the
    # server instead of one per row; the arrays are zipped row by row, in the order given.
    arrays = [sa.bindparam(name, type_=postgresql.ARRAY(table.c[name].type)) for name in columns]
    stmt = postgresql.insert(table).from_select(columns, sa.select(*(sa.func.unnest(a) for a in arrays)))
    return _adding_on_conflict(stmt, table, keys, summed)


_UNIQUE = tuple(column for _, column in UNIQUE_COLUMNS)
_SUMMED = ("count", "uniq")
# Every table a check-in is counted in, with its key and summed columns, in writing order.
# The area tables go last: every check-in of a day shares their country rows, whose locks
# last until the commit.
_TABLES = (
    (CheckinRollup, ("station_id", "hour", "category"), ("count", *_UNIQUE)),
    (CheckinStationDay, ("local_day", "province", "area", "station_id"), _SUMMED),
    (CheckinStationMonth, ("month", "province", "area", "station_id"), _SUMMED),
    (CheckinStationQuarter, ("quarter", "province", "area", "station_id"), _SUMMED),
    (CheckinStationYear, ("year", "province", "area", "station_id"), _SUMMED),
    (CheckinAreaHour, ("area", "local_day", "hour"), _SUMMED),
    (CheckinAreaMonth, ("area", "month", "category"), _SUMMED),
    (CheckinAreaDay, ("area", "local_day", "category"), _SUMMED),
)


class Batch:
    """Rollup changes of any number of check-ins, merged per row, written with one upsert per table."""

    def __init__(self) -> None:
        self._rows: dict[type, dict[tuple, dict]] = {model: {} for model, _, _ in _TABLES}
        self._shape = {model: (keys, summed) for model, keys, summed in _TABLES}

    def _add(self, model, row: dict) -> None:
        keys, summed = self._shape[model]
        key = tuple(row[k] for k in keys)
        held = self._rows[model].get(key)
        if held is None:
            self._rows[model][key] = row
        else:
            for name in summed:
                held[name] += row[name]

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
        rollup = {"station_id": station_id, "hour": hour_of(created_at), "category": category, "count": sign}
        for bit, column in UNIQUE_COLUMNS:
            rollup[column] = sign if mask & bit else 0
        self._add(CheckinRollup, rollup)

        hour = created_at.astimezone(tz).hour
        month = local_day.replace(day=1)
        province, area = station_keys(region)
        own = {"province": province, "area": area, "station_id": station_id, "count": sign}
        own["uniq"] = sign if mask & UNIQUE_STATION else 0
        self._add(CheckinStationDay, dict(own, local_day=local_day))
        self._add(CheckinStationMonth, dict(own, month=month))
        self._add(CheckinStationQuarter, dict(own, quarter=quarter_of(month)))
        self._add(CheckinStationYear, dict(own, year=month.replace(month=1)))
        for a in areas_of(region):
            counted = {"area": a.code, "count": sign, "uniq": sign if mask & a.bit else 0}
            # Counties read hours from the per-station rollup: a county-hour would copy the raw rows.
            if a.level != "county":
                self._add(CheckinAreaHour, dict(counted, local_day=local_day, hour=hour))
            counted["parent"] = a.parent
            self._add(CheckinAreaMonth, dict(counted, month=month, category=category))
            self._add(CheckinAreaDay, dict(counted, local_day=local_day, category=category))

    def write(self) -> None:
        """Upsert the merged rows, each table's in key order (concurrent writers lock in one order)."""
        connection = db.session.connection()
        dialect = connection.dialect.name
        for model, keys, summed in _TABLES:
            held = self._rows[model]
            if not held:
                continue
            rows = [held[key] for key in sorted(held)]
            if dialect == "postgresql" and len(rows) > 1:
                columns = tuple(rows[0])
                stmt = _unnest_upsert(model.__table__, columns, keys, summed)
                connection.execute(stmt, {name: [row[name] for row in rows] for name in columns})
                continue
            stmt = _upsert_statement(dialect, model.__table__, keys, summed)
            connection.execute(stmt, rows[0] if len(rows) == 1 else rows)


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
    "NATIONAL",
    "NO_CATEGORY",
    "UNIQUE_COLUMNS",
    "Area",
    "Batch",
    "apply",
    "areas_of",
    "hour_of",
    "level_of",
    "quarter_of",
    "station_keys",
]
