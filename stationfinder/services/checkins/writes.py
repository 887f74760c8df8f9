"""The one place the databases differ in writing a check-in: a writer per dialect.

``claim_and_add(conn, values, scopes, cutoff, station)`` claims the device's
presence at the station (unless it was counted there since ``cutoff``), marks it
seen in each scope of the day, and inserts the pending check-in with the bits of
the scopes it was new in. It returns the new check-in's (id, unique mask), or
None, having written nothing, for a device inside its dedupe window. A check-in
without a device hash is only inserted. The caller owns the transaction; a
request's check-in gets one of its own from ``transaction``.

SQLite runs three statements in an immediate transaction, which holds the write
lock from BEGIN (the poster was read under it too). PostgreSQL runs one
statement, in autocommit, that also re-checks the poster and the station the
caller read, so a caller may use what it remembers of them; it raises Stale when
they changed.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NamedTuple, Protocol

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from stationfinder.db import IMMEDIATE
from stationfinder.extensions import db
from stationfinder.models import (
    Checkin,
    DeviceDay,
    DevicePresence,
    Poster,
    Station,
    StationStatus,
    UTCDateTime,
)

_PRESENCE = DevicePresence.__table__
_DAY = DeviceDay.__table__
_CHECKIN = Checkin.__table__
_STATION = Station.__table__
_POSTER = Poster.__table__
# What a check-in reads of its station (and PostgreSQL's statement checks again).
STATION_COLUMNS = ("id", "ref", "name", "region_code", "lat", "lon", "status")
_ADD_COLUMNS = (
    "station_id", "poster_id", "created_at", "local_day", "device_hash",
    "category", "near_station", "unique_mask", "pending",
)  # fmt: skip


class Added(NamedTuple):
    """A check-in just inserted: its id and the unique bits it carries."""

    id: int
    unique_mask: int


class Stale(Exception):
    """The poster or station changed since the caller read them; nothing was written."""


class Writer(Protocol):
    """How one database records a check-in."""

    #: Whether ``claim_and_add`` re-checks the poster and station, so they may be remembered.
    checks_poster: bool

    def transaction(self, engine: Engine) -> Iterator[Connection]:
        """Yield a connection of its own to record one check-in on, committed at the end."""
        ...

    def claim_and_add(
        self, conn: Connection, values: dict, scopes: list[tuple[int, str]], cutoff, station: dict
    ) -> Added | None: ...


_ADD = sa.insert(_CHECKIN).returning(_CHECKIN.c.id)


def _add_plain(conn: Connection, values: dict) -> Added:
    return Added(conn.execute(_ADD, values).scalar_one(), values["unique_mask"])


def _upsert_presence(claim):
    """Return a presence insert that also takes over a presence last counted before ``cutoff``."""
    return claim.on_conflict_do_update(
        index_elements=[_PRESENCE.c.station_id, _PRESENCE.c.device_hash],
        set_={"last_at": claim.excluded.last_at},
        where=_PRESENCE.c.last_at < sa.bindparam("cutoff", type_=UTCDateTime()),
    )


class SQLiteWriter:
    """Three statements in the caller's BEGIN IMMEDIATE transaction: the write lock makes them one."""

    checks_poster = False
    _claim = _upsert_presence(
        sqlite.insert(_PRESENCE).values(
            station_id=sa.bindparam("station_id"),
            device_hash=sa.bindparam("device_hash"),
            last_at=sa.bindparam("created_at", type_=UTCDateTime()),
        )
    ).returning(_PRESENCE.c.station_id)
    # An executemany: Core sends it as one multi-row INSERT … RETURNING (insertmanyvalues).
    _seen = sqlite.insert(_DAY).on_conflict_do_nothing().returning(_DAY.c.scope)

    @contextmanager
    def transaction(self, engine: Engine) -> Iterator[Connection]:
        """Yield a connection whose transaction holds the write lock from BEGIN: writers queue."""
        with engine.connect().execution_options(**IMMEDIATE) as conn, conn.begin():
            yield conn

    def claim_and_add(self, conn, values, scopes, cutoff, station) -> Added | None:
        """Claim the device's presence, mark its scopes and insert the check-in; None inside the window."""
        hashed = values["device_hash"]
        if hashed is None:
            return _add_plain(conn, values)
        claim = {
            "station_id": values["station_id"],
            "device_hash": hashed,
            "created_at": values["created_at"],
        }
        if conn.execute(self._claim, claim | {"cutoff": cutoff}).first() is None:
            return None
        rows = [
            {"local_day": values["local_day"], "scope": scope, "device_hash": hashed} for _, scope in scopes
        ]
        inserted = set(conn.execute(self._seen, rows).scalars())
        mask = sum(bit for bit, scope in scopes if scope in inserted)
        return _add_plain(conn, values | {"unique_mask": mask})


