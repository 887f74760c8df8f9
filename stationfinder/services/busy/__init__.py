"""Busy now: whether a station is quiet, busy or full, from its riders' recent check-ins.

Riders present are the de-duplicated check-ins of the last ``DWELL_MINUTES`` (``counting``), set
against the station's seats or the standard capacity of 5 (``levels``); a station with fewer than
20 check-ins in 30 days is ``unknown``. Each worker keeps a snapshot at most 30 s old
(``snapshot``), so the nearest search reads levels from memory.
"""

from stationfinder.services.busy.levels import BUSY, FULL, LEVELS, QUIET, UNKNOWN
from stationfinder.services.busy.snapshot import CACHE, RowLevels, Snapshot, annotate, current

# The nearest search's filter: leave out the stations that are full now.
NOT_FULL = "not_full"

__all__ = [
    "BUSY", "CACHE", "FULL", "LEVELS", "NOT_FULL", "QUIET", "UNKNOWN", "RowLevels", "Snapshot", "annotate",
    "current",
]  # fmt: skip
