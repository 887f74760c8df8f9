"""Exact k-nearest points by WGS-84 geodesic distance, from a k-d tree (pykdtree) on the unit sphere.

Points sit in the tree as 3D unit vectors (their lat/lon read as spherical
coordinates), so tree order is exact great-circle order on that sphere. Along
any path the ellipsoid is longer than the unit sphere by a factor between
K_MIN and K_MAX, so ``K_MIN * angle <= geodesic <= K_MAX * angle``: the tree's
candidates are re-ranked by the true geodesic and the search widens until no
unseen point can beat the last one kept.
"""

import math
import os
from collections.abc import Callable

import numpy as np
from pyproj import Geod

# pykdtree parallelises each query with OpenMP. A request asks about one point, and waking the
# threads cost five times the search itself (30 µs against 5 µs here): one thread, unless the
# operator says otherwise. Set before the import, since OpenMP reads it when it loads.
os.environ.setdefault("OMP_NUM_THREADS", "1")
from pykdtree.kdtree import KDTree  # noqa: E402

GEOD = Geod(ellps="WGS84")
# The meridian radius at the equator, a(1-e²), and the normal radius at the poles, a/sqrt(1-e²),
# bound the ellipsoid's scale against the unit sphere in every direction; the slack covers rounding.
K_MIN = GEOD.a * (1.0 - GEOD.es) * (1.0 - 1e-9)
K_MAX = GEOD.a / math.sqrt(1.0 - GEOD.es) * (1.0 + 1e-9)
# Below this many eligible points a direct scan beats widening tree queries.
SCAN_MAX = 4096
_EMPTY = (np.zeros(0, dtype=np.int64), np.zeros(0))


def unit_vectors(lat: np.ndarray, lon: np.ndarray, chunk: int = 16_384) -> np.ndarray:
    """Return an (n, 3) array of unit vectors, computed in slices to keep temporaries small."""
    out = np.empty((len(lat), 3))
    for start in range(0, len(lat), chunk):
        phi, lam = np.radians(lat[start : start + chunk]), np.radians(lon[start : start + chunk])
        cos_phi = np.cos(phi)
        out[start : start + chunk, 0] = cos_phi * np.cos(lam)
        out[start : start + chunk, 1] = cos_phi * np.sin(lam)
        out[start : start + chunk, 2] = np.sin(phi)
    return out


def unit_vector(lat: float, lon: float) -> np.ndarray:
    """Return one point's unit vector as a (1, 3) array: the shape a tree query takes."""
    phi, lam = math.radians(lat), math.radians(lon)
    return np.array(((math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi)),))


def angle(chord: float) -> float:
    return math.inf if chord == math.inf else 2.0 * math.asin(min(chord / 2.0, 1.0))


def chord(theta: float) -> float:
    return 2.0 if theta >= math.pi else 2.0 * math.sin(theta / 2.0)


