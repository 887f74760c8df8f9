"""Who a check-in is from and where it counts: the device's daily hash, its scopes, its dedupe window."""

import functools
import hashlib
import hmac
import unicodedata
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from stationfinder.services.errors import InvalidInput
from stationfinder.services.regions import codes as regions
from stationfinder.services.rollups import counting as rollups

MAX_DEVICE_ID = 128
MAX_ID = 2**31 - 1  # Larger numbers cannot name a row, and overflow the drivers' integer binding.


@functools.lru_cache(maxsize=16)
def _day_key(secret: str, day: date) -> bytes:
    label = b"stationfinder/device-day/" + day.isoformat().encode()
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


def device_hash(device_id: str, day: date, secret: str | None = None) -> str:
    """Return the keyed hash standing for a device on one local day."""
    key = _day_key(secret or current_app.config["SECRET_KEY"], day)
    return hmac.new(key, device_id.encode(), hashlib.sha256).hexdigest()


def zone() -> ZoneInfo:
    """Return the configured local time zone."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_day(moment: datetime) -> date:
    """Return the local calendar day of an aware moment."""
    return moment.astimezone(zone()).date()


def normalize_device_id(device_id: str | None) -> str | None:
    """Return the one spelling of a device id that is hashed; raise InvalidInput for an unusable id.

    Ids differing only by case, surrounding space or fullwidth forms are one device:
    otherwise a client could count itself many times over by respelling its id.
    """
    if device_id is None:
        return None
    if not isinstance(device_id, str):
        raise InvalidInput("device_id must be text")
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", device_id).casefold()).strip()
    if not (1 <= len(folded) <= MAX_DEVICE_ID and folded.isprintable()):
        raise InvalidInput(f"device_id must be 1-{MAX_DEVICE_ID} printable characters, not only spaces")
    return folded


# The DeviceDay scope of each area level: a level letter, so no two levels ever share a scope.
_SCOPE = {"county": "d:", "city": "c:", "province": "p:"}


def scopes(station_id: int, region_code: str | None) -> list[tuple[int, str]]:
    """Return (unique bit, DeviceDay scope) pairs of a station: itself, then its areas up to the country.

    The areas are the ones its check-ins count in (``regions.ancestors``): a station
    with a city's code (520500) has a city and a province scope, and no county one.
    """
    out = [(rollups.UNIQUE_STATION, f"s:{station_id}")]
    for area in reversed(regions.ancestors(region_code)):
        scope = "*" if area.level == "national" else _SCOPE[area.level] + area.code
        out.append((rollups.LEVEL_BIT[area.level], scope))
    return out


def window_start(now: datetime) -> datetime:
    """Return the start of the dedupe window that ends now."""
    return now - timedelta(minutes=current_app.config["CHECKIN_DEDUPE_MINUTES"])


def window_hashes(device_id: str, now: datetime) -> list[str]:
    """Return the device's hashes in the dedupe window ending now: today's, and yesterday's after midnight.

    The key changes at local midnight, so just after it the same device has two hashes in the window.
    """
    day = local_day(now)
    hashes = [device_hash(device_id, day)]
    if window_start(now) < datetime.combine(day, time.min, tzinfo=zone()):
        hashes.append(device_hash(device_id, day - timedelta(days=1)))
    return hashes


__all__ = [
    "MAX_DEVICE_ID", "MAX_ID", "device_hash", "local_day", "normalize_device_id", "scopes", "window_hashes",
    "window_start", "zone",
]  # fmt: skip
