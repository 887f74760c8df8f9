"""Exact nearest-station search from an in-memory index, one per app (and so per worker).

The geometry (a k-d tree on the unit sphere, re-ranked by the WGS-84 geodesic) is in
:mod:`stationfinder.geo.sphere`. This module keeps the searchable stations as numpy columns and
packed UTF-8 blobs rather than a Python object per station, so 186,100 stations fit in one worker,
answers without the database, and rebuilds when the stations dataset version changes (``WorkerCache``).
The stations it has shaped for answers are kept as JSON (:mod:`stationfinder.services.nearest.kept`).
"""

import threading
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import sqlalchemy as sa

from stationfinder.amenities import to_mask
from stationfinder.caching import WorkerCache
from stationfinder.db import unmapped
from stationfinder.extensions import db
from stationfinder.geo.coords import wgs84_to_gcj02_many
from stationfinder.geo.sphere import SphereIndex
from stationfinder.models import Station, StationStatus
from stationfinder.services import busy
from stationfinder.services.nearest.kept import KeptStations
from stationfinder.services.nearest.packed import Categories, PackedStrings, release_freed_memory
from stationfinder.services.stations import lookup as stations

# One index per app, its version checked at most every INDEX_REFRESH_SECONDS.
INDEX = WorkerCache("station_index", maxsize=1, refresh_seconds="INDEX_REFRESH_SECONDS")


# Numeric columns: (array typecode while filling, numpy dtype once built).
_NUMERIC = {
    "ids": ("q", np.int64),
    "lat": ("d", np.float64),
    "lon": ("d", np.float64),
    "masks": ("i", np.int32),
    "is_demo": ("b", bool),
}
# Small chunks keep the build's transient memory (row objects) small.
_CHUNK = 1_000
_OPEN = StationStatus.OPEN.value
# Shaped stations kept per worker (about 18 MB): as many as a province the size of Guizhou has.
_KEPT = 12_288

_COLUMNS = (
    Station.id,
    Station.ref,
    Station.name,
    Station.address,
    Station.lat,
    Station.lon,
    Station.region_code,
    Station.amenity_mask,
    Station.opening_hours,
    Station.access,
    Station.status,
    Station.is_demo,
)


@dataclass(frozen=True)
class _OpenSet:
    """The stations open in one local minute: a mask over the index's rows, and their own tree."""

    minute: datetime
    mask: np.ndarray
    rows: np.ndarray
    points: SphereIndex


