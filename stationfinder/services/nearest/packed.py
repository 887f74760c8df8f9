"""Compact columns for in-memory indexes: strings in one UTF-8 blob, repeated values as small codes.

A Python str costs 50-80 bytes of overhead; at 186,100 stations times a few text fields
that is tens of megabytes per worker, which these columns avoid.
"""

import contextlib
import ctypes
from array import array
from itertools import accumulate, islice

import numpy as np

_MAX_BLOB = 2**32 - 1


def release_freed_memory() -> None:
    """Hand memory freed by a build back to the OS (glibc keeps it otherwise), so workers stay small."""
    with contextlib.suppress(AttributeError, OSError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)


class PackedStrings:
    """A list of strings stored as one UTF-8 blob and offsets; filled by ``extend``."""

    __slots__ = ("_blob", "_offsets")

    def __init__(self, values=()):
        self._blob = bytearray()
        self._offsets = array("I", [0])
        self.extend(values)

    def extend(self, values) -> None:
        """Append strings (None is stored as "")."""
        encoded = [v.encode() if v else b"" for v in values]
        self._blob += b"".join(encoded)
        if len(self._blob) > _MAX_BLOB:
            raise OverflowError("packed strings exceed 4 GiB")
        self._offsets.extend(islice(accumulate(map(len, encoded), initial=self._offsets[-1]), 1, None))

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> str:
        offsets = self._offsets
        return self._blob[offsets[i] : offsets[i + 1]].decode()

    def take(self, rows: list[int]) -> list[str]:
        """Return the strings at ``rows``."""
        blob, offsets = self._blob, self._offsets
        return [blob[offsets[i] : offsets[i + 1]].decode() for i in rows]

    @property
    def nbytes(self) -> int:
        return len(self._blob) + self._offsets.itemsize * len(self._offsets)


class Categories:
    """A column with few distinct values: integer codes into a list of values; filled by ``extend``."""

    __slots__ = ("_lookup", "codes", "values")

    def __init__(self, values=()):
        self._lookup: dict = {}
        self.values: list = []
        self.codes = array("i")
        self.extend(values)

    def extend(self, values) -> None:
        """Append values (any hashables, None included)."""
        values = list(values)
        lookup = self._lookup
        for value in set(values).difference(lookup):
            lookup[value] = len(self.values)
            self.values.append(value)
        self.codes.extend(map(lookup.__getitem__, values))

    def freeze(self) -> "Categories":
        """Turn the codes into the smallest numpy integer array that holds them, for vector lookups."""
        dtype = np.uint8 if len(self.values) <= 256 else np.uint16 if len(self.values) <= 65536 else np.int32
        self.codes = np.frombuffer(self.codes, dtype=np.int32).astype(dtype)
        self._lookup = {}
        return self

    def __getitem__(self, i: int):
        return self.values[self.codes[i]]

    def take(self, rows) -> list:
        """Return the values at ``rows`` (an integer array or list)."""
        values = self.values
        return [values[c] for c in self.codes[rows].tolist()]

    def __len__(self) -> int:
        return len(self.codes)
