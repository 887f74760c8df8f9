"""Read check-in counts from the rollups, always from the coarsest table that answers.

An area (the country, a province, city or county) reads its own rows of the
per-area tables: months for whole months of a range, days for the rest, so a
year is about a dozen rows per group. Hours by area come from the per-area hour
table, except for counties, whose few check-ins are read from the hourly
per-station ``CheckinRollup``, as are a manager's or one station's. Per-station
totals of an area come from the per-station day and month tables, whose key
starts with the province.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

import sqlalchemy as sa
from flask import current_app

from stationfinder.extensions import db
from stationfinder.models import (
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
from stationfinder.services import dataset
from stationfinder.services.regions import codes as regions
from stationfinder.services.rollups import counting as rollups
from stationfinder.services.rollups.counting import NATIONAL
from stationfinder.services.stats.spans import split_months, station_spans

# The unique-device column of CheckinRollup that counts at each area level.
LEVEL_UNIQUE = {"national": "u_all", "province": "u_province", "city": "u_city", "county": "u_county"}


@dataclass(frozen=True)
class Target:
    """What a query counts: an area (``NATIONAL`` or a region code) or a set of stations."""

    area: str | None = None
    station_ids: frozenset[int] | None = None

    @property
    def level(self) -> str | None:
        return rollups.level_of(self.area) if self.area else None

    def station_clause(self):
        """Return a SQL condition on Station selecting the stations this target covers now."""
        if self.station_ids is not None:
            return Station.id.in_(sorted(self.station_ids)) if self.station_ids else sa.false()
        if self.area == NATIONAL:
            return sa.true()
        return prefix_range(Station.region_code, regions.prefix(self.area))


def prefix_range(column, prefix: str):
    """Return "column starts with prefix" as a range, which an index serves under any collation."""
    head = prefix.rstrip("9")
    if not head:
        return column >= prefix
    return sa.and_(column >= prefix, column < head[:-1] + chr(ord(head[-1]) + 1))


@dataclass(frozen=True)
class Period:
    """Local days ``first``..``last`` (inclusive) in a time zone."""

    first: date
    last: date
    tz: tzinfo

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """Return the UTC instants where the first day starts and the day after the last starts."""
        start = datetime.combine(self.first, time(0), self.tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), self.tz).astimezone(UTC)
        return start, end

    def previous(self) -> "Period":
        """Return the period of the same length just before this one."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1), self.tz)


def _days_condition(column, ranges):
    return sa.or_(*(column.between(a, b) for a, b in ranges))


def _rows(select) -> list:
    """Run a Core select on the session's connection: the ORM's per-row loading costs more on big answers."""
    return db.session.connection().execute(select).all()


def _merge(into: dict, rows) -> dict:
    for key, count, uniq in rows:
        c, u = into.get(key, (0, 0))
        into[key] = (c + int(count or 0), u + int(uniq or 0))
    return into


def _grouped(select, key, by):
    # A constant key needs no GROUP BY (and PostgreSQL refuses to group by one).
    return select if by is None else select.group_by(key)


def area_counts(target: Target, period: Period, by: str | None) -> dict:
    """Return {key: (count, uniq)} of an area by None (key None), "category", "day" or "child"."""
    out: dict = {}
    for model, column, ranges in _day_and_month_parts(period, whole_months=by != "day"):
        if by == "child":
            where, key = model.parent == target.area, model.area
        else:
            where = model.area == target.area
            key = {None: sa.null(), "category": model.category, "day": column}[by]
        select = sa.select(key, sa.func.sum(model.count), sa.func.sum(model.uniq)).where(
            where, _days_condition(column, ranges)
        )
        _merge(out, _rows(_grouped(select, key, by)))
    return out


def _day_and_month_parts(period: Period, whole_months: bool):
    if not whole_months:
        return [(CheckinAreaDay, CheckinAreaDay.local_day, [(period.first, period.last)])]
    ranges, months = split_months(period.first, period.last)
    parts = []
    if ranges:
        parts.append((CheckinAreaDay, CheckinAreaDay.local_day, ranges))
    if months:
        parts.append((CheckinAreaMonth, CheckinAreaMonth.month, [months]))
    return parts


# How hours are keyed: by local day, by ISO weekday (1 = Monday) or by hour of day alone.
_PER = {
    "day": lambda day, hour: (day, hour),
    "weekday": lambda day, hour: (day.isoweekday(), hour),
    None: lambda _day, hour: (None, hour),
}


def _iso_weekday(column):
    """Return SQL for the ISO weekday (1 = Monday) of a date column."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.extract("isodow", column), sa.Integer)
    # SQLite keeps dates as text; %w counts from Sunday = 0.
    return (sa.cast(sa.func.strftime("%w", column), sa.Integer) + 6) % 7 + 1


def area_hours(target: Target, period: Period, per: str | None = "day") -> dict:
    """Return {(local day, ISO weekday or None as ``per`` asks, local hour): (count, uniq)} of an area.

    The database sums the hours by weekday or by hour of day: a year is 8,760 rows otherwise.
    """
    if target.level == "county":
        return station_hours(target, period, LEVEL_UNIQUE["county"], per)
    m = CheckinAreaHour
    first = {"day": m.local_day, "weekday": _iso_weekday(m.local_day), None: sa.null()}[per]
    keys = (first, m.hour) if per else (m.hour,)
    select = (
        sa.select(first, m.hour, sa.func.sum(m.count), sa.func.sum(m.uniq))
        .where(m.area == target.area, m.local_day.between(period.first, period.last))
        .group_by(*keys)
    )
    return {(x, int(hour)): (int(c), int(u)) for x, hour, c, u in _rows(select)}


def station_hours(target: Target, period: Period, unique: str, per: str | None = "day") -> dict:
    """Return what ``area_hours`` does, of a county's, a manager's or one station's stations."""
    hours = rollup_hours(target, period, unique)
    return hours if per == "day" else group_hours(hours, _PER[per])


