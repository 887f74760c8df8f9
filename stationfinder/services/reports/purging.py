"""Forget what identifies a place or a rider in old closed reports; the tickets and their counts stay."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report, ReportConfirmation, ReportPhoto, utcnow
from stationfinder.services.checkins.writes import begin_write
from stationfinder.services.errors import InvalidInput


def purge(closed_older_than_days: int, now: datetime | None = None) -> dict[str, int]:
    """Remove photos, exact positions and device hashes of reports closed more than a number of days ago.

    The reports, their categories, regions, confirmation counts and histories stay. The caller commits.
    """
    if not isinstance(closed_older_than_days, int) or closed_older_than_days < 1:
        raise InvalidInput("--closed-older-than must be at least 1 day")
    cutoff = (now or utcnow()) - timedelta(days=closed_older_than_days)
    begin_write()
    old = sa.select(Report.id).where(Report.closed_at < cutoff)
    removed = {
        "photos": db.session.execute(sa.delete(ReportPhoto).where(ReportPhoto.report_id.in_(old))).rowcount,
        "positions": db.session.execute(
            sa.update(Report)
            .where(Report.closed_at < cutoff, sa.or_(Report.lat.is_not(None), Report.lon.is_not(None)))
            # Forgetting is not a change riders or staff should see: updated_at stays.
            .values(lat=None, lon=None, updated_at=Report.updated_at)
        ).rowcount,
        "devices": db.session.execute(
            sa.delete(ReportConfirmation).where(ReportConfirmation.report_id.in_(old))
        ).rowcount,
    }
    db.session.execute(
        sa.update(Report)
        .where(Report.closed_at < cutoff, Report.device_hash.is_not(None))
        .values(device_hash=None, updated_at=Report.updated_at)
    )
    db.session.flush()
    return removed


__all__ = ["purge"]
