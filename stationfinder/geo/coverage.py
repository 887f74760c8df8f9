"""How much of a county, city or province lies within a walk of an open station.

Each station covers a circle of :func:`radius_m` metres (15 minutes at 4.5 km/h by default). Counties
tile every city and province exactly, so the work is done county by county and summed:

1. The county's polygon and the stations whose circle can reach it are projected to a Lambert
   azimuthal equal-area plane on the WGS-84 ellipsoid, centred on the county (PROJ ``laea``).
2. Each station is buffered there by a 64-gon (``quad_segs`` 16) whose radius is stretched so its
   area is exactly π·r²; it strays from the true circle by under 0.1 % of r. The buffers are unioned
   and intersected with the county.
3. Areas are the plane's areas, which are ellipsoidal areas (the projection is equal-area; on these
   polygons they agree with ``Geod.geometry_area_perimeter`` to 1e-6). So ``covered_km2 <= area_km2``.

Why equal-area rather than azimuthal-equidistant: an equal-area plane keeps every area exact, and
the price, a circle at distance ρ from the plane's centre drawn as an ellipse, is tiny: its axes
differ from r by a factor of about 1 ± ρ²/8R², 3e-5 at 100 km and 3e-4 at 300 km (the largest
counties), a few centimetres for a 1,125 m circle. An equidistant plane errs as much on areas.

The ``uncovered`` geometry is for the map. It is computed once for the whole region, in an
equal-area plane centred on the region, with coarser buffers (12-gons or finer, again of area π·r²)
chosen so that no boundary strays more than :data:`DISPLAY_ERROR_M` from the exact one. Region
borders are kept as they are: the source data already has a vertex every 1.5 km or so.
"""

import functools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from pyproj.enums import TransformDirection
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from stationfinder.geo import counties as atlas

DEFAULT_MINUTES = 15.0
DEFAULT_SPEED_KMH = 4.5  # walking
MAX_MINUTES = 120.0
MAX_SPEED_KMH = 60.0
MAX_RADIUS_M = MAX_MINUTES / 60.0 * MAX_SPEED_KMH * 1000.0  # 120 km
# Less is no circle a map or an area could show (and tiny factors underflow to 0).
MIN_RADIUS_M = 1.0
QUAD_SEGS = 16
# The issue allows 50 m for the map; the rest is headroom for the plane's distortion.
DISPLAY_ERROR_M = 40.0
# Degrees of latitude per metre, generously: a degree of meridian is never shorter than 110.5 km.
_DEG_PER_M = 1.0 / 110_500.0


class UnknownRegion(ValueError):
    """A region code with no polygon in the boundary data."""


@dataclass(frozen=True)
class CountyCoverage:
    """The coverage of one county; ``stations`` counts the stations located inside it."""

    code: str
    name: str
    area_km2: float
    covered_km2: float
    covered_share: float
    stations: int


@dataclass(frozen=True)
class RegionCoverage:
    """The coverage of a region, with its counties in code order and its uncovered area.

    ``stations`` counts the given stations located inside the region (the sum over its counties);
    stations just outside still cover whatever part of their circle falls inside, but are not
    counted. ``uncovered`` is a valid WGS-84 (lon, lat) shapely geometry within 50 m of the exact one.
    """

    region: str
    radius_m: float
    area_km2: float
    covered_km2: float
    covered_share: float
    stations: int
    counties: list[CountyCoverage] = field(default_factory=list)
    uncovered: BaseGeometry = field(default_factory=shapely.Polygon)

    def to_dict(self) -> dict[str, Any]:
        """Return the API's JSON shape, with ``uncovered`` as a GeoJSON geometry."""
        out = {name: getattr(self, name) for name in ("region", "radius_m", "area_km2", "covered_km2")}
        out |= {"covered_share": self.covered_share, "stations": self.stations}
        out["counties"] = [asdict(county) for county in self.counties]
        out["uncovered"] = to_geojson(self.uncovered)
        return out


