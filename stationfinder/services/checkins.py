"""Record, undo and purge check-ins: deduplicated per device and station, counted exactly once.

A device is known only by a keyed hash of its id whose key changes every local
day, so hashes dedupe within a day and cannot link a rider's days together.
Each check-in is one write transaction: on SQLite it takes the write lock at
BEGIN (writers queue instead of racing); on PostgreSQL the primary keys of
``device_presence`` and ``device_day`` with ON CONFLICT decide races. The row is
stored ``pending`` and ``services.fold`` counts it into the rollups in a batch.
"""

import functools
import hashlib
import hmac
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from pyproj import Geod
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached

from stationfinder.db import IMMEDIATE
from stationfinder.extensions import db
from stationfinder.models import (
    CATEGORIES,
    Checkin,
    DeviceDay,
    DevicePresence,
    Poster,
    Station,
    StationStatus,
    UTCDateTime,
    utcnow,
)
from stationfinder.services import fold, regions, rollups
from stationfinder.services.errors import Closed, Forbidden, Gone, InvalidInput, NotFound

NEAR_METRES = 300.0
MAX_DEVICE_ID = 128
MAX_ID = 2**31 - 1  # Larger numbers cannot name a row, and overflow the drivers' integer binding.
_GEOD = Geod(ellps="WGS84")


@functools.lru_cache(maxsize=16)
def _day_key(secret: str, day: date) -> bytes:
    label = b"stationfinder/device-day/" + day.isoformat().encode()
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


def device_hash(device_id: str, day: date, secret: str | None = None) -> str:
    """Return the keyed hash standing for a device on one local day."""
    key = _day_key(secret or current_app.config["SECRET_KEY"], day)
    return hmac.new(key, device_id.encode(), hashlib.sha256).hexdigest()


