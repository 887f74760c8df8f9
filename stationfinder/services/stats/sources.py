"""Where a question's counts are read: one source object per target, chosen once (``Target.source``).

``AreaSource`` answers for an area (the country, a province, city or county) from
its own rows of the per-area tables: months for whole months of a range, days for
the rest, so a year is about a dozen rows per group. Its hours come from the
per-area hour table, except a county's: its few check-ins are read from the
hourly per-station ``CheckinRollup``. Its per-station totals come from the
per-station day, month, quarter and year tables, whose key starts with the
province. ``StationSource`` answers for a set of stations (a manager's, or one
station) from ``CheckinRollup`` alone. Both have the same methods, so groups,
rankings and the dashboard never ask which one they hold.
"""

from collections import defaultdict

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services.regions import codes as regions
from stationfinder.services.rollups import registry
from stationfinder.services.rollups.counting import NATIONAL, level_of
from stationfinder.services.stats import coverage
from stationfinder.services.stats.spans import split_months, station_spans

# Every table read here is the registry's (services/rollups/registry.py says which query needs it).
CheckinRollup = registry.station_table("utc_hour")
AREA_DAY, AREA_MONTH, AREA_HOUR = (registry.area_table(period) for period in ("day", "month", "hour"))
# The code length of the regions one level below an area's (a county has none).
CHILD_DEPTH = {"national": 2, "province": 4, "city": 6}
# How hours are keyed: by local day, by ISO weekday (1 = Monday) or by hour of day alone.
_PER = {
    "day": lambda day, hour: (day, hour),
    "weekday": lambda day, hour: (day.isoweekday(), hour),
    None: lambda _day, hour: (None, hour),
}


def rows(select) -> list:
    """Run a Core select on the session's connection: the ORM's per-row loading costs more on big answers."""
    return db.session.connection().execute(select).all()


def prefix_range(column, prefix: str):
    """Return "column starts with prefix" as a range, which an index serves under any collation."""
    head = prefix.rstrip("9")
    if not head:
        return column >= prefix
    return sa.and_(column >= prefix, column < head[:-1] + chr(ord(head[-1]) + 1))


def group_hours(hours: dict, key) -> dict:
    """Fold {(day, hour): (count, uniq)} into {key(day, hour): (count, uniq)}."""
    out: dict = defaultdict(lambda: (0, 0))
    for (day, hour), (count, uniq) in hours.items():
        k = key(day, hour)
        c, u = out[k]
        out[k] = (c + count, u + uniq)
    return dict(out)


def _merge(into: dict, found) -> dict:
    for key, count, uniq in found:
        c, u = into.get(key, (0, 0))
        into[key] = (c + int(count or 0), u + int(uniq or 0))
    return into


def _grouped(select, key, by):
    # A constant key needs no GROUP BY (and PostgreSQL refuses to group by one).
    return select if by is None else select.group_by(key)


def _sums(count, uniq):
    return sa.func.sum(count).label("count"), sa.func.sum(uniq).label("uniq")


def _days_condition(column, ranges):
    return sa.or_(*(column.between(a, b) for a, b in ranges))


def _with_zeros(counts: dict, codes) -> dict:
    return {code: counts.get(code, (0, 0)) for code in codes}


