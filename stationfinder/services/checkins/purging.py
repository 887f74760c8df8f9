"""Forget raw check-ins and device rows once they are old; the rollups keep counting them."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Checkin, DeviceDay, DevicePresence, utcnow
from stationfinder.services.checkins.identity import local_day, window_start
from stationfinder.services.checkins.writes import begin_write
from stationfinder.services.errors import InvalidInput


def purge(older_than_days: int, now: datetime | None = None) -> dict[str, int]:
    """Delete raw check-ins and device rows older than a number of days; rollups stay; the caller commits.

    Pending check-ins stay until counted: fold first (``units.fold``) to let them go too.
    """
    if not isinstance(older_than_days, int) or older_than_days < 1:
        raise InvalidInput("--older-than must be at least 1 day")
    now = now or utcnow()
    cutoff = now - timedelta(days=older_than_days)
    # Never forget a presence still inside the dedupe window, whatever the window is set to.
    presence_cutoff = min(cutoff, window_start(now))
    begin_write()
    # Only counted rows go: the rollups must hold what the raw rows no longer do.
    counted = Checkin.pending.is_(False)
    removed = {
        "checkins": db.session.execute(
            sa.delete(Checkin).where(Checkin.created_at < cutoff, counted)
        ).rowcount,
        "device_days": db.session.execute(
            sa.delete(DeviceDay).where(DeviceDay.local_day < local_day(cutoff))
        ).rowcount,
        "device_presence": db.session.execute(
            sa.delete(DevicePresence).where(DevicePresence.last_at < presence_cutoff)
        ).rowcount,
    }
    db.session.flush()
    return removed


__all__ = ["purge"]