def zone() -> ZoneInfo:
    """Return the configured local time zone."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_day(moment: datetime) -> date:
    """Return the local calendar day of an aware moment."""
    return moment.astimezone(zone()).date()


def scopes(station_id: int, region_code: str | None) -> list[tuple[int, str]]:
    """Return (unique bit, DeviceDay scope) pairs of a station: itself, its county, city, province, all.

    Scopes carry a level prefix because a station may hold a city-level code
    (520500), which must not collide with the city scope of its neighbours.
    """
    out = [(rollups.UNIQUE_STATION, f"s:{station_id}")]
    try:
        code = regions.validate(region_code)
    except regions.InvalidRegion:
        code = None
    if code:
        out += [
            (rollups.UNIQUE_COUNTY, "d:" + code),
            (rollups.UNIQUE_CITY, "c:" + regions.city_of(code)),
            (rollups.UNIQUE_PROVINCE, "p:" + regions.province_of(code)),
        ]
    out.append((rollups.UNIQUE_ALL, "*"))
    return out


# What a check-in needs of its station; loading the whole ORM entity costs more than the check-in's writes.
_STATION_COLUMNS = ("id", "ref", "name", "region_code", "lat", "lon", "status")
_OPEN = StationStatus.OPEN.value


class _Hot(NamedTuple):
    """The statements of the check-in hot path, built once per dialect: building costs more than running."""

    lookup: sa.Select
    claim: sa.Insert
    add: sa.Insert


@functools.cache
def _hot(dialect: str) -> _Hot:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # A replaced poster works until its retired_at (the end of its grace period): the database decides.
    retired = sa.and_(
        Poster.retired_at.is_not(None), Poster.retired_at <= sa.bindparam("now", type_=UTCDateTime())
    )
    lookup = (
        sa.select(
            Poster.id.label("poster_id"),
            retired.label("retired"),
            *(getattr(Station, c) for c in _STATION_COLUMNS),
        )
        .join(Station, Station.id == Poster.station_id)
        .where(Poster.token == sa.bindparam("token"))
    )
    presence = DevicePresence.__table__
    claim = insert(presence).values(
        station_id=sa.bindparam("station_id"),
        device_hash=sa.bindparam("device_hash"),
        last_at=sa.bindparam("now", type_=UTCDateTime()),
    )
    claim = claim.on_conflict_do_update(
        index_elements=[presence.c.station_id, presence.c.device_hash],
        set_={"last_at": claim.excluded.last_at},
        where=presence.c.last_at < sa.bindparam("cutoff", type_=UTCDateTime()),
    ).returning(presence.c.station_id)
    add = sa.insert(Checkin.__table__).returning(Checkin.__table__.c.id)
    return _Hot(lookup, claim, add)


@functools.cache
def _seen(scopes: int) -> sa.TextClause:
    # One multi-row INSERT as text: an executemany costs a round trip per row on PostgreSQL,
    # and SQLAlchemy compiles a multi-values insert() anew on every call.
    rows = ", ".join(f"(:local_day, :scope{n}, :device_hash)" for n in range(scopes))
    return sa.text(
        f"INSERT INTO device_day (local_day, scope, device_hash) VALUES {rows} "
        "ON CONFLICT DO NOTHING RETURNING scope"
    ).bindparams(sa.bindparam("local_day", type_=sa.Date()))


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _begin_write() -> None:
    # SQLite: take the write lock at BEGIN so writers queue instead of failing to upgrade a read.
    # A caller already inside a transaction (a script, a test) keeps its own.
    if _dialect() == "sqlite" and not db.session().in_transaction():
        db.session.connection(execution_options=IMMEDIATE)


def normalize_device_id(device_id: str | None) -> str | None:
    """Return the one spelling of a device id that is hashed; raise InvalidInput for an unusable id.

    Ids differing only by case, surrounding space or fullwidth forms are one device:
    otherwise a client could count itself many times over by respelling its id.
    """
    if device_id is None:
        return None
    if not isinstance(device_id, str):
        raise InvalidInput("device_id must be text")
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", device_id).casefold()).strip()
    if not (1 <= len(folded) <= MAX_DEVICE_ID and folded.isprintable()):
        raise InvalidInput(f"device_id must be 1-{MAX_DEVICE_ID} printable characters, not only spaces")
    return folded


def _check_open(status: str | None) -> None:
    if status != _OPEN:
        raise Closed("this station is closed; nothing is counted")


def near_station(station: Station, lat: float, lon: float) -> bool:
    """Return whether a position lies within 300 m (WGS-84 geodesic) of a station."""
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput("lat/lon out of range")
    _, _, metres = _GEOD.inv(station.lon, station.lat, lon, lat)
    return metres <= NEAR_METRES


def _claim_presence(station_id: int, hashed: str, now: datetime, cutoff: datetime) -> bool:
    """Return whether this check-in counts, marking the device present; False inside the dedupe window."""
    params = {"station_id": station_id, "device_hash": hashed, "now": now, "cutoff": cutoff}
    return db.session.connection().execute(_hot(_dialect()).claim, params).first() is not None


def _present(station_id: int, hashed: str, cutoff: datetime) -> bool:
    return (
        db.session.scalar(
            sa.select(DevicePresence.last_at).where(
                DevicePresence.station_id == station_id,
                DevicePresence.device_hash == hashed,
                DevicePresence.last_at >= cutoff,
            )
        )
        is not None
    )


def _latest(station_id: int, hashes: list[str], since: datetime) -> Checkin | None:
    return db.session.scalar(
        sa.select(Checkin)
        .where(Checkin.station_id == station_id, Checkin.device_hash.in_(hashes), Checkin.created_at >= since)
        .order_by(Checkin.created_at.desc(), Checkin.id.desc())
        .limit(1)
    )


def _first_in_scopes(day: date, hashed: str, pairs: list[tuple[int, str]]) -> int:
    """Mark the device seen in each scope today and return the bits of the scopes it is new in."""
    params = {"local_day": day, "device_hash": hashed} | {
        f"scope{n}": scope for n, (_, scope) in enumerate(pairs)
    }
    inserted = set(db.session.connection().execute(_seen(len(pairs)), params).scalars())
    return sum(bit for bit, scope in pairs if scope in inserted)


def record(
    token: str,
    device_id: str | None,
    category: str | None,
    near: tuple[float, float] | None = None,
    now: datetime | None = None,
) -> tuple[Checkin, bool]:
    """Record a check-in at a poster's station and return (check-in, duplicate); the caller commits.

    A device seen at the same station within CHECKIN_DEDUPE_MINUTES gets its
    earlier check-in back with duplicate=True and nothing new is counted.
    ``near`` is the rider's (lat, lon) if shared: only whether it lies within
    300 m is kept.
    """
    device_id = normalize_device_id(device_id)
    if category is not None and category not in CATEGORIES:
        raise InvalidInput("category must be one of " + ", ".join(CATEGORIES))
    _begin_write()
    dialect = _dialect()
    now = now or utcnow()
    row = db.session.connection().execute(_hot(dialect).lookup, {"token": token, "now": now}).first()
    if row is None:
        raise NotFound("no such poster")
    if row.retired:
        raise Gone("this poster was replaced")
    _check_open(row.status)
    station = _station({c: getattr(row, c) for c in _STATION_COLUMNS})
    day = local_day(now)
    values = _new_row(station, row.poster_id, now, device_id, category, near)
    if device_id:
        hashed = values["device_hash"]
        cutoff = _window_start(now)
        hashes = [hashed]
        # Yesterday's hash is another key: look it up so the window also holds across local midnight.
        if cutoff < datetime.combine(day, time.min, tzinfo=zone()):
            hashes.append(device_hash(device_id, day - timedelta(days=1)))
        pairs = scopes(station.id, station.region_code)
        seen_yesterday = len(hashes) > 1 and _present(station.id, hashes[1], cutoff)
        claimed = False
        if not seen_yesterday and dialect == "postgresql":
            added = _claim_and_add(values, pairs, cutoff, station)
            if added is not None:
                values["unique_mask"] = added[1]
                return _made(added[0], values, station), False
        elif not seen_yesterday:
            claimed = _claim_presence(station.id, hashed, now, cutoff)
        if not claimed:
            earlier = _latest(station.id, hashes, cutoff)
            if earlier is not None:
                return earlier, True
            # A presence without its check-in (edited by hand): count this one and restart the window.
            db.session.execute(
                sa.update(DevicePresence)
                .where(DevicePresence.station_id == station.id, DevicePresence.device_hash == hashed)
                .values(last_at=now)
            )
        values["unique_mask"] = _first_in_scopes(day, hashed, pairs)
    return _made(
        db.session.connection().execute(_hot(dialect).add, values).scalar_one(), values, station
    ), False


def _window_start(now: datetime) -> datetime:
    """Return the start of the dedupe window that ends now."""
    return now - timedelta(minutes=current_app.config["CHECKIN_DEDUPE_MINUTES"])


def _new_row(station: Station, poster_id: int, now: datetime, device_id, category, near) -> dict:
    """Return the column values of a new, pending check-in (its unique mask still 0)."""
    day = local_day(now)
    return {
        "station_id": station.id,
        "poster_id": poster_id,
        "created_at": now,
        "local_day": day,
        "device_hash": device_hash(device_id, day) if device_id else None,
        "category": category,
        "near_station": near_station(station, *near) if near is not None else None,
        "unique_mask": 0,
        "pending": True,
    }


def _made(checkin_id: int, values: dict, station: Station) -> Checkin:
    # Written with Core; the row enters the session as if loaded (an ORM flush would cost as much again).
    checkin = Checkin(id=checkin_id, **values)
    checkin.station = station
    make_transient_to_detached(checkin)
    db.session.add(checkin)
    return checkin


# PostgreSQL: the poster check, the dedupe claim, the unique-device rows and the check-in in one
# statement, one round trip. Each step runs only if the one before it found or wrote something: a
# poster retired (past its grace period), or a station moved or closed since the caller read them
# (``live`` empty) returns no row; a device inside its dedupe window (no claim) returns the station
# with a NULL id.
_CLAIM_AND_ADD = sa.text(
    """
    WITH live AS (
        SELECT station.ref, station.name FROM poster JOIN station ON station.id = poster.station_id
        WHERE poster.id = :poster_id AND (poster.retired_at IS NULL OR poster.retired_at > :created_at)
          AND station.id = :station_id
          AND station.region_code IS NOT DISTINCT FROM :region_code AND station.status = 'open'
          AND station.lat = :lat AND station.lon = :lon
    ), claim AS (
        INSERT INTO device_presence (station_id, device_hash, last_at)
        SELECT :station_id, :device_hash, :created_at WHERE EXISTS (SELECT FROM live)
        ON CONFLICT (station_id, device_hash) DO UPDATE SET last_at = excluded.last_at
        WHERE device_presence.last_at < :cutoff
        RETURNING 1
    ), seen AS (
        INSERT INTO device_day (local_day, scope, device_hash)
        SELECT :local_day, scope, :device_hash FROM unnest(CAST(:scopes AS varchar[])) AS s (scope)
        WHERE EXISTS (SELECT FROM claim)
        ON CONFLICT DO NOTHING
        RETURNING scope
    ), added AS (
        INSERT INTO checkin (station_id, poster_id, created_at, local_day, device_hash, category,
                             near_station, unique_mask, pending)
        SELECT :station_id, :poster_id, :created_at, :local_day, :device_hash, :category, :near_station,
               COALESCE((SELECT SUM(b.bit) FROM seen
                         JOIN unnest(CAST(:scopes AS varchar[]), CAST(:bits AS integer[])) AS b (scope, bit)
                         USING (scope)), 0),
               true
        WHERE EXISTS (SELECT FROM claim)
        RETURNING id, unique_mask
    )
    SELECT live.ref, live.name, added.id, added.unique_mask FROM live LEFT JOIN added ON true
    """
).bindparams(
    sa.bindparam("created_at", type_=UTCDateTime()),
    sa.bindparam("cutoff", type_=UTCDateTime()),
    sa.bindparam("local_day", type_=sa.Date()),
)


def _guarded(values: dict, station: Station, pairs: list[tuple[int, str]], cutoff) -> dict:
    """Return the parameters of _CLAIM_AND_ADD: the check-in's values and what was read of its station."""
    return dict(
        values,
        cutoff=cutoff,
        region_code=station.region_code,
        lat=station.lat,
        lon=station.lon,
        scopes=[s for _, s in pairs],
        bits=[b for b, _ in pairs],
    )