def _iso_weekday(column):
    """Return SQL for the ISO weekday (1 = Monday) of a date column."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(sa.extract("isodow", column), sa.Integer)
    # SQLite keeps dates as text; %w counts from Sunday = 0.
    return (sa.cast(sa.func.strftime("%w", column), sa.Integer) + 6) % 7 + 1


def _rollup_where(station_ids, period):
    start, end = period.utc_bounds()
    r = CheckinRollup
    stations = r.station_id.in_(sorted(station_ids)) if station_ids else sa.false()
    return sa.and_(stations, r.hour >= start, r.hour < end)


def _rollup_hours(station_ids, period, unique: str, per: str | None) -> dict:
    """Return {(local day, ISO weekday or None as ``per`` asks, local hour): (count, uniq)} of stations."""
    r = CheckinRollup
    select = (
        sa.select(r.hour, sa.func.sum(r.count), sa.func.sum(r.__table__.c[unique]))
        .where(_rollup_where(station_ids, period))
        .group_by(r.hour)
    )
    out: dict = {}
    for hour, count, uniq in rows(select):
        local = hour.astimezone(period.tz)
        _merge(out, [((local.date(), local.hour), count, uniq)])
    return out if per == "day" else group_hours(out, _PER[per])


class AreaSource:
    """An area's counts, from the per-area tables (and the per-station ones for per-station totals)."""

    def __init__(self, area: str):
        self.area = area
        self.level = level_of(area)
        self.unique = registry.unique_column(self.level)
        self.child_depth = CHILD_DEPTH.get(self.level)
        self.key = (area, None)

    def station_clause(self):
        """Return a SQL condition on Station selecting the stations the area holds now."""
        if self.area == NATIONAL:
            return sa.true()
        return prefix_range(Station.region_code, regions.prefix(self.area))

    def station_rows(self, model) -> list:
        """Return the conditions picking the area's rows of a per-station table (none for the country)."""
        if self.area == NATIONAL:
            return []
        prefix = regions.prefix(self.area)
        where = [model.province == prefix[:2]]
        if len(prefix) > 2:
            where.append(prefix_range(model.area, prefix))
        return where

    def totals(self, period) -> tuple[int, int]:
        """Return (check-ins, unique devices) over the period."""
        return self.counts(period).get(None, (0, 0))

    def counts(self, period, by: str | None = None) -> dict:
        """Return {key: (count, uniq)} by None (key None), "category", "day" or "child"."""
        out: dict = {}
        for model, column, ranges in self._day_and_month_parts(period, whole_months=by != "day"):
            if by == "child":
                where, key = model.parent == self.area, model.area
            else:
                where = model.area == self.area
                key = {None: sa.null(), "category": model.category, "day": column}[by]
            select = sa.select(key, sa.func.sum(model.count), sa.func.sum(model.uniq)).where(
                where, _days_condition(column, ranges)
            )
            _merge(out, rows(_grouped(select, key, by)))
        return out

    @staticmethod
    def _day_and_month_parts(period, whole_months: bool):
        if not whole_months:
            return [(AREA_DAY, AREA_DAY.local_day, [(period.first, period.last)])]
        ranges, months = split_months(period.first, period.last)
        parts = []
        if ranges:
            parts.append((AREA_DAY, AREA_DAY.local_day, ranges))
        if months:
            parts.append((AREA_MONTH, AREA_MONTH.month, [months]))
        return parts

    def hours(self, period, per: str | None = "day") -> dict:
        """Return {(local day, ISO weekday or None as ``per`` asks, local hour): (count, uniq)}.

        The database sums the hours by weekday or by hour of day: a year is 8,760 rows otherwise.
        """
        if self.level == "county":
            # Listing a county's few hundred stations first lets the planner probe the rollup's
            # key once per station, instead of guessing at a subquery and scanning.
            ids = db.session.scalars(sa.select(Station.id).where(self.station_clause())).all()
            return _rollup_hours(ids, period, self.unique, per)
        m = AREA_HOUR
        first = {"day": m.local_day, "weekday": _iso_weekday(m.local_day), None: sa.null()}[per]
        keys = (first, m.hour) if per else (m.hour,)
        select = (
            sa.select(first, m.hour, sa.func.sum(m.count), sa.func.sum(m.uniq))
            .where(m.area == self.area, m.local_day.between(period.first, period.last))
            .group_by(*keys)
        )
        return {(x, int(hour)): (int(c), int(u)) for x, hour, c, u in rows(select)}

    def regions(self, period) -> dict:
        """Return {code: (count, uniq)} of the regions one level down, zeros included; a county: itself."""
        if self.child_depth is None:
            return {self.area: self.totals(period)}
        counts = self.counts(period, "child")
        codes = set(counts) | set(coverage.child_regions(self, self.child_depth))
        return _with_zeros(counts, codes - {self.area})

    def station_totals(self, period, only: list[int] | None = None):
        """Return a subquery (station_id, count, uniq) of per-station totals; ``only``: of these stations."""
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
            model = registry.station_table(table)
            column = registry.period_column(model)
            where = [_days_condition(column, runs), *self.station_rows(model)]
            if only is not None:
                where.append(model.station_id.in_(only))
            count, uniq = (model.count, model.uniq) if sign > 0 else (-model.count, -model.uniq)
            parts.append(sa.select(model.station_id, count.label("count"), uniq.label("uniq")).where(*where))
        union = (parts[0] if len(parts) == 1 else sa.union_all(*parts)).subquery("parts")
        return (
            sa.select(union.c.station_id, *_sums(union.c.count, union.c.uniq))
            .group_by(union.c.station_id)
            .subquery("totals")
        )


