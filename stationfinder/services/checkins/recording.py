"""Record a check-in: one path for the views, the CLI and the tests, at any ``now``.

A device inside its dedupe window at the station gets its earlier check-in
back; otherwise the database's writer (``writes``) claims the device's presence
and inserts the check-in, ``pending`` until ``services.rollups.fold`` counts it.
The caller owns the transaction: ``stationfinder.units.check_in`` gives a
request's check-in one of its own and commits it.
"""

from datetime import datetime

import sqlalchemy as sa
from pyproj import Geod
from sqlalchemy.engine import Connection

from stationfinder.caching import WorkerCache
from stationfinder.extensions import db
from stationfinder.models import (
    CATEGORIES,
    Checkin,
    DevicePresence,
    Poster,
    Station,
    StationStatus,
    UTCDateTime,
    utcnow,
)
from stationfinder.services.checkins.identity import (
    local_day,
    normalize_device_id,
    scopes,
    window_hashes,
    window_start,
)
from stationfinder.services.checkins.writes import (
    STATION_COLUMNS,
    Added,
    Stale,
    Writer,
    begin_write,
    writer,
)
from stationfinder.services.errors import Closed, Gone, InvalidInput, NotFound

NEAR_METRES = 300.0
_GEOD = Geod(ellps="WGS84")
_OPEN = StationStatus.OPEN.value
# A replaced poster works until its retired_at (the end of its grace period): the database decides.
_LOOKUP = (
    sa.select(
        Poster.id.label("poster_id"),
        sa.and_(
            Poster.retired_at.is_not(None), Poster.retired_at <= sa.bindparam("now", type_=UTCDateTime())
        ).label("retired"),
        *(Station.__table__.c[name] for name in STATION_COLUMNS),
    )
    .join(Station, Station.id == Poster.station_id)
    .where(Poster.token == sa.bindparam("token"))
)
_PRESENCE = DevicePresence.__table__
_CHECKIN = Checkin.__table__
# Poster token -> (poster id, station columns), per worker, for writers that check them again anyway.
# A hint, so it never reads the dataset version: that would cost a query per check-in (or, read every
# few seconds, drop all of them at each station write). A poster or station that changed since makes
# the write fail with Stale, and the token is forgotten and read again.
POSTERS = WorkerCache("posters", maxsize=20_000, refresh_seconds=None)