def _claim_and_add(values: dict, pairs: list[tuple[int, str]], cutoff: datetime, station: Station):
    """Return (id, unique mask) of the new check-in, or None when the device is inside the dedupe window."""
    row = db.session.connection().execute(_CLAIM_AND_ADD, _guarded(values, station, pairs, cutoff)).first()
    return None if row is None or row.id is None else (row.id, row.unique_mask)


class _Driver(NamedTuple):
    """The fast path's statements, compiled once into the driver's own SQL and parameter style."""

    lookup: str
    claim: str
    add: str
    claim_and_add: str
    binders: dict


def _binders(dialect) -> dict:
    # SQLAlchemy's own conversions (UTC datetimes, SQLite's date and time strings), applied by hand.
    moment = UTCDateTime()
    types = {"created_at": moment, "now": moment, "cutoff": moment, "local_day": sa.Date()}
    found = {name: kind.dialect_impl(dialect).bind_processor(dialect) for name, kind in types.items()}
    return {name: convert for name, convert in found.items() if convert is not None}


@functools.cache
def _driver(dialect_name: str) -> _Driver:
    # SQLite's driver takes :name parameters; psycopg's dialect already uses %(name)s.
    dialect = sqlite.dialect(paramstyle="named") if dialect_name == "sqlite" else postgresql.psycopg.dialect()
    hot = _hot(dialect_name)
    table = Checkin.__table__
    add = sa.insert(table).values({name: sa.bindparam(name) for name in _ADD_COLUMNS}).returning(table.c.id)

    def compiled(statement) -> str:
        return str(statement.compile(dialect=dialect))

    return _Driver(
        compiled(hot.lookup), compiled(hot.claim), compiled(add), compiled(_CLAIM_AND_ADD), _binders(dialect)
    )