class StationSource:
    """A set of stations' counts (a manager's, or one station's), from the hourly ``CheckinRollup``.

    A device counts once per day per station, so a rider at two of a manager's stations counts twice.
    """

    unique = registry.unique_column("station")
    area = None
    # Its regions are its stations' own (counties), and the map always shows its stations.
    child_depth = None

    def __init__(self, station_ids: frozenset[int]):
        self.station_ids = station_ids
        self.key = (None, station_ids)

    def station_clause(self):
        """Return a SQL condition on Station selecting the stations of the set."""
        return Station.id.in_(sorted(self.station_ids)) if self.station_ids else sa.false()

    def station_rows(self, model) -> list:
        """Return the conditions picking the set's rows of a per-station table."""
        return [model.station_id.in_(sorted(self.station_ids)) if self.station_ids else sa.false()]

    def totals(self, period) -> tuple[int, int]:
        """Return (check-ins, unique devices) over the period."""
        return self.counts(period).get(None, (0, 0))

    def counts(self, period, by: str | None = None) -> dict:
        """Return {key: (count, uniq)} by None (key None), "category", "day" or "child" (the region code)."""
        if by == "day":
            return group_hours(self.hours(period), lambda day, _hour: day)
        r = CheckinRollup
        key = {None: sa.null(), "category": r.category, "child": Station.region_code}[by]
        select = sa.select(key, sa.func.sum(r.count), sa.func.sum(r.__table__.c[self.unique])).where(
            _rollup_where(self.station_ids, period)
        )
        if by == "child":
            select = select.join(Station, Station.id == r.station_id)
        return _merge({}, rows(_grouped(select, key, by)))

    def hours(self, period, per: str | None = "day") -> dict:
        """Return {(local day, ISO weekday or None as ``per`` asks, local hour): (count, uniq)}."""
        return _rollup_hours(self.station_ids, period, self.unique, per)

    def regions(self, period) -> dict:
        """Return {code: (count, uniq)} of the counties its stations lie or counted in, zeros included."""
        counts = self.counts(period, "child")
        return _with_zeros(counts, set(counts) | set(coverage.child_regions(self, 6)))

    def station_totals(self, period, only: list[int] | None = None):
        """Return a subquery (station_id, count, uniq) of per-station totals; ``only``: of these stations."""
        r = CheckinRollup
        ids = self.station_ids if only is None else self.station_ids.intersection(only)
        return (
            sa.select(r.station_id, *_sums(r.count, r.u_station))
            .where(_rollup_where(ids, period))
            .group_by(r.station_id)
            .subquery("totals")
        )


Source = AreaSource | StationSource


__all__ = ["AreaSource", "Source", "StationSource", "group_hours", "prefix_range", "rows"]
