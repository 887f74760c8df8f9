"""Every count table, declared once: what one row counts (grain), by which period, what it sums.

The ORM classes (``models/rollup.py``, ``CheckinRollup``) hold the columns and the
primary key; a ``CountTable`` adds what they cannot say, and takes its key columns
from the primary key, so nothing is written twice. Everything that writes or reads
counts derives from ``TABLES``:

- ``counting.Batch`` turns each check-in into one row per table (per area, for the
  area grain) and upserts them;
- the benchmark seeding (``benchmarks/seeding/bulk.py``) builds the same rows with one
  INSERT … SELECT … GROUP BY per table and level;
- the statistics find their tables with ``area_table`` / ``station_table``, ``period_column``
  and ``unique_column``.

A grain is "station" (one row per station: its id, and the province and code it is
filed under, see ``counting.station_keys``) or "area" (one row per area the station
counts in, ``regions.ancestors``, at the table's levels: area and parent). A period
maps a check-in to the key columns it names (``PERIODS``). Each table is kept only
because a measured question reads it: the figures next to each declaration come from
docs/benchmarks.md, "Statistics (issue 4)" (186,100 stations, 10 M check-ins; PostgreSQL
then SQLite medians), against a raw GROUP BY over ``checkin`` where one was measured.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

import sqlalchemy as sa

from stationfinder import models
from stationfinder.services.regions.codes import LEVELS

# Bits of Checkin.unique_mask: in which scopes this was the device's first check-in of its local day.
UNIQUE_STATION = 1
UNIQUE_COUNTY = 2
UNIQUE_CITY = 4
UNIQUE_PROVINCE = 8
UNIQUE_ALL = 16
# The unique bit of each area level: a row of an area counts the devices new in that area's scope.
LEVEL_BIT = {
    "national": UNIQUE_ALL,
    "province": UNIQUE_PROVINCE,
    "city": UNIQUE_CITY,
    "county": UNIQUE_COUNTY,
}
# CheckinRollup keeps every level's unique count per station-hour, as these columns.
UNIQUE_COLUMNS = (
    (UNIQUE_STATION, "u_station"),
    (UNIQUE_COUNTY, "u_county"),
    (UNIQUE_CITY, "u_city"),
    (UNIQUE_PROVINCE, "u_province"),
    (UNIQUE_ALL, "u_all"),
)
NO_CATEGORY = "unspecified"


def hour_of(moment: datetime) -> datetime:
    """Return the start of the UTC hour containing an aware datetime."""
    return moment.replace(minute=0, second=0, microsecond=0)


def quarter_of(day: date) -> date:
    """Return the first day of the quarter holding a day."""
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


@dataclass(frozen=True)
class Period:
    """A period: the key columns it names (the first selects ranges) and their values for a check-in."""

    columns: tuple[str, ...]
    of: Callable[[datetime, date, tzinfo], tuple]  # (UTC moment, local day, zone) -> values


PERIODS = {
    "utc_hour": Period(("hour",), lambda moment, day, tz: (hour_of(moment),)),
    "hour": Period(("local_day", "hour"), lambda moment, day, tz: (day, moment.astimezone(tz).hour)),
    "day": Period(("local_day",), lambda moment, day, tz: (day,)),
    "month": Period(("month",), lambda moment, day, tz: (day.replace(day=1),)),
    "quarter": Period(("quarter",), lambda moment, day, tz: (quarter_of(day),)),
    "year": Period(("year",), lambda moment, day, tz: (date(day.year, 1, 1),)),
}


@dataclass(frozen=True, eq=False)  # one object per table: compared and hashed by identity
class CountTable:
    """One count table: its model, grain, period, summed columns and (area grain) levels."""

    model: type
    grain: str
    period: str
    summed: tuple[str, ...] = ("count", "uniq")
    levels: tuple[str, ...] = LEVELS

    def __post_init__(self) -> None:
        # The model and the declaration must agree: the period's columns are keys, the sums are not.
        if not set(PERIODS[self.period].columns) <= set(self.keys) or set(self.summed) & set(self.keys):
            raise TypeError(f"{self.table.name}: period {self.period!r} or sums disagree with its key")

    @property
    def table(self) -> sa.Table:
        return self.model.__table__

    @functools.cached_property
    def keys(self) -> tuple[str, ...]:
        """Return the key columns, in primary-key order (the order rows are written in)."""
        return tuple(column.name for column in self.table.primary_key.columns)

    @functools.cached_property
    def columns(self) -> tuple[str, ...]:
        """Return every column a row of the table is written with."""
        return tuple(column.name for column in self.table.columns)

    @property
    def period_column(self):
        """Return the model's attribute a range of periods is selected by (local_day, month, …)."""
        return getattr(self.model, PERIODS[self.period].columns[0])

    def adding(self, insert):
        """Return an INSERT (PostgreSQL or SQLite) that adds its counts to a row that exists already."""
        table = self.table
        return insert.on_conflict_do_update(
            index_elements=[table.c[k] for k in self.keys],
            set_={name: table.c[name] + insert.excluded[name] for name in self.summed},
        )