@functools.cache
def _seen_sqlite(scopes: int) -> str:
    return str(_seen(scopes).compile(dialect=sqlite.dialect(paramstyle="named")))


_ADD_COLUMNS = (
    "station_id", "poster_id", "created_at", "local_day", "device_hash",
    "category", "near_station", "unique_mask", "pending",
)  # fmt: skip


def check_in(
    token: str, device_id: str | None, category: str | None, near: tuple[float, float] | None = None
) -> tuple[Checkin, bool]:
    """Record a check-in as ``record`` does, commit it and note it for the next fold.

    The views' entry point. A check-in of a new device, the common case, goes
    through the database driver: on SQLite one immediate transaction after the
    poster lookup; on PostgreSQL one statement in autocommit once the worker
    knows the poster. Everything else, and a caller already inside a
    transaction, takes ``record``.
    """
    device_id = normalize_device_id(device_id)
    if category is not None and category not in CATEGORIES:
        raise InvalidInput("category must be one of " + ", ".join(CATEGORIES))
    made = None if db.session().in_transaction() else _fast(token, device_id, category, near)
    if made is None:
        checkin, duplicate = record(token, device_id, category, near=near)
        db.session.commit()
    else:
        checkin, duplicate = made, False
    if not duplicate:
        fold.recorded()
    return checkin, duplicate


