"""Which check-in confirmation a rider may see again: their own, and only for a short while.

After the tap the page redirects to a confirmation URL (POST-redirect-GET), so a reload,
the back button or a language switch shows the confirmation rather than sending the tap
again. Nothing new is stored: a device proves a check-in is its own through the daily
hash already kept with it, and an anonymous check-in (no device cookie) through a signed,
short-lived ticket in its URL.
"""

import hmac
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from stationfinder.extensions import db
from stationfinder.models import Checkin, utcnow
from stationfinder.services.checkins import MAX_ID, device_hash, normalize_device_id
from stationfinder.services.errors import InvalidInput

_TICKET_SALT = "stationfinder/checkin-receipt"


def shown_until(checkin: Checkin) -> datetime:
    """Return until when a check-in's confirmation can be opened again.

    The longer of the undo and the dedupe window: within the dedupe window a second tap would
    answer this same check-in anyway, so the confirmation tells nothing a tap would not.
    """
    config = current_app.config
    minutes = max(config["CHECKIN_UNDO_MINUTES"], config["CHECKIN_DEDUPE_MINUTES"])
    return checkin.created_at + timedelta(minutes=minutes)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_TICKET_SALT)


def ticket(checkin: Checkin) -> str:
    """Return the signed value that lets an anonymous check-in's confirmation open again."""
    return _serializer().dumps(checkin.id)


def _device_owns(checkin: Checkin, device_id: str | None) -> bool:
    try:
        device_id = normalize_device_id(device_id)
    except InvalidInput:
        return False
    if not device_id or checkin.device_hash is None:
        return False
    return hmac.compare_digest(device_hash(device_id, checkin.local_day), checkin.device_hash)


def _ticket_names(checkin: Checkin, value: str | None) -> bool:
    if not value or checkin.device_hash is not None:
        return False
    window = (shown_until(checkin) - checkin.created_at).total_seconds()
    try:
        return _serializer().loads(value, max_age=window) == checkin.id
    except BadSignature:  # also SignatureExpired
        return False


def receipt(
    checkin_id: int,
    station_id: int,
    device_id: str | None,
    ticket_value: str | None = None,
    now: datetime | None = None,
) -> Checkin | None:
    """Return the recent check-in at a station if the asking device (or ticket) made it, else None."""
    if not 0 < checkin_id <= MAX_ID:
        return None
    checkin = db.session.get(Checkin, checkin_id)
    if checkin is None or checkin.station_id != station_id:
        return None
    if (now or utcnow()) >= shown_until(checkin):
        return None
    if _device_owns(checkin, device_id) or _ticket_names(checkin, ticket_value):
        return checkin
    return None


__all__ = ["receipt", "shown_until", "ticket"]
