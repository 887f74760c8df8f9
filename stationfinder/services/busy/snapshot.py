"""Each worker's busy-now snapshot: a level per station with enough data, at most 30 seconds old.

A request never queries for it. A served worker's keeper thread renews it 5 s before it turns 30 s
old, so a worker reads about twice a minute, two reads each, however many riders search, and no
rider waits for those reads (at national scale on PostgreSQL they took up to a second). Without a
keeper (test apps), or if it falls behind, the first request to find the snapshot 30 s old renews it
while the others keep answering from the previous one. The snapshot keeps only stations with enough
data, as sorted ids and one int8 level each; any other station is ``unknown``.

One way in every configuration: a Redis copy shared by the workers (``REDIS_URL``) would save each
worker two small reads per 30 s, and would add a second path to keep right.

The check-ins of the 29 days before today change only when a late fold or an undo lands near
midnight, so they are read once per local day; today's, and the riders present, at each refresh.
"""

import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import NamedTuple

import numpy as np
import sqlalchemy as sa
from flask import Flask, current_app

from stationfinder.caching import WorkerCache
from stationfinder.extensions import db
from stationfinder.models import StationStatus, utcnow
from stationfinder.services.busy import counting
from stationfinder.services.busy.levels import (
    FULL_CODE,
    HISTORY_DAYS,
    LEVELS,
    MIN_CHECKINS,
    UNKNOWN,
    UNKNOWN_CODE,
    capacity,
    level_codes,
)
from stationfinder.services.stations.lookup import local_zone

REFRESH_SECONDS = 30.0
_REFRESH = timedelta(seconds=REFRESH_SECONDS)
# The keeper renews the snapshot this much before it expires (more than the reads take), looking at
# its age every KEEPER_TICK_SECONDS.
RENEW_AHEAD_SECONDS = 5.0
_RENEW_AT = timedelta(seconds=REFRESH_SECONDS - RENEW_AHEAD_SECONDS)
KEEPER_TICK_SECONDS = 1.0
_NO_TIME = timedelta(0)
# Never invalidated by the stations dataset version (refresh_seconds=None): the snapshot ages by the
# clock instead, and each refresh reads the seats afresh.
CACHE = WorkerCache("busy", maxsize=1, refresh_seconds=None)
_OPEN = StationStatus.OPEN.value
_EMPTY = np.zeros(0, dtype=np.int64)

log = logging.getLogger(__name__)


class RowLevels(NamedTuple):
    """A snapshot's levels laid over one nearest index's rows."""

    codes: np.ndarray  # int8 level code per row
    full: np.ndarray | None  # True for the rows that are full; None when none is


