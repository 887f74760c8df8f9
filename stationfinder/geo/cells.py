"""H3 hexagon cells (resolution 8, about 0.74 km²) for counting searches by place.

A thin layer over h3-py 4 that checks its input: h3 itself accepts a latitude of 95° or a cell of
another resolution without complaint. Cells are h3's 15-digit hexadecimal strings; points are
WGS-84 (lat, lon), the order h3 uses.
"""

import functools
import math
from collections.abc import Iterable, Mapping

import h3
import numpy as np
import shapely
from shapely.geometry import mapping

from stationfinder.geo import counties as atlas

RESOLUTION = 8
# The average edge of a resolution-8 hexagon, 531 m; the smallest are about 0.7 times that.
EDGE_M = h3.average_hexagon_edge_length(RESOLUTION, unit="m")
# Staff see a cell's count only when at least this many searches fell in it (k-anonymity).
MIN_VISIBLE = 5


def is_cell(value: object) -> bool:
    """Return whether ``value`` is a valid H3 cell at :data:`RESOLUTION`."""
    return isinstance(value, str) and h3.is_valid_cell(value) and h3.get_resolution(value) == RESOLUTION


def _check_cell(cell: object) -> str:
    if not is_cell(cell):
        raise ValueError(f"not an H3 cell of resolution {RESOLUTION}: {cell!r}")
    return cell


def _check_point(lat: float, lon: float) -> tuple[float, float]:
    try:
        lat, lon = float(lat), float(lon)
    except (TypeError, ValueError) as error:
        raise ValueError("latitude and longitude must be numbers") from error
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise ValueError(f"not a WGS-84 position: ({lat!r}, {lon!r})")
    return lat, lon


def cell_of(lat: float, lon: float) -> str:
    """Return the cell holding a WGS-84 point; raise ValueError for an impossible position."""
    return h3.latlng_to_cell(*_check_point(lat, lon), RESOLUTION)


def cells_of(lats: Iterable[float], lons: Iterable[float]) -> list[str]:
    """Return the cell of each WGS-84 point."""
    return [cell_of(lat, lon) for lat, lon in zip(lats, lons, strict=True)]


def centre(cell: str) -> tuple[float, float]:
    """Return the (lat, lon) of a cell's centre."""
    return h3.cell_to_latlng(_check_cell(cell))


def centres(cells: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return (lat, lon) arrays of the centres of the cells, in order."""
    points = np.array([centre(cell) for cell in cells], dtype=float).reshape(-1, 2)
    return points[:, 0], points[:, 1]


def boundary(cell: str) -> list[tuple[float, float]]:
    """Return a cell's corners as (lat, lon), counter-clockwise, without repeating the first."""
    return list(h3.cell_to_boundary(_check_cell(cell)))


def polygon(cell: str) -> shapely.Polygon:
    """Return a cell as a WGS-84 (lon, lat) shapely polygon, for GeoJSON."""
    return shapely.Polygon([(lon, lat) for lat, lon in boundary(cell)])


def disk(cell: str, rings: int) -> set[str]:
    """Return the cells at most ``rings`` steps from ``cell``, itself included."""
    return set(h3.grid_disk(_check_cell(cell), rings))


def rings_for(radius_m: float) -> int:
    """Return how many rings around a cell reach every cell whose centre is within ``radius_m``.

    Cells k steps apart have centres at least 1.5 edges × k apart; with the smallest edges at 0.7
    of the average, ceil(radius / average edge) rings always suffice.
    """
    if not math.isfinite(radius_m) or radius_m < 0:
        raise ValueError(f"radius_m must be a finite, non-negative number, not {radius_m!r}")
    return max(1, math.ceil(radius_m / EDGE_M))


@functools.lru_cache(maxsize=64)
def cells_in(region_code: str) -> frozenset[str]:
    """Return the cells whose centre lies inside a county, city or province (empty if unknown)."""
    geometry = atlas.region_geometry(region_code)
    if geometry is None:
        return frozenset()
    return frozenset(h3.h3shape_to_cells(h3.geo_to_h3shape(mapping(geometry)), RESOLUTION))


def visible(counts: Mapping[str, int]) -> dict[str, int]:
    """Return only the cells with at least :data:`MIN_VISIBLE` searches, as staff may see them."""
    return {cell: count for cell, count in counts.items() if count >= MIN_VISIBLE}
