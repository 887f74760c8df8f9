"""Build the rollups of many check-ins at once with INSERT … SELECT … GROUP BY.

Rows go in sorted by each table's primary key, so index pages fill in order
instead of being read back at random.

Seeding millions of check-ins through ``rollups.apply`` would take hours; these
statements add exactly the same rows (tests compare both) in a few scans.
"""

from datetime import UTC, datetime, timedelta, tzinfo

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.services.rollups.counting import (
    LEVEL_BIT,
    NATIONAL,
    NO_CATEGORY,
    UNIQUE_COLUMNS,
    UNIQUE_STATION,
)
from stationfinder.services.stations.lookup import local_zone

_R = "s.region_code"
_SOURCE = "FROM checkin c JOIN station s ON s.id = c.station_id WHERE c.id BETWEEN :lo AND :hi"
_CATEGORY = f"COALESCE(c.category, '{NO_CATEGORY}')"

# (area, parent, extra condition) per level; the valid-code condition is added per dialect.
_LEVELS = {
    "national": (f"'{NATIONAL}'", "''", None),
    "province": (f"substr({_R}, 1, 2) || '0000'", f"'{NATIONAL}'", ""),
    "city": (f"substr({_R}, 1, 4) || '00'", f"substr({_R}, 1, 2) || '0000'", f"substr({_R}, 3, 4) <> '0000'"),
    "county": (_R, f"substr({_R}, 1, 4) || '00'", f"substr({_R}, 5, 2) <> '00'"),
}


def _bit(bit: int) -> str:
    return f"SUM(CASE WHEN (c.unique_mask & {bit}) <> 0 THEN 1 ELSE 0 END)"


def _upsert_tail(table: str, keys: str, summed: tuple[str, ...]) -> str:
    sets = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in summed)
    return f" ON CONFLICT ({keys}) DO UPDATE SET {sets}"


class _Dialect:
    def __init__(self, name: str, tz: tzinfo, lo: int, hi: int):
        self.name = name
        if name == "postgresql":
            self.valid = f"{_R} ~ '^[1-9][0-9]{{5}}$'"
            self.local_hour = "CAST(EXTRACT(HOUR FROM c.created_at AT TIME ZONE :tz) AS INTEGER)"
            self.utc_hour = "date_trunc('hour', c.created_at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"
            self.month = "CAST(date_trunc('month', c.local_day) AS DATE)"
            self.quarter = "CAST(date_trunc('quarter', c.local_day) AS DATE)"
            self.year = "CAST(date_trunc('year', c.local_day) AS DATE)"
        else:
            self.valid = f"{_R} GLOB '[1-9][0-9][0-9][0-9][0-9][0-9]'"
            minutes = int(_fixed_offset(tz, *_span(lo, hi)).total_seconds() // 60)
            self.local_hour = f"CAST(strftime('%H', c.created_at, '{minutes:+d} minutes') AS INTEGER)"
            self.utc_hour = "strftime('%Y-%m-%d %H:00:00.000000', c.created_at)"
            self.month = "strftime('%Y-%m-01', c.local_day)"
            self.quarter = (
                "strftime('%Y-', c.local_day) || "
                "printf('%02d', (CAST(strftime('%m', c.local_day) AS INTEGER) - 1) / 3 * 3 + 1) || '-01'"
            )
            self.year = "strftime('%Y-01-01', c.local_day)"


def _span(lo: int, hi: int) -> tuple[datetime, datetime]:
    row = db.session.execute(
        sa.text("SELECT MIN(created_at), MAX(created_at) FROM checkin WHERE id BETWEEN :lo AND :hi"),
        {"lo": lo, "hi": hi},
    ).one()
    if row[0] is None:
        now = datetime.now(UTC).replace(tzinfo=None)
        return now, now
    start, end = (datetime.fromisoformat(str(v)).replace(tzinfo=None) for v in row)
    return start, end


def _fixed_offset(tz: tzinfo, start: datetime, end: datetime) -> timedelta:
    """Return the zone's one UTC offset between two naive UTC instants, or raise ValueError."""
    start, end = start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)
    offsets = set()
    moment = start
    while moment <= end + timedelta(hours=6):
        offsets.add(moment.astimezone(tz).utcoffset())
        moment += timedelta(hours=6)
    if len(offsets) != 1:
        raise ValueError(
            "the time zone changes its UTC offset in this period; bulk rollups on SQLite need one"
        )
    return offsets.pop()


