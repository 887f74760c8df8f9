"""Pre-aggregated check-in counts, kept exact as check-ins arrive, are undone or purged.

``apply`` is the only writer: the check-in service calls it with +1 when it
records a check-in and -1 when a rider undoes one. Purging raw rows never
touches the rollups, so the counts survive the retention policy.
"""

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite

from stationfinder.extensions import db
from stationfinder.models import Checkin, CheckinRollup

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


def hour_of(moment: datetime) -> datetime:
    """Return the start of the UTC hour containing an aware datetime."""
    return moment.replace(minute=0, second=0, microsecond=0)


def _insert(table):
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def apply(checkin: Checkin, sign: int) -> None:
    """Add (sign=+1) or remove (sign=-1) one check-in from the rollups."""
    if sign not in (1, -1):
        raise ValueError("sign must be +1 or -1")
    values = {
        "station_id": checkin.station_id,
        "hour": hour_of(checkin.created_at),
        "category": checkin.category or NO_CATEGORY,
        "count": sign,
    }
    for bit, column in UNIQUE_COLUMNS:
        values[column] = sign if checkin.unique_mask & bit else 0
    stmt = _insert(CheckinRollup.__table__).values(**values)
    table = CheckinRollup.__table__
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.station_id, table.c.hour, table.c.category],
        set_={
            name: table.c[name] + stmt.excluded[name] for name in ("count", *dict(UNIQUE_COLUMNS).values())
        },
    )
    db.session.execute(stmt)


__all__ = ["NO_CATEGORY", "UNIQUE_COLUMNS", "apply", "hour_of"]