# Poster token -> what a check-in needs of it, per worker. Only a hint: on PostgreSQL the check-in's own
# statement checks it (``live`` in _CLAIM_AND_ADD), so a rotated poster or moved station is never used.
_POSTERS_KEPT = 20_000


def _known_posters() -> dict:
    return current_app.extensions.setdefault("stationfinder.posters", {})


def _remember(known: dict, token: str, poster: tuple[int, dict]) -> None:
    if len(known) >= _POSTERS_KEPT:
        del known[next(iter(known))]  # The oldest learnt: dicts keep insertion order.
    known[token] = poster


def _lookup(cursor, sql: _Driver, token: str, now: datetime) -> tuple[int, dict]:
    """Return (poster id, station columns) of a working poster; raise NotFound or Gone."""
    convert = sql.binders.get("now")
    cursor.execute(sql.lookup, {"token": token, "now": convert(now) if convert else now})
    row = cursor.fetchone()
    if row is None:
        raise NotFound("no such poster")
    poster_id, retired, *columns = row
    if retired:
        raise Gone("this poster was replaced")
    station = dict(zip(_STATION_COLUMNS, columns, strict=True))
    _check_open(station["status"])
    return poster_id, station


def _fast(token: str, device_id: str | None, category: str | None, near) -> Checkin | None:
    """Record a check-in through the driver; None, having written nothing, leaves it to ``record``.

    That happens for a device inside its dedupe window, near local midnight
    (yesterday's hash must be looked up too), and when a poster known to this
    worker was rotated or its station moved.
    """
    engine = db.engine
    dialect = engine.dialect.name
    if dialect not in ("postgresql", "sqlite"):
        return None
    now = utcnow()
    cutoff = _window_start(now)
    if device_id and cutoff < datetime.combine(local_day(now), time.min, tzinfo=zone()):
        return None
    sql = _driver(dialect)
    # PostgreSQL checks a known poster in the check-in's statement: one round trip, not two.
    guarded = dialect == "postgresql" and device_id is not None
    known = _known_posters()
    raw = engine.raw_connection()
    try:
        if dialect == "postgresql":
            # Each statement its own transaction: no BEGIN or COMMIT round trips.
            raw.driver_connection.autocommit = True
        cursor = raw.cursor()
        poster = known.get(token) if guarded else None
        if poster is None:
            poster = _lookup(cursor, sql, token, now)
            if guarded:
                _remember(known, token, poster)
        station = Station(**poster[1])
        values = _new_row(station, poster[0], now, device_id, category, near)
        pairs = scopes(station.id, station.region_code) if device_id else []
        params = _guarded(values, station, pairs, cutoff) | {"now": now}
        for name, convert in sql.binders.items():
            params[name] = convert(params[name])
        if guarded:
            cursor.execute(sql.claim_and_add, params)
            row = cursor.fetchone()
            if row is None:
                known.pop(token, None)
            added = None if row is None or row[2] is None else (row[2], row[3])
            if row is not None:
                station.ref, station.name = row[0], row[1]
        elif dialect == "postgresql":
            cursor.execute(sql.add, params)
            added = cursor.fetchone()[0], 0
        else:
            added = _fast_sqlite(raw, cursor, sql, params, pairs)
    except (NotFound, Gone, Closed, InvalidInput):
        raise
    except BaseException:
        # A connection in an unknown state never goes back to the pool.
        raw.invalidate()
        raise
    finally:
        if raw.is_valid and dialect == "postgresql":
            raw.driver_connection.autocommit = False
        raw.close()
    if added is None:
        return None
    values["unique_mask"] = added[1]
    # Outside the session: the caller reads back only what was just written (or loads the station).
    return Checkin(id=added[0], station=station, **values)