def _statements(d: _Dialect) -> list[tuple[str, str, str]]:
    """Return (table, INSERT … SELECT, ON CONFLICT tail) for every rollup table and level."""
    out = []
    u_columns = tuple(column for _bit_value, column in UNIQUE_COLUMNS)
    out.append(
        (
            "checkin_rollup",
            f"INSERT INTO checkin_rollup (station_id, hour, category, count, {', '.join(u_columns)}) "
            f"SELECT c.station_id, {d.utc_hour}, {_CATEGORY}, COUNT(*), "
            + ", ".join(_bit(bit) for bit, _column in UNIQUE_COLUMNS)
            + f" {_SOURCE} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
            _upsert_tail("checkin_rollup", "station_id, hour, category", ("count", *u_columns)),
        )
    )
    summed = ("count", "uniq")
    for level, (area, parent, condition) in _LEVELS.items():
        where = _SOURCE
        if condition is not None:
            where += f" AND {d.valid}" + (f" AND {condition}" if condition else "")
        bit = _bit(LEVEL_BIT[level])
        for table, column, period in (
            ("checkin_area_day", "local_day", "c.local_day"),
            ("checkin_area_month", "month", d.month),
        ):
            sql = (
                f"INSERT INTO {table} (area, {column}, category, parent, count, uniq) "
                f"SELECT {area}, {period}, {_CATEGORY}, {parent}, COUNT(*), {bit} {where} "
                "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3"
            )
            out.append((table, sql, _upsert_tail(table, f"area, {column}, category", summed)))
        if level != "county":
            sql = (
                "INSERT INTO checkin_area_hour (area, local_day, hour, count, uniq) "
                f"SELECT {area}, c.local_day, {d.local_hour}, COUNT(*), {bit} {where} "
                "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
            )
            out.append(
                ("checkin_area_hour", sql, _upsert_tail("checkin_area_hour", "area, local_day, hour", summed))
            )
    province = f"CASE WHEN {d.valid} THEN substr({_R}, 1, 2) ELSE '' END"
    area = f"CASE WHEN {d.valid} THEN {_R} ELSE '' END"
    for table, column, period in (
        ("checkin_station_day", "local_day", "c.local_day"),
        ("checkin_station_month", "month", d.month),
        ("checkin_station_quarter", "quarter", d.quarter),
        ("checkin_station_year", "year", d.year),
    ):
        sql = (
            f"INSERT INTO {table} (province, {column}, area, station_id, count, uniq) "
            f"SELECT {province}, {period}, {area}, c.station_id, COUNT(*), {_bit(UNIQUE_STATION)} {_SOURCE} "
            "GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        )
        out.append((table, sql, _upsert_tail(table, f"province, {column}, area, station_id", summed)))
    return out


def add_range(first_id: int, last_id: int, tz: tzinfo | str | None = None) -> None:
    """Add the check-ins whose ids lie in first_id..last_id to every rollup, exactly as ``apply`` would."""
    zone = local_zone(tz)
    name = db.session.get_bind().dialect.name
    statements = _statements(_Dialect(name, zone, first_id, last_id))
    # Levels never share an area code, so a table empty now takes every level without conflicts,
    # and a plain INSERT skips the speculative insertion ON CONFLICT costs per row.
    empty = {
        table: db.session.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is None
        for table in {table for table, _sql, _tail in statements}
    }
    params = {"lo": first_id, "hi": last_id, "tz": getattr(zone, "key", str(zone))}
    for table, sql, tail in statements:
        statement = sql if empty[table] else sql + tail
        bound = {k: v for k, v in params.items() if f":{k}" in statement}
        db.session.execute(sa.text(statement), bound)
    db.session.flush()


__all__ = ["add_range"]