def near_station(station: Station, lat: float, lon: float) -> bool:
    """Return whether a position lies within 300 m (WGS-84 geodesic) of a station."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("lat/lon out of range")
    _, _, metres = _GEOD.inv(station.lon, station.lat, lon, lat)
    return metres <= NEAR_METRES


def _lookup(conn: Connection, token: str, now: datetime) -> tuple[int, dict]:
    """Return (poster id, station columns) of a working poster; raise NotFound, Gone or Closed."""
    row = conn.execute(_LOOKUP, {"token": token, "now": now}).first()
    if row is None:
        raise NotFound("no such poster")
    if row.retired:
        raise Gone("this poster was replaced")
    if row.status != _OPEN:
        raise Closed("this station is closed; nothing is counted")
    return row.poster_id, {name: row._mapping[name] for name in STATION_COLUMNS}


def record(
    token: str,
    device_id: str | None,
    category: str | None,
    near: tuple[float, float] | None = None,
    now: datetime | None = None,
    conn: Connection | None = None,
) -> tuple[Checkin, bool]:
    """Record a check-in at a poster's station and return (check-in, duplicate); the caller commits.

    A device seen at the same station within CHECKIN_DEDUPE_MINUTES gets its
    earlier check-in back with duplicate=True and nothing new is counted.
    ``near`` is the rider's (lat, lon) if shared: only whether it lies within
    300 m is kept. It writes on ``conn``, a transaction of its own from
    ``writes.transaction``, or else in the session's transaction (on SQLite
    begun with the write lock if none is open).
    """
    return _record(conn or begin_write(), token, device_id, category, near, now)


def _record(conn: Connection, token: str, device_id, category, near, now) -> tuple[Checkin, bool]:
    device_id = normalize_device_id(device_id)
    if category is not None and category not in CATEGORIES:
        raise InvalidInput("category must be one of " + ", ".join(CATEGORIES))
    now = now or utcnow()
    write = writer(conn)
    # A remembered poster saves a read where the writer checks it again in its own statement.
    remember = write.checks_poster and device_id is not None
    for _ in range(2):
        poster = _poster(conn, token, now, remember)
        try:
            return _record_at(conn, write, poster, device_id, category, near, now)
        except Stale:
            # Rotated, moved or closed since it was read: read it again (and learn why if it no longer works).
            if remember:
                POSTERS.forget(token)
    return _record_at(conn, write, _poster(conn, token, now, remember), device_id, category, near, now)


def _poster(conn: Connection, token: str, now: datetime, remember: bool) -> tuple[int, dict]:
    """Return (poster id, station columns): as this worker remembers them when ``remember``, else read."""
    if not remember:
        return _lookup(conn, token, now)
    return POSTERS.get(token, lambda: _lookup(conn, token, now))


def _record_at(conn, write: Writer, poster, device_id, category, near, now) -> tuple[Checkin, bool]:
    poster_id, columns = poster
    station = _station(columns)
    day = local_day(now)
    hashes = window_hashes(device_id, now) if device_id else [None]
    values = {
        "station_id": station.id,
        "poster_id": poster_id,
        "created_at": now,
        "local_day": day,
        "device_hash": hashes[0],
        "category": category,
        "near_station": near_station(station, *near) if near is not None else None,
        "unique_mask": 0,
        "pending": True,
    }
    if not device_id:
        return _made(write.claim_and_add(conn, values, [], None, columns), values, station), False
    cutoff = window_start(now)
    pairs = scopes(station.id, station.region_code)
    # Just after local midnight the device's presence may be under yesterday's hash.
    if len(hashes) == 1 or not _present(conn, station.id, hashes[1], cutoff):
        added = write.claim_and_add(conn, values, pairs, cutoff, columns)
        if added is not None:
            return _made(added, values, station), False
    earlier = _latest(conn, station, hashes, cutoff)
    if earlier is not None:
        return earlier, True
    # A presence without its check-in (edited by hand): forget it, so this one counts and restarts the window.
    conn.execute(
        sa.delete(_PRESENCE).where(_PRESENCE.c.station_id == station.id, _PRESENCE.c.device_hash == hashes[0])
    )
    return _made(write.claim_and_add(conn, values, pairs, cutoff, columns), values, station), False


def _present(conn: Connection, station_id: int, hashed: str, cutoff: datetime) -> bool:
    found = sa.select(_PRESENCE.c.station_id).where(
        _PRESENCE.c.station_id == station_id, _PRESENCE.c.device_hash == hashed, _PRESENCE.c.last_at >= cutoff
    )
    return conn.execute(found).first() is not None


def _latest(conn: Connection, station: Station, hashes: list[str], since: datetime) -> Checkin | None:
    found = (
        sa.select(_CHECKIN)
        .where(
            _CHECKIN.c.station_id == station.id,
            _CHECKIN.c.device_hash.in_(hashes),
            _CHECKIN.c.created_at >= since,
        )
        .order_by(_CHECKIN.c.created_at.desc(), _CHECKIN.c.id.desc())
        .limit(1)
    )
    row = conn.execute(found).first()
    return None if row is None else Checkin(station=station, **row._mapping)


def _station(columns: dict) -> Station:
    """Return the session's Station of a lookup's columns, or a new one made of them."""
    held = db.session.identity_map.get(db.session.identity_key(Station, columns["id"]))
    return held if held is not None else Station(**columns)


def _made(added: Added | None, values: dict, station: Station) -> Checkin:
    # Written with Core, and kept out of the session: the caller reads back only what was just written.
    if added is None:
        raise Stale()  # Only a presence deleted above can be claimed again; someone else claimed it.
    return Checkin(id=added.id, station=station, **(values | {"unique_mask": added.unique_mask}))


__all__ = ["NEAR_METRES", "near_station", "record"]