def _guarded_statement() -> sa.Select:
    """Return PostgreSQL's check-in: each step runs only if the one before it found or wrote something.

    A poster retired (past its grace period), or a station changed since the
    caller read it (``live`` empty) returns no row; a device inside its dedupe
    window (no claim) returns a row with a NULL id.
    """
    moment = UTCDateTime()
    live = (
        sa.select(_STATION.c.id)
        .select_from(_POSTER.join(_STATION, _STATION.c.id == _POSTER.c.station_id))
        .where(
            _POSTER.c.id == sa.bindparam("poster_id"),
            sa.or_(
                _POSTER.c.retired_at.is_(None),
                _POSTER.c.retired_at > sa.bindparam("created_at", type_=moment),
            ),
            _STATION.c.status == StationStatus.OPEN.value,
            *(
                _STATION.c[name].is_not_distinct_from(
                    sa.bindparam("was_" + name, type_=_STATION.c[name].type)
                )
                for name in STATION_COLUMNS
                if name != "status"
            ),
        )
        .cte("live")
    )
    station_id = sa.bindparam("station_id", type_=sa.Integer())
    device = sa.bindparam("device_hash", type_=sa.String())
    claim = (
        _upsert_presence(
            postgresql.insert(_PRESENCE).from_select(
                ["station_id", "device_hash", "last_at"],
                sa.select(station_id, device, sa.bindparam("created_at", type_=moment)).where(
                    sa.exists(live.select())
                ),
            )
        )
        .returning(sa.literal(1))
        .cte("claim")
    )
    given = (
        sa.func.unnest(
            sa.bindparam("scopes", type_=postgresql.ARRAY(sa.String())),
            sa.bindparam("bits", type_=postgresql.ARRAY(sa.Integer())),
        )
        .table_valued("scope", "bit")
        .render_derived(name="given")
    )
    seen = (
        postgresql.insert(_DAY)
        .from_select(
            ["local_day", "scope", "device_hash"],
            sa.select(sa.bindparam("local_day", type_=sa.Date()), given.c.scope, device).where(
                sa.exists(claim.select())
            ),
        )
        .on_conflict_do_nothing()
        .returning(_DAY.c.scope)
        .cte("seen")
    )
    mask = sa.select(sa.func.coalesce(sa.func.sum(given.c.bit), 0)).where(
        given.c.scope.in_(sa.select(seen.c.scope))
    )
    row = {name: sa.bindparam(name, type_=_CHECKIN.c[name].type) for name in _ADD_COLUMNS}
    row["unique_mask"] = mask.scalar_subquery()
    added = (
        sa.insert(_CHECKIN)
        .from_select(list(row), sa.select(*row.values()).where(sa.exists(claim.select())))
        .returning(_CHECKIN.c.id, _CHECKIN.c.unique_mask)
        .cte("added")
    )
    return sa.select(added.c.id, added.c.unique_mask).select_from(live.outerjoin(added, sa.true()))


class PostgreSQLWriter:
    """One statement, one round trip: the poster and station check, the claim, the scopes, the row."""

    checks_poster = True
    _statement = _guarded_statement()

    @contextmanager
    def transaction(self, engine: Engine) -> Iterator[Connection]:
        """Yield a connection in autocommit: the check-in is one atomic statement, with no BEGIN or COMMIT."""
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            yield conn

    def claim_and_add(self, conn, values, scopes, cutoff, station) -> Added | None:
        """Check the poster and station, then claim, mark and insert; None inside the window."""
        if values["device_hash"] is None:
            return _add_plain(conn, values)
        params = values | {f"was_{name}": station[name] for name in STATION_COLUMNS if name != "status"}
        params |= {"cutoff": cutoff, "scopes": [s for _, s in scopes], "bits": [b for b, _ in scopes]}
        row = conn.execute(self._statement, params).first()
        if row is None:
            raise Stale()
        return None if row.id is None else Added(row.id, row.unique_mask)


_WRITERS: dict[str, Writer] = {"sqlite": SQLiteWriter(), "postgresql": PostgreSQLWriter()}


def writer(conn: Connection) -> Writer:
    """Return the check-in writer of a connection's database."""
    return _WRITERS[conn.dialect.name]


def transaction(engine: Engine):
    """Return a context manager yielding a connection to record one check-in on, committed at the end."""
    return _WRITERS[engine.dialect.name].transaction(engine)


def begin_write() -> Connection:
    """Return the session's connection in a write transaction; on SQLite holding the write lock.

    So SQLite writers queue: SQLite cannot turn a read into a write while another connection writes. A
    caller already inside a transaction (a script, a test) keeps its own.
    """
    session = db.session()
    if not session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        return session.connection(execution_options=IMMEDIATE)
    return session.connection()