def _find(sorted_ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (positions, found) of ``wanted`` ids in ``sorted_ids``; a position counts only where found."""
    pos = np.searchsorted(sorted_ids, wanted)
    found = np.zeros(len(wanted), dtype=bool)
    inside = pos < len(sorted_ids)
    found[inside] = sorted_ids[pos[inside]] == wanted[inside]
    return pos, found


class Snapshot:
    """The levels at one moment: ``ids`` (sorted) of the stations with enough data, and their codes."""

    def __init__(self, at: datetime, ids: np.ndarray = _EMPTY, codes: np.ndarray | None = None):
        self.at = at
        self.ids = ids
        self.codes = np.zeros(len(ids), dtype=np.int8) if codes is None else codes
        # (a nearest index's ids array, its RowLevels): a request must not rebuild them. Keyed by the
        # ids array, not the index, so a replaced index does not stay in memory for the snapshot's sake.
        self._rows: tuple[np.ndarray, RowLevels] | None = None

    def fresh(self, now: datetime) -> bool:
        """Return whether the snapshot may still answer at ``now``."""
        return _NO_TIME <= now - self.at < _REFRESH

    def level(self, station_id: int, status: str) -> str:
        """Return a station's level; a station that is not open has none to tell (``unknown``)."""
        return self.levels([station_id], [status])[0]

    def levels(self, station_ids: list[int], statuses: list[str]) -> list[str]:
        """Return the level of each station (by id and status), looked up together."""
        pos, found = _find(self.ids, np.array(station_ids, dtype=np.int64))
        codes = np.full(len(pos), UNKNOWN_CODE, dtype=np.int8)
        codes[found] = self.codes[pos[found]]
        return [
            LEVELS[code] if status == _OPEN else UNKNOWN
            for code, status in zip(codes.tolist(), statuses, strict=True)
        ]

    def for_index(self, index) -> RowLevels:
        """Return the levels over a nearest index's rows (``ids`` ascending, ``is_open_status``), kept."""
        kept = self._rows
        if kept is not None and kept[0] is index.ids:
            return kept[1]
        codes = np.full(len(index.ids), UNKNOWN_CODE, dtype=np.int8)
        pos, found = _find(index.ids, self.ids)
        codes[pos[found]] = self.codes[found]
        codes[~index.is_open_status] = UNKNOWN_CODE
        full = codes == FULL_CODE
        rows = RowLevels(codes, full if full.any() else None)
        self._rows = (index.ids, rows)
        return rows


@dataclass(frozen=True)
class _Earlier:
    """Check-ins per station over the days before ``today`` that count towards its 30 days."""

    today: date
    ids: np.ndarray
    counts: np.ndarray


class _Board:
    """One app's current snapshot, and the one thread at a time that refreshes it."""

    def __init__(self):
        self.snapshot: Snapshot | None = None
        self.earlier: _Earlier | None = None
        self._lock = threading.Lock()
        self.keeper: threading.Thread | None = None
        self.stop = threading.Event()
        # Not the refresh lock: a request starting the keeper must not wait for a refresh.
        self._keeper_lock = threading.Lock()

    def current(self, now: datetime) -> Snapshot:
        """Return a snapshot fresh at ``now``, or the previous one while another thread refreshes it."""
        snapshot = self.snapshot
        if snapshot is not None and snapshot.fresh(now):
            return snapshot
        if not self._lock.acquire(blocking=snapshot is None):
            return snapshot
        try:
            snapshot = self.snapshot
            if snapshot is None or not snapshot.fresh(now):
                snapshot = self.snapshot = self._take(now)
            return snapshot
        finally:
            self._lock.release()

    def renew(self, now: datetime) -> None:
        """Take a new snapshot when the current one is near its end (the keeper's step)."""
        snapshot = self.snapshot
        if snapshot is not None and _NO_TIME <= now - snapshot.at < _RENEW_AT:
            return
        # A request renewing it already is as good.
        if self._lock.acquire(blocking=False):
            try:
                self.snapshot = self._take(now)
            finally:
                self._lock.release()

    def start_keeper(self, app: Flask) -> None:
        """Start this worker's keeper thread (once)."""
        with self._keeper_lock:
            if self.keeper is not None:
                return
            self.keeper = threading.Thread(target=_keep, args=(app, self), name="busy-now", daemon=True)
        self.keeper.start()

    def _take(self, now: datetime) -> Snapshot:
        try:
            with db.engine.connect() as conn:
                return self._read(conn, now)
        except sa.exc.SQLAlchemyError:
            # Busy-now is an extra: the search answers without it (every station "unknown") until the
            # next refresh tries again, rather than fail or show levels from an old window.
            log.warning(
                "reading the busy-now snapshot failed; levels are unknown until the next try", exc_info=True
            )
            return Snapshot(now)

    def _read(self, conn, now: datetime) -> Snapshot:
        today = now.astimezone(local_zone()).date()
        earlier = self.earlier
        if earlier is None or earlier.today != today:
            first = today - timedelta(days=HISTORY_DAYS - 1)
            earlier = _Earlier(today, *counting.checkins_per_station(conn, first, today - timedelta(days=1)))
        today_ids, today_counts = counting.checkins_per_station(conn, today, today)
        since = now - timedelta(minutes=current_app.config["DWELL_MINUTES"])
        present_ids, present, seats = counting.riders_present(conn, since, now)
        self.earlier = earlier
        return build(now, earlier, (today_ids, today_counts), (present_ids, present, seats))


def _keep(app: Flask, board: _Board) -> None:
    while not board.stop.wait(KEEPER_TICK_SECONDS):
        try:
            with app.app_context():
                board.renew(utcnow())
        except Exception:
            # The keeper only saves riders a wait: requests renew the snapshot themselves meanwhile.
            log.exception("the busy-now keeper failed to renew the snapshot; it tries again")


def build(now: datetime, earlier: _Earlier, today: tuple, present: tuple) -> Snapshot:
    """Return the snapshot of 30 days' check-ins (the earlier days and today) and the riders present."""
    ids = np.concatenate([earlier.ids, today[0]])
    counts = np.concatenate([earlier.counts, today[1]])
    stations, which = np.unique(ids, return_inverse=True)
    totals = np.bincount(which, weights=counts, minlength=len(stations))
    known = stations[totals >= MIN_CHECKINS]
    codes = np.zeros(len(known), dtype=np.int8)
    present_ids, riders, seats = present
    pos, found = _find(known, present_ids)
    capacities = np.array([capacity(s) for s in seats], dtype=np.int64)
    codes[pos[found]] = level_codes(riders[found], capacities[found])
    return Snapshot(now, known, codes)


def board() -> _Board:
    """Return this app's board: its snapshot, and its keeper once a served app has asked."""
    return CACHE.get("board", _Board)


def current(now: datetime | None = None) -> Snapshot:
    """Return this worker's snapshot, refreshed first when it is 30 s old."""
    found = board()
    # Test apps have no keeper: their clocks are frozen and moved by hand, and a renewal between a
    # move and the check-ins that follow it would answer from before them.
    if found.keeper is None and not current_app.testing:
        found.start_keeper(current_app._get_current_object())
    return found.current(now or utcnow())


def annotate(stations: list[dict], now: datetime | None = None) -> list[dict]:
    """Add each API station object's ``busy`` level (by its ``id`` and ``status``) and return the list."""
    found = current(now).levels([s["id"] for s in stations], [s["status"] for s in stations])
    for station, level in zip(stations, found, strict=True):
        station["busy"] = level
    return stations


__all__ = ["CACHE", "REFRESH_SECONDS", "RowLevels", "Snapshot", "annotate", "board", "build", "current"]
