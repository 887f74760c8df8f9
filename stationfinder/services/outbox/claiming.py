"""Hand due outbox messages to workers, one at a time, and record how each try went.

A claim is a short transaction: select the oldest due message that no live lease holds, lock it
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent workers pass over each other's; SQLite
takes its write lock at BEGIN, so claims queue), count the try and lease the message to this
worker. The send happens outside any transaction, and ``finish`` records its result only if the
lease is still this worker's. A worker killed mid-send leaves a lease that runs out, and the next
worker sends the message again: delivery is at least once, and each message carries its id
(``X-Stationfinder-Delivery``) so a receiver can drop a repeat.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import OutboxMessage, Webhook
from stationfinder.models.outbox import MAX_ERROR
from stationfinder.services.checkins.writes import begin_write

# The longest wait between two tries, however many came before.
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Claim:
    """A message leased to this worker, with what sending it needs, read before the claim commits."""

    id: int
    token: str
    tries: int
    payload: str
    webhook: Webhook


def backoff(tries: int, first_seconds: float) -> timedelta:
    """Return the wait after a message's ``tries``-th failed try: the first wait, doubled each time."""
    return min(timedelta(seconds=first_seconds * 2 ** max(tries - 1, 0)), MAX_BACKOFF)


def _due(now: datetime):
    return sa.and_(
        OutboxMessage.status == "pending",
        OutboxMessage.due_at <= now,
        sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until <= now),
    )


def claim_next(now: datetime, lease_seconds: float) -> Claim | None:
    """Lease the oldest due message to this worker and count its try; None when nothing is due."""
    begin_write()
    message_id = db.session.scalar(
        sa.select(OutboxMessage.id)
        .where(_due(now))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if message_id is None:
        return None
    token = secrets.token_hex(16)
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            lease_until=now + timedelta(seconds=lease_seconds),
            lease_token=token,
            tries=OutboxMessage.tries + 1,
        )
    )
    message = db.session.get(OutboxMessage, message_id, populate_existing=True)
    webhook = message.webhook
    # A plain copy: the send runs after the commit, outside any transaction.
    detached = Webhook(
        id=webhook.id,
        region_code=webhook.region_code,
        url=webhook.url,
        format=webhook.format,
        secret=webhook.secret,
        allow_private=webhook.allow_private,
    )
    return Claim(id=message.id, token=token, tries=message.tries, payload=message.payload, webhook=detached)


def finish(
    claim: Claim,
    *,
    ok: bool,
    status: int | None,
    error: str,
    now: datetime,
    max_tries: int,
    first_retry_seconds: float,
) -> str | None:
    """Record a try's result; return the message's new status, or None if its lease was lost."""
    values: dict = {
        "lease_until": None,
        "lease_token": None,
        "last_status": status,
        "last_error": error[:MAX_ERROR],
    }
    if ok:
        values |= {"status": "delivered", "delivered_at": now}
    elif claim.tries >= max_tries:
        values["status"] = "abandoned"
    else:
        values |= {"status": "pending", "due_at": now + backoff(claim.tries, first_retry_seconds)}
    begin_write()
    done = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == claim.id, OutboxMessage.lease_token == claim.token)
        .values(**values)
    )
    return values["status"] if done.rowcount == 1 else None


def pending_count(now: datetime | None = None) -> int:
    """Return how many messages wait to be sent (due by ``now`` when given)."""
    query = sa.select(sa.func.count()).select_from(OutboxMessage)
    query = query.where(_due(now) if now is not None else OutboxMessage.status == "pending")
    return db.session.scalar(query)


__all__ = ["MAX_BACKOFF", "Claim", "backoff", "claim_next", "finish", "pending_count"]
