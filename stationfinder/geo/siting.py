"""Where new stations would serve the most unmet demand: a greedy maximal-covering heuristic.

Demand is a count of unmet searches per H3 cell (searches whose nearest open station lay beyond the
radius). A candidate site is a cell centre; it covers a demand cell when the two centres lie within
the radius on the WGS-84 ellipsoid. Each step takes the candidate covering the most demand not yet
covered; greedy covering is known to reach at least 1 - 1/e (63 %) of what the best k sites cover.

Candidates are the demand cells and every cell within :func:`cells.rings_for` rings of one, so no
site that could cover some demand is missed. Equal gains go to the candidate nearer, on a
demand-weighted average, to what it covers (a station in the middle of its searches rather than at
their edge), then to the lower cell id, so the answer never depends on dict order.
"""

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from stationfinder.geo import cells
from stationfinder.geo.coverage import MAX_RADIUS_M
from stationfinder.geo.sphere import GEOD, K_MIN, chord, unit_vectors

MAX_SITES = 50


@dataclass(frozen=True)
class Site:
    """A proposed station at a cell's centre, and the unmet searches it would newly cover."""

    h3: str
    lat: float
    lon: float
    gain: int

    def to_dict(self) -> dict[str, Any]:
        """Return the API's JSON shape."""
        return asdict(self)


def _demand(demand: Mapping[str, int]) -> tuple[list[str], np.ndarray]:
    """Return the demand cells in id order and their counts, dropping zeros; raise ValueError."""
    rows = []
    for cell, count in demand.items():
        if not cells.is_cell(cell):
            raise ValueError(f"not an H3 cell of resolution {cells.RESOLUTION}: {cell!r}")
        if isinstance(count, bool) or not isinstance(count, int | np.integer) or count < 0:
            raise ValueError(f"a count must be a non-negative integer, not {count!r} for {cell}")
        if count:
            rows.append((cell, int(count)))
    rows.sort()
    return [cell for cell, _ in rows], np.array([count for _, count in rows], dtype=np.int64)


def _candidates(demand_cells: list[str], radius_m: float, within: BaseGeometry | None) -> list[str]:
    """Return the candidate cells in id order: demand cells and their neighbours, inside ``within``."""
    rings = cells.rings_for(radius_m)
    found: set[str] = set()
    for cell in demand_cells:
        found |= cells.disk(cell, rings)
    candidates = sorted(found)
    if within is not None and candidates:
        lat, lon = cells.centres(candidates)
        inside = shapely.intersects_xy(within, lon, lat)
        candidates = [cell for cell, keep in zip(candidates, inside.tolist(), strict=True) if keep]
    return candidates


def _reach(cand_lat, cand_lon, dem_lat, dem_lon, radius_m: float):
    """Return (candidate, demand, metres) for every pair whose centres lie within ``radius_m``."""
    # SciPy costs a worker about 30 MB once imported; only district staff's site suggestions need it.
    from scipy.spatial import cKDTree

    # The unit sphere shortens every path by at least K_MIN, so this chord bounds the search safely.
    tree = cKDTree(unit_vectors(dem_lat, dem_lon))
    pairs = cKDTree(unit_vectors(cand_lat, cand_lon)).sparse_distance_matrix(
        tree, chord(radius_m / K_MIN) * (1 + 1e-9), output_type="ndarray"
    )
    i, j = pairs["i"].astype(np.int64), pairs["j"].astype(np.int64)
    _, _, metres = GEOD.inv(cand_lon[i], cand_lat[i], dem_lon[j], dem_lat[j])
    metres = np.asarray(metres, dtype=float)
    near = metres <= radius_m
    return i[near], j[near], metres[near]


def suggest(
    demand: Mapping[str, int],
    radius_m: float,
    k: int = 5,
    *,
    within: BaseGeometry | None = None,
    min_gain: int = 1,
) -> list[Site]:
    """Return up to ``k`` sites, best first, each covering the most still-unmet searches.

    ``demand`` maps resolution-8 cells to unmet searches; ``within`` (WGS-84 lon/lat) keeps sites
    inside a district; the search stops early once no site would gain ``min_gain`` searches (pass
    cells.MIN_VISIBLE to reveal no smaller count). Raises ValueError on bad arguments.
    """
    if isinstance(radius_m, bool) or not isinstance(radius_m, int | float):
        raise ValueError("radius_m must be a number")
    if not math.isfinite(radius_m) or not 0 < radius_m <= MAX_RADIUS_M:
        raise ValueError(f"radius_m must lie in (0, {MAX_RADIUS_M:g}], not {radius_m!r}")
    if isinstance(k, bool) or not isinstance(k, int) or not 0 <= k <= MAX_SITES:
        raise ValueError(f"k must be an integer from 0 to {MAX_SITES}, not {k!r}")
    if isinstance(min_gain, bool) or not isinstance(min_gain, int) or min_gain < 1:
        raise ValueError(f"min_gain must be a positive integer, not {min_gain!r}")

    demand_cells, weight = _demand(demand)
    if not k or not demand_cells:
        return []
    if within is not None:
        shapely.prepare(within)
    candidates = _candidates(demand_cells, float(radius_m), within)
    if not candidates:
        return []
    cand_lat, cand_lon = cells.centres(candidates)
    dem_lat, dem_lon = cells.centres(demand_cells)
    i, j, metres = _reach(cand_lat, cand_lon, dem_lat, dem_lon, float(radius_m))
    from scipy import sparse  # imported on first use, as in _reach (30 MB a worker)

    shape = (len(candidates), len(demand_cells))
    covers = sparse.csr_matrix((np.ones(len(i), dtype=np.int64), (i, j)), shape=shape)
    distance = sparse.csr_matrix((metres, (i, j)), shape=shape)
    # Per demand cell, the candidates covering it: to take its weight off them once it is covered.
    covered_by, distance_by = covers.T.tocsr(), distance.T.tocsr()
    gain = covers @ weight
    spread = distance @ weight.astype(float)  # demand-weighted metres to the demand still unmet
    ids = np.arange(len(candidates))  # candidates are sorted, so position order is id order

    sites: list[Site] = []
    while len(sites) < k:
        best_gain = int(gain.max())
        if best_gain < min_gain:
            break
        # The largest gain, then the smallest mean distance to the demand it serves, then the lowest id.
        tied = np.flatnonzero(gain == best_gain)
        best = int(tied[np.lexsort((ids[tied], spread[tied] / best_gain))[0]])
        served = covers.indices[covers.indptr[best] : covers.indptr[best + 1]]
        served = served[weight[served] > 0]
        sites.append(Site(candidates[best], float(cand_lat[best]), float(cand_lon[best]), best_gain))
        gain -= covered_by[served].T @ weight[served]
        spread -= distance_by[served].T @ weight[served].astype(float)
        weight[served] = 0
    return sites
