"""Count recorded check-ins into the rollups in batches: off the check-in's path, before every read.

A check-in's own transaction only inserts its row, marked ``pending``. Folding
claims the pending rows, merges their rollup changes (a few hundred check-ins
at the same stations, areas and hours become a few dozen rows) and upserts them,
in one transaction. The worker that records check-ins folds every
``ROLLUP_FOLD_EVERY`` check-ins or ``ROLLUP_FOLD_SECONDS`` seconds, whichever
comes first, and every statistics question folds before it reads, so answers
always count every committed check-in.

One writer at a time changes the rollups: on PostgreSQL a transaction-scoped
advisory lock (folds, undos), on SQLite the database's write lock. So a check-in
is counted exactly once, and an undo knows whether it was counted yet.
"""

import logging
import time

import sqlalchemy as sa
from flask import current_app

from stationfinder.db import IMMEDIATE
from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from stationfinder.services.rollups.counting import Batch
from stationfinder.services.stations.lookup import local_zone

log = logging.getLogger(__name__)

# Any constant. Advisory locks are database-wide, so the second key names the schema: apps (and
# test runs) in other schemas of the same database have rollups of their own and must not wait for,
# or skip a fold because of, each other's.
_LOCK_KEY = 0x5F_F01D
# Rows claimed per transaction, so a long backlog never makes one huge transaction.
CHUNK = 5000
_ANY_PENDING = sa.select(Checkin.id).where(Checkin.pending).limit(1)


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


def _fold_chunk(limit: int) -> int:
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


def fold(*, wait: bool = True) -> int | None:
    """Count every pending check-in into the rollups and commit; return how many were counted.

    It commits, so call it between units of work, never inside one. With
    ``wait=False`` it returns None at once while another worker folds.
    """
    session = db.session()
    # End any open (read) transaction: SQLite cannot turn a stale read into a write.
    if session.in_transaction():
        session.commit()
    # The usual case for a read: nothing pending, so no lock and no write transaction.
    anything = session.scalar(_ANY_PENDING) is not None
    # End this read too: SQLite must take its write lock at BEGIN, not upgrade a read.
    session.commit()
    if not anything:
        _done()
        return 0
    total = 0
    while True:
        if not lock(wait=wait):
            session.rollback()
            return None
        done = _fold_chunk(CHUNK)
        session.commit()
        total += done
        if done < CHUNK:
            _done()
            return total


def _done() -> None:
    state = _state()
    state["since"], state["recorded"] = time.monotonic(), 0


def _state() -> dict:
    state = current_app.extensions.get("stationfinder.fold")
    if state is None:
        state = current_app.extensions["stationfinder.fold"] = {"since": time.monotonic(), "recorded": 0}
    return state


def recorded() -> None:
    """Note a committed check-in and fold if this worker is due; a failed fold only waits for the next.

    Called after the check-in's commit, so a fold that fails cannot lose the
    check-in: its row stays pending and a later fold counts it.
    """
    state = _state()
    state["recorded"] += 1
    config = current_app.config
    due = (
        state["recorded"] >= config["ROLLUP_FOLD_EVERY"]
        or time.monotonic() - state["since"] >= config["ROLLUP_FOLD_SECONDS"]
    )
    if not due:
        return
    try:
        # Busy (another worker folds): still due, so the next check-in here tries again.
        fold(wait=False)
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.warning("folding check-ins into the rollups failed; the next fold retries", exc_info=True)


__all__ = ["CHUNK", "fold", "lock", "recorded"]