def _rollup_where(target: Target, period: Period):
    start, end = period.utc_bounds()
    r = CheckinRollup
    ids = target.station_ids
    if ids is None:
        # Listing a county's few hundred stations first lets the planner probe the rollup's
        # key once per station, instead of guessing at a subquery and scanning.
        ids = db.session.scalars(sa.select(Station.id).where(target.station_clause())).all()
    stations = r.station_id.in_(sorted(ids)) if ids else sa.false()
    return sa.and_(stations, r.hour >= start, r.hour < end)


def rollup_hours(target: Target, period: Period, unique: str) -> dict[tuple[date, int], tuple[int, int]]:
    """Return {(local day, local hour): (count, uniq)} from the hourly per-station rollup."""
    r = CheckinRollup
    select = (
        sa.select(r.hour, sa.func.sum(r.count), sa.func.sum(r.__table__.c[unique]))
        .where(_rollup_where(target, period))
        .group_by(r.hour)
    )
    out: dict = {}
    for hour, count, uniq in _rows(select):
        local = hour.astimezone(period.tz)
        _merge(out, [((local.date(), local.hour), count, uniq)])
    return out


def rollup_counts(target: Target, period: Period, by: str | None, unique: str) -> dict:
    """Return {key: (count, uniq)} of a set of stations by None, "category", "station" or "child"."""
    r = CheckinRollup
    key = {None: sa.null(), "category": r.category, "station": r.station_id, "child": Station.region_code}[by]
    select = sa.select(key, sa.func.sum(r.count), sa.func.sum(r.__table__.c[unique])).where(
        _rollup_where(target, period)
    )
    if by == "child":
        select = select.join(Station, Station.id == r.station_id)
    return _merge({}, _rows(_grouped(select, key, by)))


def _sums(count, uniq):
    return sa.func.sum(count).label("count"), sa.func.sum(uniq).label("uniq")


_STATION_TABLES = {
    "day": (CheckinStationDay, CheckinStationDay.local_day),
    "month": (CheckinStationMonth, CheckinStationMonth.month),
    "quarter": (CheckinStationQuarter, CheckinStationQuarter.quarter),
    "year": (CheckinStationYear, CheckinStationYear.year),
}


def station_totals(target: Target, period: Period, only: list[int] | None = None):
    """Return a subquery (station_id, count, uniq) of per-station totals in the period.

    ``only`` restricts it to some stations (the candidates of a ranking).
    """
    if target.station_ids is not None:
        r = CheckinRollup
        return (
            sa.select(
                r.station_id, sa.func.sum(r.count).label("count"), sa.func.sum(r.u_station).label("uniq")
            )
            .where(_rollup_where(target, period))
            .group_by(r.station_id)
            .subquery("totals")
        )
    if only is None:
        spans = station_spans(period.first, period.last)
    else:
        # A few hundred candidates have few rows whatever the split: fewer parts, fewer index probes.
        days, months = split_months(period.first, period.last)
        spans = [("day", days, 1)] + ([("month", [months], 1)] if months else [])
    parts = []
    for table, runs, sign in spans:
        if not runs:
            continue
        model, column = _STATION_TABLES[table]
        where = [_days_condition(column, runs), *area_filter(model, target)]
        if only is not None:
            where.append(model.station_id.in_(only))
        count, uniq = (model.count, model.uniq) if sign > 0 else (-model.count, -model.uniq)
        parts.append(sa.select(model.station_id, count.label("count"), uniq.label("uniq")).where(*where))
    union = parts[0] if len(parts) == 1 else sa.union_all(*parts)
    rows = union.subquery("parts")
    return (
        sa.select(
            rows.c.station_id,
            sa.func.sum(rows.c.count).label("count"),
            sa.func.sum(rows.c.uniq).label("uniq"),
        )
        .group_by(rows.c.station_id)
        .subquery("totals")
    )


def area_filter(model, target: Target) -> list:
    """Return the conditions picking a region's rows of a per-station table (none for the country)."""
    if target.area == NATIONAL:
        return []
    prefix = regions.prefix(target.area)
    where = [model.province == prefix[:2]]
    if len(prefix) > 2:
        where.append(prefix_range(model.area, prefix))
    return where


def by_stations_version(name: str, key, compute, keep=lambda value: True, limit: int = 512):
    """Return compute(), kept per worker until the stations dataset version moves.

    For facts about stations only (how many, which regions, where): they change
    when stations are written, and every station write bumps that version. Nothing
    is kept before the first bump (fixtures that write stations directly), nor
    when ``keep(value)`` says a value is cheap to compute again.
    """
    cache = current_app.extensions.setdefault("stationfinder.stats." + name, {})
    version = dataset.current()
    hit = cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = compute()
    if version and keep(value):
        if len(cache) >= limit:
            cache.clear()
        cache[key] = (version, value)
    return value


def group_hours(hours: dict, key) -> dict:
    """Fold {(day, hour): (count, uniq)} into {key(day, hour): (count, uniq)}."""
    out: dict = defaultdict(lambda: (0, 0))
    for (day, hour), (count, uniq) in hours.items():
        k = key(day, hour)
        c, u = out[k]
        out[k] = (c + count, u + uniq)
    return dict(out)
