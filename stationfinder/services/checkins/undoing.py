"""Undo a device's own recent check-in and take it out of every count."""

import hmac
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from stationfinder.extensions import db
from stationfinder.models import Checkin, DeviceDay, DevicePresence, Station, utcnow
from stationfinder.services.checkins.identity import MAX_ID, device_hash, normalize_device_id, scopes
from stationfinder.services.errors import Forbidden, Gone, NotFound
from stationfinder.services.rollups import counting as rollups
from stationfinder.services.rollups import fold


def undo_until(checkin: Checkin) -> datetime:
    """Return until when a check-in may be undone."""
    return checkin.created_at + timedelta(minutes=current_app.config["CHECKIN_UNDO_MINUTES"])


def undo(checkin_id: int, device_id: str | None, now: datetime | None = None) -> Checkin:
    """Delete a device's own recent check-in and take it out of every count; the caller commits.

    Raises NotFound for an unknown id, Forbidden when another (or no) device
    asks, Gone once CHECKIN_UNDO_MINUTES have passed.
    """
    device_id = normalize_device_id(device_id)
    if not 0 < checkin_id <= MAX_ID:
        raise NotFound("no such check-in")
    # Folds wait for this undo, so whether the check-in was counted yet cannot change under it.
    fold.lock()
    checkin = db.session.get(Checkin, checkin_id, populate_existing=True)
    if checkin is None:
        raise NotFound("no such check-in")
    if (
        not device_id
        or checkin.device_hash is None
        or not hmac.compare_digest(device_hash(device_id, checkin.local_day), checkin.device_hash)
    ):
        raise Forbidden("only the device that checked in can undo it")
    if (now or utcnow()) > undo_until(checkin):
        raise Gone("this check-in can no longer be undone")
    station = db.session.get(Station, checkin.station_id)
    if not checkin.pending:
        rollups.apply(checkin, -1)
    db.session.execute(
        sa.delete(DevicePresence).where(
            DevicePresence.station_id == checkin.station_id,
            DevicePresence.device_hash == checkin.device_hash,
            DevicePresence.last_at == checkin.created_at,
        )
    )
    if checkin.unique_mask:
        _hand_on_unique_bits(checkin, station)
    db.session.delete(checkin)
    db.session.flush()
    return checkin


def _hand_on_unique_bits(checkin: Checkin, station: Station) -> None:
    """Give each unique bit of an undone check-in to the device's next one in that scope, or forget it."""
    later = db.session.execute(
        sa.select(Checkin, Station.region_code)
        .join(Station, Station.id == Checkin.station_id)
        .where(
            Checkin.device_hash == checkin.device_hash,
            Checkin.created_at >= checkin.created_at,
            Checkin.id != checkin.id,
        )
        .order_by(Checkin.created_at, Checkin.id)
        .execution_options(populate_existing=True)
    ).all()
    for bit, scope in scopes(station.id, station.region_code):
        if not checkin.unique_mask & bit:
            continue
        heir = next((c for c, code in later if scope in {s for _, s in scopes(c.station_id, code)}), None)
        if heir is None:
            db.session.execute(
                sa.delete(DeviceDay).where(
                    DeviceDay.local_day == checkin.local_day,
                    DeviceDay.scope == scope,
                    DeviceDay.device_hash == checkin.device_hash,
                )
            )
            continue
        if heir.pending:
            # Not counted yet: the fold will count it with its new bit.
            heir.unique_mask |= bit
            db.session.flush()
            continue
        rollups.apply(heir, -1)
        heir.unique_mask |= bit
        db.session.flush()
        rollups.apply(heir, +1)


__all__ = ["undo", "undo_until"]