@dataclass
class StationIndex:
    """An immutable snapshot of the searchable (not closed) stations."""

    ids: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    masks: np.ndarray
    is_open_status: np.ndarray
    is_demo: np.ndarray
    # GCJ-02 positions, shifted once for all: the route links of Amap and Apple need them.
    gcj_lat: np.ndarray
    gcj_lon: np.ndarray
    refs: PackedStrings
    names: PackedStrings
    addresses: PackedStrings
    hours: Categories
    regions: Categories
    statuses: Categories
    access: Categories
    points: SphereIndex
    build_seconds: float = 0.0
    # Shaped stations recently answered, as JSON.
    kept: KeptStations = field(default_factory=lambda: KeptStations(_KEPT), repr=False)
    _open: _OpenSet | None = field(default=None, repr=False)
    _open_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __len__(self) -> int:
        return len(self.ids)

    # -- building -------------------------------------------------------------------------------

    @classmethod
    def load(cls) -> "StationIndex":
        """Read the searchable stations.

        Rows stream in chunks straight into compact columns, so the build never holds them all as objects.
        """
        started = time.perf_counter()
        with db.engine.connect() as conn, unmapped(conn):
            result = conn.execution_options(yield_per=_CHUNK).execute(
                sa.select(*_COLUMNS).where(Station.status != StationStatus.CLOSED.value).order_by(Station.id)
            )
            index = cls.from_chunks(result.partitions())
        index.build_seconds = time.perf_counter() - started
        return index

    @classmethod
    def from_chunks(cls, chunks) -> "StationIndex":
        """Build the index from chunks of rows in ``_COLUMNS`` order."""
        packed = {name: PackedStrings() for name in ("refs", "names", "addresses")}
        categories = {name: Categories() for name in ("hours", "regions", "statuses", "access")}
        # array.array grows in place and numpy then views it without a copy, which keeps the peak low.
        numeric = {name: array(code) for name, (code, _) in _NUMERIC.items()}
        for rows in chunks:
            if not rows:
                continue
            (ids, refs, names, addresses, lat, lon, regions, masks, hours, access, status, is_demo) = zip(
                *rows, strict=True
            )
            numeric["ids"].extend(ids)
            numeric["lat"].extend(lat)
            numeric["lon"].extend(lon)
            numeric["masks"].extend(masks)
            numeric["is_demo"].extend(is_demo)
            for name, values in (("refs", refs), ("names", names), ("addresses", addresses)):
                packed[name].extend(values)
            for name, values in (
                ("hours", hours),
                ("regions", regions),
                ("statuses", status),
                ("access", access),
            ):
                categories[name].extend(values)
        columns = {name: np.frombuffer(numeric[name], dtype=dtype) for name, (_, dtype) in _NUMERIC.items()}
        frozen = {name: c.freeze() for name, c in categories.items()}
        statuses = frozen["statuses"]
        is_open_status = (
            statuses.codes == statuses.values.index(_OPEN)
            if _OPEN in statuses.values
            else np.zeros(len(statuses), dtype=bool)
        )
        gcj_lat, gcj_lon = wgs84_to_gcj02_many(columns["lat"], columns["lon"])
        index = cls(
            **columns,
            gcj_lat=gcj_lat,
            gcj_lon=gcj_lon,
            is_open_status=is_open_status,
            **packed,
            **frozen,
            points=SphereIndex(
                columns["lat"], columns["lon"], tiebreak=columns["ids"], masks=columns["masks"]
            ),
        )
        release_freed_memory()
        return index

    @classmethod
    def from_rows(cls, rows) -> "StationIndex":
        """Build the index from rows in ``_COLUMNS`` order."""
        return cls.from_chunks([rows])

    # -- searching ------------------------------------------------------------------------------

    def open_mask(self, idx: np.ndarray, local: datetime) -> np.ndarray:
        """Return whether each station in ``idx`` is open at a local time (hours parsed once per value)."""
        ok = self.is_open_status[idx]
        codes = self.hours.codes[idx]
        unique = np.unique(codes[ok])
        if len(unique):
            open_by_code = np.zeros(len(self.hours.values), dtype=bool)
            for code in unique.tolist():
                open_by_code[code] = stations.open_at("open", self.hours.values[code], local)
            ok = ok & open_by_code[codes]
        return ok

    def open_at(self, local: datetime) -> _OpenSet:
        """Return the stations open in the minute of ``local``, with their own tree.

        At night only a few stations are open: filtering the tree of all of them meant walking past
        thousands of closed ones. The set is worked out once per minute, and its tree is rebuilt only
        when the set changed (at opening or closing times); other threads wait for that rebuild
        (tens of ms) rather than answer from the wrong set.
        """
        minute = local.replace(second=0, microsecond=0)
        current = self._open
        if current is not None and current.minute == minute:
            return current
        with self._open_lock:
            current = self._open
            if current is not None and current.minute == minute:
                return current
            mask = self.open_mask(np.arange(len(self)), local)
            if current is not None and np.array_equal(mask, current.mask):
                fresh = _OpenSet(minute, current.mask, current.rows, current.points)
            else:
                rows = np.flatnonzero(mask)
                fresh = _OpenSet(minute, mask, rows, self.points.subset(rows))
            self._open = fresh
            return fresh

    def search(
        self,
        lat: float,
        lon: float,
        limit: int = 5,
        mask: int = 0,
        local: datetime | None = None,
        max_distance_m: float | None = None,
        skip: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (row positions, geodesic metres) of the ``limit`` nearest matching stations, nearest first.

        ``mask``: amenity bits every station must have; ``local``: when given, only stations open at
        that local time; ``max_distance_m``: drop stations farther than this; ``skip``: a boolean
        array over the index's rows, True for stations to leave out.
        """
        if local is None:
            points, rows = self.points, None
        else:
            open_set = self.open_at(local)
            points, rows = open_set.points, open_set.rows
        if skip is not None and rows is not None:
            skip = skip[rows]
        found, metres = points.search(
            lat,
            lon,
            limit,
            mask=mask,
            accept=None if skip is None else (lambda idx: ~skip[idx]),
            max_distance_m=max_distance_m,
        )
        return (found if rows is None else rows[found]), metres

    def answer(self, rows: np.ndarray, metres: np.ndarray, local: datetime) -> list[dict]:
        """Return the API's station objects for ``rows``, each a new dict of its own."""
        rows_l = rows.tolist()
        kept = self.kept
        found = {i: kept.get(i) for i in rows_l}
        missing = [i for i, station in found.items() if station is None]
        if missing:
            for i, station in zip(missing, self._shape(missing), strict=True):
                kept.put(i, station)
                found[i] = station
        out = []
        for i, distance in zip(rows_l, metres.tolist(), strict=True):
            station = found[i]
            station["distance_m"] = round(distance, 1)
            station.update(stations.open_state(station["status"], station["opening_hours"], local))
            out.append(station)
        return out

    def _shape(self, rows: list[int]) -> list[dict]:
        """Return the query-independent parts of station objects, reading each column once for all rows."""
        ix = np.asarray(rows, dtype=np.int64)
        columns = zip(
            self.ids[ix].tolist(),
            self.refs.take(rows),
            self.names.take(rows),
            self.addresses.take(rows),
            self.lat[ix].tolist(),
            self.lon[ix].tolist(),
            zip(self.gcj_lat[ix].tolist(), self.gcj_lon[ix].tolist(), strict=True),
            self.masks[ix].tolist(),
            self.hours.take(ix),
            self.regions.take(ix),
            self.statuses.take(ix),
            self.access.take(ix),
            self.is_demo[ix].tolist(),
            strict=True,
        )
        return [
            stations.shape(
                id=sid,
                ref=ref or None,
                name=name,
                address=addr,
                lat=lat,
                lon=lon,
                gcj=gcj,
                amenity_mask=mask,
                opening_hours=hours,
                region_code=region,
                status=status,
                access=access,
                is_demo=demo,
                open_now=False,
            )
            for sid, ref, name, addr, lat, lon, gcj, mask, hours, region, status, access, demo in columns
        ]

    @property
    def nbytes(self) -> int:
        """Return the approximate memory the columns and the tree hold."""
        arrays = (self.ids, self.lat, self.lon, self.gcj_lat, self.gcj_lon, self.masks)
        arrays += (self.is_open_status, self.is_demo)
        total = sum(a.nbytes for a in arrays)
        total += sum(p.nbytes for p in (self.refs, self.names, self.addresses))
        total += sum(c.codes.nbytes for c in (self.hours, self.regions, self.statuses, self.access))
        opened = self._open
        if opened is not None:
            part = opened.points
            total += opened.mask.nbytes + opened.rows.nbytes + part.nbytes
            total += sum(a.nbytes for a in (part.lat, part.lon, part.tiebreak, part.masks))
        return total + self.points.nbytes


def get_index() -> StationIndex:
    """Return the current app's index, rebuilt when the stations dataset version moved.

    While one thread rebuilds, the others keep answering from the previous snapshot.
    """
    return INDEX.get(None, StationIndex.load)


def nearest(
    lat: float,
    lon: float,
    *,
    limit: int = 5,
    amenities=(),
    open_now: bool = False,
    not_full: bool = False,
    max_distance_m: float | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """Return the ``limit`` nearest not-closed stations to a WGS-84 position as API objects, nearest first.

    Each carries its ``busy`` level; ``not_full`` leaves out the stations that are full now.
    """
    index = get_index()
    moment = now or datetime.now(UTC)
    local = moment.astimezone(stations.local_zone())
    # This worker's snapshot (read again every 30 s, never per request), laid over the index once.
    levels = busy.current(moment).for_index(index)
    top, metres = index.search(
        lat,
        lon,
        limit=limit,
        mask=to_mask(amenities),
        local=local if open_now else None,
        max_distance_m=max_distance_m,
        skip=levels.full if not_full else None,
    )
    found = index.answer(top, metres, local)
    # answer() gives each request dicts of its own, so adding a key shares nothing.
    for station, code in zip(found, levels.codes[top].tolist(), strict=True):
        station["busy"] = busy.LEVELS[code]
    return found


def nearest_open_m(
    lat: float,
    lon: float,
    found: list[dict],
    *,
    complete: bool,
    horizon_m: float,
    now: datetime | None = None,
) -> float | None:
    """Return how far the nearest station open now is, up to ``horizon_m`` (None: none that near).

    ``found`` is an answer of ``nearest``; ``complete`` says it was the plain nearest stations (no
    amenity or distance filter), so the first open one in it is the nearest open one, and an answer
    that ends beyond the horizon with none open needs no second search.
    """
    if complete:
        for station in found:
            if station["open_now"]:
                return station["distance_m"] if station["distance_m"] < horizon_m else None
        if found and found[-1]["distance_m"] >= horizon_m:
            return None
    index = get_index()
    local = (now or datetime.now(UTC)).astimezone(stations.local_zone())
    _, metres = index.search(lat, lon, limit=1, local=local, max_distance_m=horizon_m)
    return float(metres[0]) if len(metres) else None
