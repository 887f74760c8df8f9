"""The four words a rider sees for how busy a station is, and the rule that turns riders into one.

Only the word ever leaves the service: a head-count at a named place and time says more about the
riders in it than "busy" does, so it is never shown to the public (PIPL).
"""

import numpy as np

QUIET = "quiet"
BUSY = "busy"
FULL = "full"
UNKNOWN = "unknown"
# A level's code is its position here: snapshots keep one int8 per station.
LEVELS = (QUIET, BUSY, FULL, UNKNOWN)
QUIET_CODE, BUSY_CODE, FULL_CODE, UNKNOWN_CODE = range(len(LEVELS))

# Guizhou's station standard: the capacity of a station whose seats are not known.
DEFAULT_CAPACITY = 5
# Fewer check-ins than this over HISTORY_DAYS is too little data to say anything.
MIN_CHECKINS = 20
HISTORY_DAYS = 30


def capacity(seats: int | None) -> int:
    """Return how many riders a station holds: its seats, or the standard 5 when unknown."""
    # 0 or fewer seats is a data-entry gap, not a station that is full when empty.
    return seats if seats is not None and seats > 0 else DEFAULT_CAPACITY


def level_codes(present: np.ndarray, capacities: np.ndarray) -> np.ndarray:
    """Return the level code of each (riders present, capacity): quiet < 50 % ≤ busy < 100 % ≤ full."""
    # Whole numbers only: 2 × present < capacity is "under half" without rounding doubts.
    codes = np.full(len(present), FULL_CODE, dtype=np.int8)
    codes[present < capacities] = BUSY_CODE
    codes[2 * present < capacities] = QUIET_CODE
    return codes


def level(present: int, seats: int | None) -> str:
    """Return the level of one station with this many riders present and these seats."""
    code = level_codes(np.array([present]), np.array([capacity(seats)]))[0]
    return LEVELS[code]


__all__ = [
    "BUSY", "BUSY_CODE", "DEFAULT_CAPACITY", "FULL", "FULL_CODE", "HISTORY_DAYS", "LEVELS", "MIN_CHECKINS",
    "QUIET", "QUIET_CODE", "UNKNOWN", "UNKNOWN_CODE", "capacity", "level", "level_codes",
]  # fmt: skip
