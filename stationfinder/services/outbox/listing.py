"""What staff see of the outbox: messages given up on in their scope, and sending one again."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from stationfinder.extensions import db
from stationfinder.models import OutboxMessage, Report, Webhook, utcnow
from stationfinder.services.accounts import Scope
from stationfinder.services.errors import Conflict, NotFound
from stationfinder.services.regions import codes as regions

PAGE = 100


def _in_scope(scope: Scope):
    if scope.national:
        return sa.true()
    if scope.station_ids is not None or not scope.region:
        return sa.false()
    return regions.clause(Webhook.region_code, scope.region)


def abandoned(scope: Scope, limit: int = PAGE) -> list[OutboxMessage]:
    """Return the newest abandoned messages of the webhooks a scope manages, with webhook and report."""
    return list(
        db.session.scalars(
            sa.select(OutboxMessage)
            .join(Webhook, Webhook.id == OutboxMessage.webhook_id)
            .where(OutboxMessage.status == "abandoned", _in_scope(scope))
            .options(
                joinedload(OutboxMessage.webhook), joinedload(OutboxMessage.report).joinedload(Report.station)
            )
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
            .limit(limit)
        )
    )


def counts(scope: Scope) -> dict[str, int]:
    """Return how many messages of a scope's webhooks are pending, delivered and abandoned."""
    rows = db.session.execute(
        sa.select(OutboxMessage.status, sa.func.count())
        .join(Webhook, Webhook.id == OutboxMessage.webhook_id)
        .where(_in_scope(scope))
        .group_by(OutboxMessage.status)
    )
    return {"pending": 0, "delivered": 0, "abandoned": 0} | dict(rows.all())


def retry(message_id: int, scope: Scope, now: datetime | None = None) -> OutboxMessage:
    """Make an abandoned message due again with a fresh count of tries; NotFound outside the scope."""
    message = db.session.scalar(
        sa.select(OutboxMessage)
        .join(Webhook, Webhook.id == OutboxMessage.webhook_id)
        .where(OutboxMessage.id == message_id, _in_scope(scope))
    )
    if message is None:
        raise NotFound(f"no outbox message {message_id}")
    if message.status != "abandoned":
        raise Conflict("only a message that was given up on can be sent again")
    message.status = "pending"
    message.tries = 0
    message.due_at = now or utcnow()
    message.lease_until = message.lease_token = None
    db.session.flush()
    return message


__all__ = ["PAGE", "abandoned", "counts", "retry"]
