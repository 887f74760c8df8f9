"""A report's history: the one place where a report is filed or changes.

Filing (``filing``) and every staff change (``workflow``) call ``changed``. A filing or a change
of state also writes its notifications into the outbox here, in the same transaction, so a
crash loses neither the change nor the message that tells of it.
"""

from datetime import datetime

from stationfinder.extensions import db
from stationfinder.models import Report, ReportEvent, User, utcnow
from stationfinder.services.outbox import writing as outbox


def changed(
    report: Report,
    from_status: str | None,
    *,
    user: User | None = None,
    note: str = "",
    public: bool = False,
    at: datetime | None = None,
) -> ReportEvent:
    """Record that a report was filed (``from_status`` None) or changed to its current status.

    ``from_status == report.status`` records a note alone (a staff comment, a rider's "me too" text).
    """
    event = ReportEvent(
        report_id=report.id,
        at=at or utcnow(),
        user_id=user.id if user is not None else None,
        from_status=from_status,
        to_status=report.status,
        note=note,
        public=public,
    )
    db.session.add(event)
    db.session.flush()
    if from_status is None or from_status != report.status:
        event_name = "report.filed" if from_status is None else "report.changed"
        outbox.enqueue(report, event_name, note=note if public else "", at=event.at)
    return event


__all__ = ["changed"]