def geodesic_m(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Return WGS-84 geodesic metres from one point to many (Karney's algorithm, as geographiclib)."""
    n = len(lats)
    _, _, metres = GEOD.inv(np.full(n, lon), np.full(n, lat), lons, lats)
    return np.asarray(metres, dtype=float)


class _Tree:
    """Candidates from the tree over every point, keeping those with the required bits."""

    def __init__(self, index: "SphereIndex", v: np.ndarray, mask: int):
        self.index, self.v, self.mask, self.size = index, v, mask, len(index)

    def _keep(self, idx: np.ndarray) -> np.ndarray:
        return (self.index.masks[idx] & self.mask) == self.mask

    def take(self, k: int):
        chords, idx = self.index.tree.query(self.v, k=k)
        chords, idx = chords.ravel(), idx.ravel().astype(np.int64)
        # Every point not returned is at least as far as the k-th one.
        bound = float(chords[-1]) if k < self.size else math.inf
        if self.mask:
            keep = self._keep(idx)
            idx, chords = idx[keep], chords[keep]
        return idx, chords, bound

    def ball(self, radius: float) -> np.ndarray:
        # pykdtree has no radius query: ask for more neighbours within the radius until some are missing.
        radius = radius * (1 + 1e-12) + 1e-15
        k = min(self.size, 64)
        while True:
            chords, idx = self.index.tree.query(self.v, k=k, distance_upper_bound=radius)
            chords, idx = chords.ravel(), idx.ravel()
            if k == self.size or chords[-1] > radius:
                break
            k = min(self.size, k * 4)
        idx = idx[chords <= radius].astype(np.int64)
        return idx[self._keep(idx)] if self.mask else idx


class _Scan:
    """Candidates from a direct scan of the few points that have the required bits."""

    def __init__(self, index: "SphereIndex", v: np.ndarray, eligible: np.ndarray):
        self.eligible, self.size = eligible, len(eligible)
        self.chords = np.sqrt(((index.vectors[eligible] - v) ** 2).sum(axis=1))

    def take(self, k: int):
        if k < self.size:
            part = np.argpartition(self.chords, k - 1)[:k]
            part = part[np.argsort(self.chords[part])]
            return self.eligible[part], self.chords[part], float(self.chords[part[-1]])
        part = np.argsort(self.chords)
        return self.eligible[part], self.chords[part], math.inf

    def ball(self, radius: float) -> np.ndarray:
        return self.eligible[self.chords <= radius * (1 + 1e-12) + 1e-15]


class SphereIndex:
    """Fixed WGS-84 points with optional bit masks, searchable for the exact k nearest."""

    def __init__(
        self,
        lat: np.ndarray,
        lon: np.ndarray,
        tiebreak: np.ndarray,
        masks: np.ndarray | None = None,
        vectors: np.ndarray | None = None,
    ):
        self.lat, self.lon, self.tiebreak = lat, lon, tiebreak
        self.masks = masks if masks is not None else np.zeros(len(lat), dtype=np.int32)
        if vectors is None:
            vectors = unit_vectors(lat, lon)
        self.vectors = vectors
        self.tree = KDTree(vectors) if len(lat) else None

    def __len__(self) -> int:
        return len(self.lat)

    def subset(self, rows: np.ndarray) -> "SphereIndex":
        """Return an index of the points at ``rows``; its positions are positions in ``rows``."""
        return SphereIndex(
            self.lat[rows],
            self.lon[rows],
            self.tiebreak[rows],
            self.masks[rows],
            vectors=self.vectors[rows],
        )

    def _source(self, v: np.ndarray, mask: int):
        if mask:
            eligible = np.flatnonzero((self.masks & mask) == mask)
            if len(eligible) <= SCAN_MAX:
                return _Scan(self, v, eligible)
        return _Tree(self, v, mask)

    def search(
        self,
        lat: float,
        lon: float,
        limit: int,
        *,
        mask: int = 0,
        accept: Callable[[np.ndarray], np.ndarray] | None = None,
        max_distance_m: float | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (positions, geodesic metres) of the ``limit`` nearest points, nearest first.

        ``mask``: bits a point must all have; ``accept``: a further filter, called with candidate
        positions only, returning a boolean array; ``max_distance_m``: drop points farther than this.
        Equal distances are ordered by ``tiebreak``.
        """
        if not len(self) or limit < 1:
            return _EMPTY
        source = self._source(unit_vector(lat, lon), mask)
        if source.size == 0:
            return _EMPTY

        def admit(idx):
            return idx if accept is None or not len(idx) else idx[accept(idx)]

        k = min(source.size, 2 * limit + 8)
        while True:
            idx, chords, bound = source.take(k)
            if accept is not None and len(idx):
                keep = accept(idx)
                idx, chords = idx[keep], chords[keep]
            if max_distance_m is not None:
                # Chords come sorted, so the stations surely beyond the limit are a tail.
                idx = idx[: np.searchsorted(chords, chord(max_distance_m / K_MIN), side="right")]
                chords = chords[: len(idx)]
            exhausted = bound == math.inf or (
                max_distance_m is not None and K_MIN * angle(bound) > max_distance_m
            )
            if len(idx) >= limit or exhausted:
                break
            k = min(source.size, k * 4)
        if len(idx) > limit:
            # Only points whose lower bound beats the limit-th one's upper bound can make the cut.
            reach = chord(K_MAX / K_MIN * angle(float(chords[limit - 1])))
            idx = idx[: np.searchsorted(chords, reach, side="right")]
        top, metres = self._rank(idx, lat, lon, limit, max_distance_m)
        # The cut an unseen point would have to beat: the last one kept, or the distance limit.
        if len(top) == limit:
            cut = float(metres[-1])
        else:
            cut = max_distance_m if max_distance_m is not None else math.inf
        if bound != math.inf and K_MIN * angle(bound) <= cut:
            top, metres = self._rank(admit(source.ball(chord(cut / K_MIN))), lat, lon, limit, max_distance_m)
        return top, metres

    def _rank(self, idx, lat, lon, limit, max_distance_m):
        if not len(idx):
            return _EMPTY
        metres = geodesic_m(lat, lon, self.lat[idx], self.lon[idx])
        if max_distance_m is not None:
            inside = metres <= max_distance_m
            idx, metres = idx[inside], metres[inside]
        order = np.lexsort((self.tiebreak[idx], metres))[:limit]
        return idx[order], metres[order]

    @property
    def nbytes(self) -> int:
        """Return the memory the tree holds beyond the caller's columns (approximately)."""
        # pykdtree's nodes and permutation are not exposed; the permutation (uint32) is most of them.
        return 0 if self.tree is None else self.vectors.nbytes + 4 * len(self)
