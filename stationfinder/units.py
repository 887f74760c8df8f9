"""Units of work that own their transaction: what views and CLI commands call to write and commit.

Services flush and never commit (``services/__init__.py``). The few sequences
that must commit part way, or write in a transaction of their own, live here,
once, for every view and command that needs them:

- ``check_in``: record a check-in in its own transaction, commit it, and fold
  this worker's check-ins when they are due;
- ``fold``: count every pending check-in into the rollups, committing chunk by
  chunk. The statistics views call it before they read, so an answer counts
  every committed check-in; ``flask rollups fold`` calls it for a timer or worker;
- ``deliver``: send the outbox's due messages to their webhooks, each claimed in
  a transaction, sent outside any, and its result committed after;
- ``flush_demand``: write this worker's tally of riders' searches and commit it.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime

import orjson
import sqlalchemy as sa
from flask import current_app

from stationfinder.extensions import db
from stationfinder.models import Checkin, utcnow
from stationfinder.services import checkins
from stationfinder.services.checkins.writes import transaction
from stationfinder.services.outbox import claiming
from stationfinder.services.planning import demand
from stationfinder.services.rollups import fold as rollup_fold
from stationfinder.services.webhooks import messages, sending

log = logging.getLogger(__name__)
_CADENCE = "stationfinder.fold"


@dataclass
class _Cadence:
    """This worker's check-ins since its last fold, and when that fold ended."""

    since: float = field(default_factory=time.monotonic)
    recorded: int = 0

    def restart(self) -> None:
        self.since, self.recorded = time.monotonic(), 0


def _cadence() -> _Cadence:
    cadence = current_app.extensions.get(_CADENCE)
    if cadence is None:
        cadence = current_app.extensions[_CADENCE] = _Cadence()
    return cadence


def check_in(
    token: str,
    device_id: str | None,
    category: str | None,
    near: tuple[float, float] | None = None,
    now: datetime | None = None,
) -> tuple[Checkin, bool]:
    """Record a check-in as ``checkins.record`` does, commit it and fold if this worker is due.

    Outside a session transaction (a request) it writes in a transaction of its
    own, as the database's writer begins it: on SQLite with the write lock, on
    PostgreSQL one statement in autocommit. Inside one (a script, a test) it
    records there and commits the session.
    """
    if db.session().in_transaction():
        checkin, duplicate = checkins.record(token, device_id, category, near=near, now=now)
        db.session.commit()
    else:
        with transaction(db.engine) as conn:
            checkin, duplicate = checkins.record(token, device_id, category, near=near, now=now, conn=conn)
    if not duplicate:
        _recorded()
    return checkin, duplicate


def _recorded() -> None:
    """Note a committed check-in and fold if this worker is due; a failed fold only waits for the next.

    Called after the check-in's commit, so a fold that fails cannot lose the
    check-in: its row stays pending and a later fold counts it.
    """
    cadence = _cadence()
    cadence.recorded += 1
    config = current_app.config
    due = (
        cadence.recorded >= config["ROLLUP_FOLD_EVERY"]
        or time.monotonic() - cadence.since >= config["ROLLUP_FOLD_SECONDS"]
    )
    if not due:
        return
    try:
        # Busy (another worker folds): still due, so the next check-in here tries again.
        fold(wait=False)
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        log.warning("folding check-ins into the rollups failed; the next fold retries", exc_info=True)


def fold(*, wait: bool = True) -> int | None:
    """Count every pending check-in into the rollups, committing each chunk; return how many.

    It commits the session's open transaction first, so call it between units
    of work, never inside one. With ``wait=False`` it returns None at once while
    another worker folds.
    """
    session = db.session()
    # End any open (read) transaction: SQLite cannot turn a stale read into a write.
    if session.in_transaction():
        session.commit()
    # The usual case for a read: nothing pending, so no lock and no write transaction.
    anything = rollup_fold.any_pending()
    # End this read too: SQLite must take its write lock at BEGIN, not upgrade a read.
    session.commit()
    total = 0
    while anything:
        if not rollup_fold.lock(wait=wait):
            session.rollback()
            return None
        done = rollup_fold.fold_chunk(rollup_fold.CHUNK)
        session.commit()
        total += done
        anything = done == rollup_fold.CHUNK
    _cadence().restart()
    return total


@dataclass
class Delivered:
    """What one ``deliver`` run did."""

    sent: int = 0
    failed: int = 0
    abandoned: int = 0

    @property
    def tried(self) -> int:
        return self.sent + self.failed + self.abandoned


def deliver(*, now: datetime | None = None, limit: int | None = None, resolve=None) -> Delivered:
    """Send every message due now (at most ``limit``) and record each result; return the counts.

    ``now`` fixes the clock (tests); otherwise each claim and result reads it afresh. A message
    that fails is due again later, so one run never sends the same message twice.
    """
    config = current_app.config
    done = Delivered()
    session = db.session()
    if session.in_transaction():
        session.commit()
    while limit is None or done.tried < limit:
        claim = claiming.claim_next(now or utcnow(), config["OUTBOX_LEASE_SECONDS"])
        session.commit()
        if claim is None:
            break
        ok, status, error = _send(claim, resolve, config)
        outcome = claiming.finish(
            claim,
            ok=ok,
            status=status,
            error=error,
            now=now or utcnow(),
            max_tries=config["OUTBOX_MAX_TRIES"],
            first_retry_seconds=config["OUTBOX_RETRY_SECONDS"],
        )
        session.commit()
        if outcome is None:
            log.warning(
                "outbox message %s: the lease ran out during the send; its next claim sends it", claim.id
            )
        done.sent += outcome == "delivered"
        done.failed += outcome == "pending"
        done.abandoned += outcome == "abandoned"
    return done


def _send(claim: claiming.Claim, resolve, config) -> tuple[bool, int | None, str]:
    """Send one claimed message; return (accepted, HTTP status, why not)."""
    webhook = claim.webhook
    body, headers = messages.wire(
        webhook, orjson.loads(claim.payload), timestamp=int(time.time()), delivery_id=claim.id
    )
    result = sending.post(
        webhook.url,
        body,
        headers,
        allow_private=webhook.allow_private,
        allow_http=config["APP_ENV"] != "production",
        timeout=config["OUTBOX_TIMEOUT_SECONDS"],
        resolve=resolve,
    )
    if result.status is None:
        return False, None, result.error
    ok, why = messages.accepted(webhook, result.status, result.body)
    return ok, result.status, why


def flush_demand() -> int:
    """Write this worker's tally of searches and commit; on failure keep it for the next flush."""
    session = db.session()
    if session.in_transaction():
        session.commit()
    counts = demand.tally().take()
    try:
        written = demand.flush(counts)
        session.commit()
    except sa.exc.SQLAlchemyError:
        session.rollback()
        demand.tally().give_back(counts)
        log.warning("writing the search tally failed; the next flush retries", exc_info=True)
        return 0
    return written


__all__ = ["Delivered", "check_in", "deliver", "flush_demand", "fold"]
