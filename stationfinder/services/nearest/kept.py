"""Shaped stations kept per worker as their JSON, the least recently answered out first.

Shaping a station (its five route links above all) costs about ten times reading it back with
orjson, and riders keep asking about the stations around them. As JSON a station takes 1.5 KB,
against 2.7 KB as dicts, and every read gives a dict of its own, which the answer may change.
"""

import contextlib
from collections import OrderedDict

import orjson


class KeptStations:
    """Up to ``size`` shaped stations by index row; safe to share between a worker's threads."""

    __slots__ = ("_items", "size")

    def __init__(self, size: int):
        self.size = size
        # An OrderedDict evicts in O(1); a dict skips every entry deleted since its last resize
        # (3 µs an eviction at 12,288 entries).
        self._items: OrderedDict[int, bytes] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def get(self, row: int) -> dict | None:
        """Return a new dict of the station kept for ``row``, or None."""
        found = self._items.get(row)
        if found is None:
            return None
        with contextlib.suppress(KeyError):  # another thread evicted it meanwhile
            self._items.move_to_end(row)
        return orjson.loads(found)

    def put(self, row: int, station: dict) -> None:
        """Keep ``station`` for ``row``, making room by dropping the least recently answered."""
        if len(self._items) >= self.size:
            with contextlib.suppress(KeyError):  # another thread emptied it meanwhile
                self._items.popitem(last=False)
        # orjson's bytes keep its whole output buffer (4.4 KB on average here): keep an exact copy.
        self._items[row] = memoryview(orjson.dumps(station)).tobytes()
