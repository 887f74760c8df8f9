"""Count pending check-ins into the rollups, one chunk at a time; the caller commits each chunk.

A check-in's own transaction only inserts its row, marked ``pending``.
``fold_chunk`` claims up to a chunk of pending rows, merges their rollup changes
(a few hundred check-ins at the same stations, areas and hours become a few
dozen rows) and upserts them, all in the caller's transaction. When to fold,
and the commit after each chunk, belong to the transaction owners
(``stationfinder.units``): a worker every ``ROLLUP_FOLD_EVERY`` check-ins or
``ROLLUP_FOLD_SECONDS`` seconds, the statistics views before they read, and
``flask rollups fold``.

One writer at a time changes the rollups (``lock``): on PostgreSQL a
transaction-scoped advisory lock (folds, undos), on SQLite the database's write
lock. So a check-in is counted exactly once, and an undo knows whether it was
counted yet.
"""

import sqlalchemy as sa

from stationfinder.db import IMMEDIATE
from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from stationfinder.services.rollups.counting import Batch
from stationfinder.services.stations.lookup import local_zone

# Any constant. Advisory locks are database-wide, so the second key names the schema: apps (and
# test runs) in other schemas of the same database have rollups of their own and must not wait for,
# or skip a fold because of, each other's.
_LOCK_KEY = 0x5F_F01D
# Rows claimed per transaction, so a long backlog never makes one huge transaction.
CHUNK = 5000
_ANY_PENDING = sa.select(Checkin.id).where(Checkin.pending).limit(1)


def any_pending() -> bool:
    """Return whether any check-in waits to be counted; a read that takes no lock."""
    return db.session.scalar(_ANY_PENDING) is not None


def lock(*, wait: bool = True) -> bool:
    """Become the one rollup writer for the session's transaction; False if busy and not waiting.

    On SQLite the transaction must not have started yet (it begins here, with the write lock).
    """
    session = db.session()
    if session.get_bind().dialect.name != "postgresql":
        if not session.in_transaction():
            session.connection(execution_options=IMMEDIATE)
        return True
    function = sa.func.pg_advisory_xact_lock if wait else sa.func.pg_try_advisory_xact_lock
    got = session.execute(sa.select(function(_LOCK_KEY, sa.func.hashtext(sa.func.current_schema())))).scalar()
    return wait or bool(got)


def _claim(limit: int) -> list:
    table = Checkin.__table__
    pending = sa.select(table.c.id).where(table.c.pending).order_by(table.c.id).limit(limit)
    return db.session.execute(
        sa.update(table)
        .where(table.c.id.in_(pending.scalar_subquery()))
        .values(pending=False)
        .returning(
            table.c.station_id, table.c.created_at, table.c.local_day, table.c.category, table.c.unique_mask
        )
    ).all()


def fold_chunk(limit: int = CHUNK) -> int:
    """Count up to ``limit`` pending check-ins into the rollups in the session's transaction; return how many.

    Call it holding ``lock``; fewer than ``limit`` means nothing was left pending.
    """
    rows = _claim(limit)
    if not rows:
        return 0
    ids = sorted({row.station_id for row in rows})
    regions = dict(
        db.session.execute(sa.select(Station.id, Station.region_code).where(Station.id.in_(ids))).all()
    )
    zone = local_zone()
    batch = Batch()
    for row in rows:
        batch.count(
            station_id=row.station_id,
            region=regions.get(row.station_id),
            created_at=row.created_at,
            local_day=row.local_day,
            category=row.category,
            mask=row.unique_mask or 0,
            sign=1,
            tz=zone,
        )
    batch.write()
    return len(rows)


__all__ = ["CHUNK", "any_pending", "fold_chunk", "lock"]
