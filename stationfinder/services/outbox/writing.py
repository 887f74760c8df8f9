"""Write a report's notifications into the outbox, in the transaction of the change itself."""

from datetime import datetime

import orjson
from flask import current_app

from stationfinder.extensions import db
from stationfinder.models import OutboxMessage, Report
from stationfinder.services.webhooks import messages, registry


def enqueue(report: Report, event: str, *, note: str = "", at: datetime) -> int:
    """Add one message per webhook of the report's regions, due at once; return how many."""
    base_url = current_app.config["PUBLIC_BASE_URL"]
    hooks = registry.for_region(report.region_code)
    for webhook in hooks:
        message = messages.build(webhook, report, event, note=note, base_url=base_url)
        db.session.add(
            OutboxMessage(
                webhook_id=webhook.id,
                report_id=report.id,
                event=event,
                payload=orjson.dumps(message).decode(),
                status="pending",
                tries=0,
                due_at=at,
                created_at=at,
            )
        )
    if hooks:
        db.session.flush()
    return len(hooks)


__all__ = ["enqueue"]