def _fast_sqlite(raw, cursor, sql: _Driver, params: dict, pairs: list) -> tuple[int, int] | None:
    # The write lock from BEGIN: writers queue, and the lookup above stayed outside it.
    cursor.execute("BEGIN IMMEDIATE")
    try:
        mask = 0
        if params["device_hash"] is not None:
            cursor.execute(sql.claim, params)
            if cursor.fetchone() is None:
                cursor.execute("ROLLBACK")
                return None
            scoped = {f"scope{n}": scope for n, (_, scope) in enumerate(pairs)}
            cursor.execute(_seen_sqlite(len(pairs)), params | scoped)
            inserted = {scope for (scope,) in cursor.fetchall()}
            mask = params["unique_mask"] = sum(bit for bit, scope in pairs if scope in inserted)
        cursor.execute(sql.add, params)
        checkin_id = cursor.fetchone()[0]
        cursor.execute("COMMIT")
    except BaseException:
        if raw.driver_connection.in_transaction:
            cursor.execute("ROLLBACK")
        raise
    return checkin_id, mask


def _station(columns: dict) -> Station:
    """Return the session's Station of a lookup's columns, or one made of them as if loaded."""
    held = db.session.identity_map.get(db.session.identity_key(Station, columns["id"]))
    if held is not None:
        return held
    station = Station(**columns)
    # Its other columns count as expired: reading one loads it like any lazy attribute.
    make_transient_to_detached(station)
    return station


def undo_until(checkin: Checkin) -> datetime:
    """Return until when a check-in may be undone."""
    return checkin.created_at + timedelta(minutes=current_app.config["CHECKIN_UNDO_MINUTES"])


