"""The two reads behind a busy-now snapshot: riders present now, and each station's recent check-ins.

Riders present at a station are its de-duplicated check-ins of the last ``DWELL_MINUTES``:

- the check-in table is de-duplicated already: a device tapping again at the same station within
  ``CHECKIN_DEDUPE_MINUTES`` gets its earlier check-in back and adds no row (``checkins.recording``);
- a dwell window longer than that can still hold two rows of one device (a rider who stays and taps
  again), so rows count once per daily device hash;
- a check-in without a device id cannot be told from another: each counts as one rider (few of them,
  rate-limited per poster and address);
- an undone check-in is deleted, so it no longer counts; purges remove only rows a day old or more.

The daily hash changes at local midnight, so a rider tapping on both sides of it, further apart than
the dedupe window, counts twice until the earlier tap leaves the window.

Recent check-ins (whether a station has enough data) come from the per-station daily rollup, never
from raw rows: at national scale 30 days are 70 million check-ins. Rows not folded yet
(``pending``, see ``units.fold``) are added from the check-in table, in the same statement, so a
fold in between neither drops nor doubles them.
"""

from datetime import date, datetime

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from stationfinder.models import Checkin, Station
from stationfinder.services.busy.levels import DEFAULT_CAPACITY
from stationfinder.services.rollups import registry

_CHECKIN = Checkin.__table__
_STATION = Station.__table__
_DAY = registry.station_table("day").__table__
# The per-station tables are keyed by province first (two digits, "" without a region code). Naming
# every possible one lets both databases read a range of days as one index range per province,
# instead of scanning every day ever kept.
_FILED = ["", *(str(n) for n in range(10, 100))]


def _columns(rows, n: int) -> list[tuple]:
    """Return the ``n`` columns of result rows as tuples (numpy reads Row objects 50 times slower)."""
    return list(zip(*rows, strict=True)) if rows else [()] * n


def checkins_per_station(conn: Connection, first: date, last: date) -> tuple[np.ndarray, np.ndarray]:
    """Return (station ids, check-ins) over the local days ``first``..``last``, both included."""
    folded = sa.select(_DAY.c.station_id, _DAY.c["count"].label("n")).where(
        _DAY.c.province.in_(_FILED), _DAY.c.local_day.between(first, last)
    )
    pending = (
        sa.select(_CHECKIN.c.station_id, sa.func.count().label("n"))
        .where(_CHECKIN.c.pending, _CHECKIN.c.local_day.between(first, last))
        .group_by(_CHECKIN.c.station_id)
    )
    both = sa.union_all(folded, pending).subquery()
    # As an integer: PostgreSQL sums bigints to numeric, which arrives as slow Decimal objects.
    total = sa.cast(sa.func.sum(both.c.n), sa.BigInteger)
    select = sa.select(both.c.station_id, total).group_by(both.c.station_id)
    ids, counts = _columns(conn.execute(select).all(), 2)
    return np.array(ids, dtype=np.int64), np.array(counts, dtype=np.int64)


def riders_present(conn: Connection, since: datetime, now: datetime) -> tuple[np.ndarray, np.ndarray, list]:
    """Return (station ids, riders present, seats) of stations half full or more from ``since`` to ``now``.

    The others are quiet, as every station with enough data is by default: at lunch most stations
    hold a rider or two, and leaving them in the database spares a worker most of the rows.
    """
    anonymous = sa.func.sum(sa.case((_CHECKIN.c.device_hash.is_(None), 1), else_=0))
    riders = sa.func.count(sa.distinct(_CHECKIN.c.device_hash)) + anonymous
    # levels.capacity, in SQL.
    capacity = sa.case((_STATION.c.seats > 0, _STATION.c.seats), else_=DEFAULT_CAPACITY)
    select = (
        sa.select(_CHECKIN.c.station_id, riders, _STATION.c.seats)
        .join(_STATION, _STATION.c.id == _CHECKIN.c.station_id)
        .where(_CHECKIN.c.created_at >= since, _CHECKIN.c.created_at <= now)
        .group_by(_CHECKIN.c.station_id, _STATION.c.seats)
        .having(2 * riders >= capacity)
    )
    ids, present, seats = _columns(conn.execute(select).all(), 3)
    return np.array(ids, dtype=np.int64), np.array(present, dtype=np.int64), list(seats)


__all__ = ["checkins_per_station", "riders_present"]