# Every table a check-in is counted in, in writing order. The area tables go last: every check-in
# of a day shares their country rows, whose locks last until the commit.
TABLES = (
    # Counties', managers' and single stations' hours, and every level's unique devices per station:
    # "its biggest county, 30 days, by hour" 21.0 / 13.7 ms against 160 / 64 ms raw.
    CountTable(models.CheckinRollup, "station", "utc_hour", ("count", *(c for _, c in UNIQUE_COLUMNS))),
    # By-station answers over days: "biggest province, 30 days, by station" 79.6 / 71.9 ms against
    # 359 / 768 ms raw; the least-used list probes these rows.
    CountTable(models.CheckinStationDay, "station", "day"),
    # By-station answers over whole months, and the busiest-station ranking (threshold algorithm over
    # the month rows): "province, 1 year, by station" 94.6 / 88.0 ms, "dashboard page, national,
    # 1 year" 123.2 / 74.7 ms (238.6 ms at the p50 before the covering month indexes).
    CountTable(models.CheckinStationMonth, "station", "month"),
    # "province, 1 year, by station": the SQL went from 200 to 100 ms, the API median from about 375
    # to 258 ms when this table came (commit 1d2bdd5), a year of a station from ~70 rows to ~5.
    CountTable(models.CheckinStationQuarter, "station", "quarter"),
    # "province, 1 year, by station": 258 -> 173 ms median when this table came (commit 34372ad), a
    # year to today of a station in about three rows; now 94.6 / 88.0 ms.
    CountTable(models.CheckinStationYear, "station", "year"),
    # Hours and the weekday-by-hour heatmap of the country, provinces and cities (the dashboard pages:
    # "national, 30 days" 59.0 / 49.8 ms, "national, 1 year" 123.2 / 74.7 ms). Counties read
    # CheckinRollup instead: a county-hour would hold about one check-in, a copy of the raw rows.
    CountTable(models.CheckinAreaHour, "area", "hour", levels=("national", "province", "city")),
    # Totals, days, weekdays, rider groups and child regions of any area over whole months:
    # "national, 1 year, by region" 13.9 / 11.6 ms against 3,323 / 12,431 ms raw (~80 rows per group).
    CountTable(models.CheckinAreaMonth, "area", "month"),
    # The same over the days outside whole months: "national, 30 days, by day" 8.7 / 5.8 ms against
    # 63 / 94 ms raw, "national, 30 days, total" 6.9 / 4.2 ms.
    CountTable(models.CheckinAreaDay, "area", "day"),
)
_BY_GRAIN = {(t.grain, t.period): t for t in TABLES}


def area_table(period: str) -> type:
    """Return the model counting areas per "hour" (local), "day" or "month"."""
    return _BY_GRAIN["area", period].model


def station_table(period: str) -> type:
    """Return the model counting stations per "utc_hour", "day", "month", "quarter" or "year"."""
    return _BY_GRAIN["station", period].model


def unique_column(level: str) -> str:
    """Return the CheckinRollup column counting unique devices at a level ("station" or an area's)."""
    bit = UNIQUE_STATION if level == "station" else LEVEL_BIT[level]
    return dict(UNIQUE_COLUMNS)[bit]


def period_column(model: type):
    """Return the attribute of a count model that a range of its periods is selected by."""
    return next(t for t in TABLES if t.model is model).period_column


__all__ = [
    "LEVEL_BIT", "NO_CATEGORY", "PERIODS", "TABLES", "Period", "UNIQUE_ALL", "UNIQUE_CITY", "UNIQUE_COLUMNS",
    "UNIQUE_COUNTY", "UNIQUE_PROVINCE", "UNIQUE_STATION", "CountTable", "area_table", "hour_of",
    "period_column", "quarter_of", "station_table", "unique_column",
]  # fmt: skip
