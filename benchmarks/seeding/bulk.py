"""Build the rollups of many check-ins at once: one INSERT … SELECT … GROUP BY per count table and level.

Seeding millions of check-ins through ``rollups.apply`` would take hours; these
statements add exactly the same rows (the tests compare both) in a few scans. They
derive from the same declarations as ``rollups.Batch``: the tables, keys, periods and
sums of ``services.rollups.registry`` and the areas of ``regions.ancestors_sql``. Only
the SQL of the periods differs between the databases (``_periods``).

Rows go in sorted by each table's primary key, so index pages fill in order instead
of being read back at random.
"""

from datetime import UTC, datetime, timedelta, tzinfo

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from stationfinder.services.regions.codes import ancestors_sql
from stationfinder.services.rollups.registry import (
    LEVEL_BIT,
    NO_CATEGORY,
    PERIODS,
    TABLES,
    UNIQUE_COLUMNS,
    UNIQUE_STATION,
    CountTable,
)
from stationfinder.services.stations.lookup import local_zone

_C = Checkin.__table__.c
_CODE = Station.__table__.c.region_code


def _k(constant: str):
    # Constants inline: PostgreSQL must see the same expression in a row's select and its group.
    return sa.literal_column(f"'{constant}'", sa.String)


def _periods(dialect: str, zone: tzinfo, first_id: int, last_id: int) -> dict[str, tuple]:
    """Return, per period of ``registry.PERIODS``, the SQL of its key columns over a check-in row."""
    day = _C.local_day
    if dialect == "postgresql":
        zone_name = getattr(zone, "key", str(zone))

        def truncated(unit):
            return sa.cast(sa.func.date_trunc(_k(unit), day), sa.Date)

        utc = sa.func.timezone(_k("UTC"), _C.created_at)
        return {
            "utc_hour": (sa.func.timezone(_k("UTC"), sa.func.date_trunc(_k("hour"), utc)),),
            "hour": (
                day,
                sa.cast(sa.extract("hour", sa.func.timezone(zone_name, _C.created_at)), sa.Integer),
            ),
            "day": (day,),
            "month": (truncated("month"),),
            "quarter": (truncated("quarter"),),
            "year": (truncated("year"),),
        }
    # SQLite keeps UTC moments and days as text and has no time zones: one fixed offset for the range.
    minutes = int(_fixed_offset(zone, *_span(first_id, last_id)).total_seconds() // 60)
    month = sa.cast(sa.func.strftime(_k("%m"), day), sa.Integer)
    quarter = sa.func.printf(_k("%02d"), (month - 1) // 3 * 3 + 1)
    return {
        "utc_hour": (sa.func.strftime(_k("%Y-%m-%d %H:00:00.000000"), _C.created_at),),
        "hour": (
            day,
            sa.cast(sa.func.strftime(_k("%H"), _C.created_at, _k(f"{minutes:+d} minutes")), sa.Integer),
        ),
        "day": (day,),
        "month": (sa.func.strftime(_k("%Y-%m-01"), day),),
        "quarter": (sa.func.strftime(_k("%Y-"), day, type_=sa.String) + quarter + _k("-01"),),
        "year": (sa.func.strftime(_k("%Y-01-01"), day),),
    }


def _valid(dialect: str):
    """Return the dialect's test that a station's code is a 6-digit region code (``regions.validate``)."""
    if dialect == "postgresql":
        return _CODE.op("~")(_k("^[1-9][0-9]{5}$"))
    return _CODE.op("GLOB")(_k("[1-9][0-9][0-9][0-9][0-9][0-9]"))


def _span(first_id: int, last_id: int) -> tuple[datetime, datetime]:
    row = db.session.execute(
        sa.select(sa.func.min(Checkin.created_at), sa.func.max(Checkin.created_at)).where(
            Checkin.id.between(first_id, last_id)
        )
    ).one()
    if row[0] is None:
        now = datetime.now(UTC)
        return now, now
    return row[0], row[1]


def _fixed_offset(tz: tzinfo, start: datetime, end: datetime) -> timedelta:
    """Return the zone's one UTC offset between two aware instants, or raise ValueError."""
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


def _unique(bit: int):
    return sa.func.sum(sa.case((_C.unique_mask.op("&")(bit) != 0, 1), else_=0))


def _groups(dialect: str, periods: dict[str, tuple]) -> list[tuple[CountTable, dict, object]]:
    """Return (table, SQL of each of its columns, extra condition) for every table and level."""
    valid = _valid(dialect)
    common = {"category": sa.func.coalesce(_C.category, _k(NO_CATEGORY)), "count": sa.func.count()}
    station = common | {
        "station_id": _C.station_id,
        "province": sa.case((valid, sa.func.substr(_CODE, 1, 2)), else_=_k("")),
        "area": sa.case((valid, _CODE), else_=_k("")),
        "uniq": _unique(UNIQUE_STATION),
    }
    station |= {column: _unique(bit) for bit, column in UNIQUE_COLUMNS}
    out = []
    for table in TABLES:
        when = dict(zip(PERIODS[table.period].columns, periods[table.period], strict=True))
        if table.grain == "station":
            out.append((table, station | when, None))
            continue
        for level, area, parent, condition in ancestors_sql(_CODE, valid):
            if level in table.levels:
                facts = common | {"area": area, "parent": parent, "uniq": _unique(LEVEL_BIT[level])}
                out.append((table, facts | when, condition))
    return out


def _statement(dialect: str, table: CountTable, facts: dict, where: list, adding: bool):
    """Return INSERT INTO table SELECT its columns … GROUP BY the keys, ORDER BY the primary key."""
    columns = table.columns
    place = {name: sa.literal_column(str(i + 1)) for i, name in enumerate(columns)}
    select = (
        sa.select(*(facts[name] for name in columns))
        .select_from(Checkin.__table__.join(Station.__table__, Station.id == _C.station_id))
        .where(*where)
        # By position: the same expression twice would not group on PostgreSQL once it holds a parameter.
        .group_by(*(place[name] for name in columns if name not in table.summed))
        .order_by(*(place[name] for name in table.keys))
    )
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table.table)
    insert = insert.from_select(columns, select)
    return table.adding(insert) if adding else insert


def add_range(first_id: int, last_id: int, tz: tzinfo | str | None = None) -> None:
    """Add the check-ins whose ids lie in first_id..last_id to every rollup, exactly as ``apply`` would."""
    zone = local_zone(tz)
    dialect = db.session.get_bind().dialect.name
    groups = _groups(dialect, _periods(dialect, zone, first_id, last_id))
    # Levels never share an area code, so a table empty now takes every level without conflicts,
    # and a plain INSERT skips the speculative insertion ON CONFLICT costs per row.
    empty = {
        t: db.session.execute(sa.select(1).select_from(t.table).limit(1)).first() is None for t in TABLES
    }
    ids = _C.id.between(first_id, last_id)
    for table, facts, condition in groups:
        where = [ids] if condition is None else [ids, condition]
        db.session.execute(_statement(dialect, table, facts, where, adding=not empty[table]))
    db.session.flush()


__all__ = ["add_range"]
