"""Pre-aggregated check-in counts, kept exact as check-ins arrive, are undone or purged.

``apply`` is the only per-check-in writer: the check-in service calls it with +1
when it records a check-in and -1 when a rider undoes one. Purging raw rows never
touches the rollups, so the counts survive the retention policy. ``add_range``
(in ``rollups_bulk``) builds the same rows in bulk (INSERT … SELECT … GROUP BY) for seeded data.

Besides the hourly UTC rows per station (``CheckinRollup``) every check-in lands
in the local-time tables of ``models/rollup.py``: per area and local day, month
and hour, and per station and local day and month. An area is the whole country
(``NATIONAL``), the station's province, city and county; a station whose code is
a city's counts in that city and province only.
"""

import functools
from datetime import datetime, tzinfo
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
    Station,
)
from stationfinder.services import regions
from stationfinder.services.stations import local_zone

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


@functools.cache
def _upsert_statement(dialect: str, table: sa.Table, keys: tuple[str, ...], summed: tuple[str, ...]):
    # Built once per shape: constructing an upsert costs ~10x executing it, on the check-in hot path.
    stmt = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)
    return stmt.on_conflict_do_update(
        index_elements=[table.c[k] for k in keys],
        set_={name: table.c[name] + stmt.excluded[name] for name in summed},
    )


def _upsert(model, rows: list[dict], keys: tuple[str, ...], summed: tuple[str, ...]) -> None:
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    stmt = _upsert_statement(dialect, model.__table__, tuple(keys), tuple(summed))
    # One row as a plain execute: psycopg's executemany pipeline costs several times more CPU.
    db.session.connection().execute(stmt, rows[0] if len(rows) == 1 else rows)


def apply(checkin: Checkin, sign: int, *, tz: tzinfo | str | None = None) -> None:
    """Add (sign=+1) or remove (sign=-1) one check-in from every rollup."""
    if sign not in (1, -1):
        raise ValueError("sign must be +1 or -1")
    mask = checkin.unique_mask or 0
    category = checkin.category or NO_CATEGORY
    values = {"station_id": checkin.station_id, "hour": hour_of(checkin.created_at), "category": category}
    values["count"] = sign
    for bit, column in UNIQUE_COLUMNS:
        values[column] = sign if mask & bit else 0
    _upsert(
        CheckinRollup,
        [values],
        ("station_id", "hour", "category"),
        ("count", *dict(UNIQUE_COLUMNS).values()),
    )

    # The check-in service hands over its station already loaded; a query only when it did not.
    station = checkin.__dict__.get("station")
    region = (
        station.region_code
        if station is not None
        else db.session.scalar(sa.select(Station.region_code).where(Station.id == checkin.station_id))
    )
    local = checkin.created_at.astimezone(local_zone(tz))
    day = checkin.local_day or local.date()
    month = day.replace(day=1)
    areas = areas_of(region)

    def area_rows(**key):
        return [
            dict(area=a.code, parent=a.parent, count=sign, uniq=sign if mask & a.bit else 0, **key)
            for a in areas
        ]

    summed = ("count", "uniq")
    province, area = station_keys(region)
    uniq = sign if mask & UNIQUE_STATION else 0
    row = dict(province=province, area=area, station_id=checkin.station_id, count=sign, uniq=uniq)
    key = ("province", "area", "station_id")
    _upsert(CheckinStationDay, [dict(row, local_day=day)], ("local_day", *key), summed)
    _upsert(CheckinStationMonth, [dict(row, month=month)], ("month", *key), summed)

    # Every check-in of the day updates the same country rows, whose locks last until the commit:
    # they go last, so concurrent check-ins wait on them for as short a time as possible.
    hour_rows = [
        {k: v for k, v in row.items() if k != "parent"}
        for row, a in zip(area_rows(local_day=day, hour=local.hour), areas, strict=True)
        if a.level != "county"
    ]
    _upsert(CheckinAreaHour, hour_rows, ("area", "local_day", "hour"), summed)
    day_key, month_key = ("area", "local_day", "category"), ("area", "month", "category")
    _upsert(CheckinAreaMonth, area_rows(month=month, category=category), month_key, summed)
    _upsert(CheckinAreaDay, area_rows(local_day=day, category=category), day_key, summed)


__all__ = [
    "NATIONAL",
    "NO_CATEGORY",
    "UNIQUE_COLUMNS",
    "Area",
    "apply",
    "areas_of",
    "hour_of",
    "level_of",
    "station_keys",
]
