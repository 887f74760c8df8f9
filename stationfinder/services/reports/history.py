"""A report's history: the one place where a report is filed or changes.

Filing (``filing``) and every staff change (``workflow``) call ``changed``; issue 13's outbox is
written here, in the same transaction as the change.
"""

from datetime import datetime

from stationfinder.extensions import db
from stationfinder.models import Report, ReportEvent, User, utcnow


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
    return event


__all__ = ["changed"]
