"""Record, undo and purge check-ins: deduplicated per device and station, counted exactly once.

A device is known only by a keyed hash of its id whose key changes every local
day, so hashes dedupe within a day and cannot link a rider's days together
(``identity``). Each check-in is one write transaction through one path
(``recording``); how each database writes it is behind ``writes``. The row is
stored ``pending`` and ``services.rollups.fold`` counts it into the rollups in a batch. The
caller owns the transaction (``stationfinder.units`` for a request's check-in).
"""

from stationfinder.services.checkins.identity import (
    MAX_DEVICE_ID,
    MAX_ID,
    device_hash,
    local_day,
    normalize_device_id,
    scopes,
    window_start,
    zone,
)
from stationfinder.services.checkins.purging import purge
from stationfinder.services.checkins.recording import NEAR_METRES, near_station, record
from stationfinder.services.checkins.undoing import undo, undo_until

__all__ = [
    "MAX_DEVICE_ID", "MAX_ID", "NEAR_METRES", "device_hash", "local_day", "near_station",
    "normalize_device_id", "purge", "record", "scopes", "undo", "undo_until", "window_start", "zone",
]  # fmt: skip
