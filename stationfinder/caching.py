"""Per-worker caches: one small class for every value a worker keeps between requests.

Each app (so each worker process) holds its own store of each cache, made by
``init_app`` in ``app.extensions``. A store holds at most ``maxsize`` values and
drops the least recently used one first. A value is kept with the stations
dataset version it was computed at (``services.dataset``: every station write
bumps it) and is good while that version is current. The version is read at
most every ``refresh_seconds``; while one thread recomputes a value whose
version moved, the others keep answering from the previous one. Nothing is kept
while the version is 0: no station write has bumped it yet (fixtures write
stations directly), so a change could not be noticed.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable

from flask import Flask, current_app

from stationfinder.services import dataset

# The version a store starts at: unknown until read, and (like version 0) never kept under.
_UNREAD = 0


def _always(_value) -> bool:
    return True


class _Store:
    """One app's values of one cache, with the dataset version they were computed at."""

    def __init__(self, maxsize: int, refresh_seconds: float | None):
        self.maxsize = maxsize
        self.refresh_seconds = refresh_seconds
        # key -> (version, value), least recently used first.
        self.entries: OrderedDict = OrderedDict()
        # One lock per key being computed, so a key is computed by one thread at a time.
        self.locks: dict = {}
        self.version = _UNREAD if refresh_seconds is not None else None
        self.checked_at = float("-inf")
        self._checking = threading.Lock()

    def _read_version(self, now: float):
        # Non-blocking: a thread already reading the version will have it in a moment; use the last one.
        if self._checking.acquire(blocking=False):
            try:
                self.version = dataset.current()
                self.checked_at = now
            finally:
                self._checking.release()
        return self.version

    def get(self, key: Hashable, compute: Callable, keep: Callable) -> object:
        """Return the kept value of ``key`` if its version is current, else compute it (and keep it)."""
        # The nearest search comes here on every request: a fresh hit is a clock read and two lookups.
        version = self.version
        if self.refresh_seconds is not None:
            now = time.monotonic()
            if now - self.checked_at >= self.refresh_seconds:
                version = self._read_version(now)
        entry = self.entries.get(key)
        if entry is not None and entry[0] == version:
            # Not contextlib.suppress: it costs 15 times as much, on every nearest search.
            try:  # noqa: SIM105
                self.entries.move_to_end(key)
            except KeyError:  # evicted by another thread meanwhile: the value is still good
                pass
            return entry[1]
        if version == _UNREAD:
            return compute()
        lock = self.locks.get(key) or self.locks.setdefault(key, threading.Lock())
        if entry is not None:
            if not lock.acquire(blocking=False):
                # Another thread recomputes it: answer from the previous value meanwhile.
                return entry[1]
        else:
            lock.acquire()
        try:
            entry = self.entries.get(key)
            if entry is not None and entry[0] == self.version:
                return entry[1]
            value = compute()
            if keep(value):
                self.put(key, (version, value))
            else:
                self.entries.pop(key, None)
            return value
        finally:
            lock.release()

    def put(self, key: Hashable, entry: tuple) -> None:
        """Keep an entry as the most recent, dropping the least recently used beyond ``maxsize``."""
        self.entries[key] = entry
        self.entries.move_to_end(key)
        while len(self.entries) > self.maxsize:
            try:
                oldest, _ = self.entries.popitem(last=False)
            except KeyError:  # emptied by another thread meanwhile
                break
            self.locks.pop(oldest, None)


class WorkerCache:
    """A bounded map kept per app (so per worker), good until the stations dataset version moves.

    ``refresh_seconds`` says how long a read of the version holds: a number, or the config
    key of one (0: read it on every call). None never reads it, for hints that the caller
    checks again anyway: such a cache is bounded by its size alone.
    """

    def __init__(self, name: str, maxsize: int, refresh_seconds: float | str | None = 0.0):
        self.key = "stationfinder.cache." + name
        self.maxsize = maxsize
        self.refresh_seconds = refresh_seconds

    def init_app(self, app: Flask) -> None:
        """Give the app a store of its own for this cache."""
        refresh = self.refresh_seconds
        if isinstance(refresh, str):
            refresh = float(app.config[refresh])
        app.extensions[self.key] = _Store(self.maxsize, refresh)

    def store(self, app: Flask | None = None) -> _Store:
        """Return the store of an app (default: the current one)."""
        return (app or current_app).extensions[self.key]

    def get(self, key: Hashable, compute: Callable, keep: Callable = _always) -> object:
        """Return the kept value of ``key``, or ``compute()`` (kept when ``keep(value)`` says so)."""
        # Not current_app.extensions: the proxy's attribute lookup costs four times as much.
        return current_app._get_current_object().extensions[self.key].get(key, compute, keep)

    def forget(self, key: Hashable) -> None:
        """Drop one value of the current app's store, if kept."""
        self.store().entries.pop(key, None)

    def clear(self, app: Flask | None = None) -> None:
        """Drop every value of an app's store (default: the current app's)."""
        self.store(app).entries.clear()


__all__ = ["WorkerCache"]