def _check(label: str, value: float, most: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{label} must be a number")
    if not math.isfinite(value) or not 0 < value <= most:
        raise ValueError(f"{label} must lie in (0, {most:g}], not {value!r}")
    return float(value)


def radius_m(minutes: float = DEFAULT_MINUTES, speed_kmh: float = DEFAULT_SPEED_KMH) -> float:
    """Return the distance in metres covered in ``minutes`` at ``speed_kmh``.

    Raises ValueError unless minutes lie in (0, 120] and the speed in (0, 60] km/h, both finite,
    and together reach at least MIN_RADIUS_M.
    """
    radius = (
        _check("minutes", minutes, MAX_MINUTES)
        / 60.0
        * _check("speed_kmh", speed_kmh, MAX_SPEED_KMH)
        * 1000.0
    )
    if radius < MIN_RADIUS_M:
        raise ValueError(f"minutes × speed must reach at least {MIN_RADIUS_M:g} m, not {radius!r}")
    return radius


def _points(stations: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (lat, lon) arrays of the stations, raising ValueError on bad coordinates."""
    array = np.asarray(stations, dtype=float)
    if array.size == 0:
        return np.zeros(0), np.zeros(0)
    if array.ndim != 2 or array.shape[1] != 2:
        raise ValueError("stations must be a sequence of (lat, lon) pairs")
    lat, lon = array[:, 0], array[:, 1]
    if not (np.isfinite(array).all() and (np.abs(lat) <= 90).all() and (np.abs(lon) <= 180).all()):
        raise ValueError("station coordinates must be finite WGS-84 latitudes and longitudes")
    return lat, lon


def laea(lat: float, lon: float) -> Transformer:
    """Return a WGS-84 (lon, lat) → Lambert azimuthal equal-area metres transformer centred on a point."""
    # A bare pipeline takes 0.2 ms to build; Transformer.from_crs looks the CRS up and takes 50 ms.
    return Transformer.from_pipeline(
        "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
        f"+step +proj=laea +lat_0={lat:.9f} +lon_0={lon:.9f} +ellps=WGS84"
    )


def _forward(transformer: Transformer, geometry: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geometry, lambda x, y: transformer.transform(x, y), interleaved=False)


def _inverse(transformer: Transformer, geometry: BaseGeometry) -> BaseGeometry:
    inverse = TransformDirection.INVERSE
    return shapely.transform(
        geometry, lambda x, y: transformer.transform(x, y, direction=inverse), interleaved=False
    )


def _equal_area(radius: float, quad_segs: int) -> float:
    """Return the radius at which a buffer of ``4 * quad_segs`` sides has the area π·radius²."""
    n = 4 * quad_segs
    return radius * math.sqrt(2.0 * math.pi / (n * math.sin(2.0 * math.pi / n)))


def _display_quad_segs(radius: float) -> int:
    """Return the fewest quad_segs whose equal-area polygon stays within DISPLAY_ERROR_M of the circle."""
    for quad_segs in range(3, QUAD_SEGS + 1):
        stretched = _equal_area(radius, quad_segs)
        # Vertices lie outside the circle, edge midpoints inside.
        worst = max(stretched - radius, radius - stretched * math.cos(math.pi / (4 * quad_segs)))
        if worst <= DISPLAY_ERROR_M:
            return quad_segs
    return QUAD_SEGS


@dataclass(frozen=True)
class _Plane:
    polygon: BaseGeometry  # WGS-84
    projected: BaseGeometry  # equal-area metres, prepared
    transformer: Transformer


@functools.lru_cache(maxsize=4096)
def _plane(code: str) -> _Plane:
    """Return a region's polygon in an equal-area plane centred on it, computed once per process."""
    polygon = atlas.region_geometry(code)
    centre = polygon.centroid
    transformer = laea(centre.y, centre.x)
    projected = _forward(transformer, polygon)
    shapely.prepare(projected)
    return _Plane(polygon, projected, transformer)


def _reach(plane: _Plane, lat: np.ndarray, lon: np.ndarray, radius: float):
    """Return the positions and plane coordinates of the stations whose circle reaches the polygon."""
    # A box around the polygon wide enough for the radius, then the exact distance in the plane.
    west, south, east, north = plane.polygon.bounds
    pad_lat = radius * _DEG_PER_M
    pad_lon = pad_lat / max(math.cos(math.radians(min(max(abs(south), abs(north)) + pad_lat, 89.0))), 0.01)
    near = np.flatnonzero(
        (lat >= south - pad_lat)
        & (lat <= north + pad_lat)
        & (lon >= west - pad_lon)
        & (lon <= east + pad_lon)
    )
    x, y = plane.transformer.transform(lon[near], lat[near])
    x, y = np.asarray(x, dtype=float).reshape(-1), np.asarray(y, dtype=float).reshape(-1)
    # The buffers poke out past r by under 0.1 %; the margin keeps every one that touches.
    keep = shapely.dwithin(plane.projected, shapely.points(x, y), radius * 1.003 + 1.0)
    return near[keep], x[keep], y[keep]


def _buffers(x: np.ndarray, y: np.ndarray, radius: float, quad_segs: int) -> BaseGeometry:
    """Return the union of equal-area buffers around plane points."""
    circles = shapely.buffer(shapely.points(x, y), _equal_area(radius, quad_segs), quad_segs=quad_segs)
    # Stations fall into many clusters that do not touch; unioning each cluster on its own is 10 times
    # faster than union_all, whose last merges redo every vertex of the whole region.
    return shapely.disjoint_subset_union_all(circles)


def coverage(region_code: str, stations: Sequence[tuple[float, float]], radius_m: float) -> RegionCoverage:
    """Return how much of a region lies within ``radius_m`` of the given (lat, lon) WGS-84 stations.

    Raises UnknownRegion for a code with no polygon and ValueError for bad stations or radius.
    """
    codes = atlas.counties(region_code) if isinstance(region_code, str) else []
    if not codes:
        raise UnknownRegion(f"no boundary for region {region_code!r}")
    radius = _check("radius_m", radius_m, MAX_RADIUS_M)
    lat, lon = _points(stations)
    homes = Counter(atlas.counties_at(lat, lon))

    rows, reaching = [], np.zeros(len(lat), dtype=bool)
    for code in codes:
        plane = _plane(code)
        near, x, y = _reach(plane, lat, lon, radius)
        reaching[near] = True
        area_km2 = plane.projected.area / 1e6
        covered = shapely.intersection(plane.projected, _buffers(x, y, radius, QUAD_SEGS))
        covered_km2 = min(covered.area / 1e6, area_km2)
        share = covered_km2 / area_km2 if area_km2 else 0.0
        rows.append(CountyCoverage(code, atlas.name(code) or "", area_km2, covered_km2, share, homes[code]))

    area = math.fsum(row.area_km2 for row in rows)
    covered_km2 = math.fsum(row.covered_km2 for row in rows)
    return RegionCoverage(
        region=region_code,
        radius_m=radius,
        area_km2=area,
        covered_km2=covered_km2,
        covered_share=covered_km2 / area if area else 0.0,
        stations=sum(row.stations for row in rows),
        counties=rows,
        uncovered=_uncovered(region_code, lat[reaching], lon[reaching], radius),
    )


def _uncovered(region_code: str, lat: np.ndarray, lon: np.ndarray, radius: float) -> BaseGeometry:
    """Return the part of a region farther than ``radius`` from every station, for the map."""
    plane = _plane(region_code)
    if not len(lat):
        return plane.polygon
    x, y = plane.transformer.transform(lon, lat)
    buffers = _buffers(np.asarray(x), np.asarray(y), radius, _display_quad_segs(radius))
    rest = _inverse(plane.transformer, shapely.difference(plane.projected, buffers))
    # Overlay output is valid in the plane; bending it back to degrees can, rarely, pinch a ring.
    if not rest.is_valid:
        rest = shapely.make_valid(rest, method="structure", keep_collapsed=False)
    return rest


def to_geojson(geometry: BaseGeometry) -> dict[str, Any]:
    """Return a GeoJSON geometry mapping with coordinates rounded to 6 decimals (about 0.1 m)."""
    return mapping(shapely.transform(geometry, lambda xy: np.round(xy, 6)))