def undo(checkin_id: int, device_id: str | None, now: datetime | None = None) -> Checkin:
    """Delete a device's own recent check-in and take it out of every count; the caller commits.

    Raises NotFound for an unknown id, Forbidden when another (or no) device
    asks, Gone once CHECKIN_UNDO_MINUTES have passed.
    """
    device_id = normalize_device_id(device_id)
    if not 0 < checkin_id <= MAX_ID:
        raise NotFound("no such check-in")
    # Folds wait for this undo, so whether the check-in was counted yet cannot change under it.
    fold.lock()
    checkin = db.session.get(Checkin, checkin_id, populate_existing=True)
    if checkin is None:
        raise NotFound("no such check-in")
    if (
        not device_id
        or checkin.device_hash is None
        or not hmac.compare_digest(device_hash(device_id, checkin.local_day), checkin.device_hash)
    ):
        raise Forbidden("only the device that checked in can undo it")
    if (now or utcnow()) > undo_until(checkin):
        raise Gone("this check-in can no longer be undone")
    station = db.session.get(Station, checkin.station_id)
    if not checkin.pending:
        rollups.apply(checkin, -1)
    db.session.execute(
        sa.delete(DevicePresence).where(
            DevicePresence.station_id == checkin.station_id,
            DevicePresence.device_hash == checkin.device_hash,
            DevicePresence.last_at == checkin.created_at,
        )
    )
    if checkin.unique_mask:
        _hand_on_unique_bits(checkin, station)
    db.session.delete(checkin)
    db.session.flush()
    return checkin


def _hand_on_unique_bits(checkin: Checkin, station: Station) -> None:
    """Give each unique bit of an undone check-in to the device's next one in that scope, or forget it."""
    later = db.session.execute(
        sa.select(Checkin, Station.region_code)
        .join(Station, Station.id == Checkin.station_id)
        .where(
            Checkin.device_hash == checkin.device_hash,
            Checkin.created_at >= checkin.created_at,
            Checkin.id != checkin.id,
        )
        .order_by(Checkin.created_at, Checkin.id)
        .execution_options(populate_existing=True)
    ).all()
    for bit, scope in scopes(station.id, station.region_code):
        if not checkin.unique_mask & bit:
            continue
        heir = next((c for c, code in later if scope in {s for _, s in scopes(c.station_id, code)}), None)
        if heir is None:
            db.session.execute(
                sa.delete(DeviceDay).where(
                    DeviceDay.local_day == checkin.local_day,
                    DeviceDay.scope == scope,
                    DeviceDay.device_hash == checkin.device_hash,
                )
            )
            continue
        if heir.pending:
            # Not counted yet: the fold will count it with its new bit.
            heir.unique_mask |= bit
            db.session.flush()
            continue
        rollups.apply(heir, -1)
        heir.unique_mask |= bit
        db.session.flush()
        rollups.apply(heir, +1)


def purge(older_than_days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete raw check-ins and device rows older than a number of days; rollups stay.

    It first folds pending check-ins (committing them), then the caller commits the deletions.
    """
    if not isinstance(older_than_days, int) or older_than_days < 1:
        raise InvalidInput("--older-than must be at least 1 day")
    now = now or utcnow()
    cutoff = now - timedelta(days=older_than_days)
    # Never forget a presence still inside the dedupe window, whatever the window is set to.
    presence_cutoff = min(cutoff, _window_start(now))
    # Count every pending check-in first: rollups must hold what the raw rows no longer do.
    fold.fold()
    _begin_write()
    counted = Checkin.pending.is_(False)
    removed = {
        "checkins": db.session.execute(
            sa.delete(Checkin).where(Checkin.created_at < cutoff, counted)
        ).rowcount,
        "device_days": db.session.execute(
            sa.delete(DeviceDay).where(DeviceDay.local_day < local_day(cutoff))
        ).rowcount,
        "device_presence": db.session.execute(
            sa.delete(DevicePresence).where(DevicePresence.last_at < presence_cutoff)
        ).rowcount,
    }
    db.session.flush()
    return removed


__all__ = [
    "check_in", "device_hash", "local_day", "near_station", "normalize_device_id", "purge", "record",
    "scopes", "undo", "undo_until",
]  # fmt: skip
