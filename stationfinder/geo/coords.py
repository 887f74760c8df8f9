"""Convert between WGS-84, GCJ-02 (China's obfuscated datum) and BD-09 (Baidu's).

Every function takes and returns ``(lat, lon)`` in degrees. The inverses are
exact fixed-point iterations of the forward transforms, not the one-step
approximation that is up to about 4 m off. Outside China's bounding box (as
eviltransform draws it) neither offset applies: all three systems coincide.
"""

import math

import numpy as np

SYSTEMS = ("wgs84", "gcj02", "bd09")

# Krasovsky 1940 ellipsoid, which the GCJ-02 algorithm is defined on.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

# Stop when the forward transform of the estimate is this close to the target (~0.1 mm).
_TOLERANCE_DEG = 1e-9
_MAX_ITERATIONS = 50


# China's bounding box as eviltransform draws it (static/js/coords.js holds the same numbers).
_LON_MIN, _LON_MAX = 72.004, 137.8347
_LAT_MIN, _LAT_MAX = 0.8293, 55.8271


def out_of_china(lat: float, lon: float) -> bool:
    """Return True when GCJ-02 leaves the position untouched (the published bounding box)."""
    return not (_LON_MIN <= lon <= _LON_MAX and _LAT_MIN <= lat <= _LAT_MAX)


def _transform(x, y, m=math):
    """Return the GCJ-02 offsets (metres-ish) for lon/lat relative to (105, 35).

    ``m`` is the math module to use: ``math`` for one position, ``numpy`` for arrays of them.
    """
    xy = x * y
    abs_x = m.sqrt(abs(x))
    x_pi = x * math.pi
    y_pi = y * math.pi
    d = 20.0 * m.sin(6.0 * x_pi) + 20.0 * m.sin(2.0 * x_pi)
    dlat = d + 20.0 * m.sin(y_pi) + 40.0 * m.sin(y_pi / 3.0)
    dlon = d + 20.0 * m.sin(x_pi) + 40.0 * m.sin(x_pi / 3.0)
    dlat += 160.0 * m.sin(y_pi / 12.0) + 320.0 * m.sin(y_pi / 30.0)
    dlon += 150.0 * m.sin(x_pi / 12.0) + 300.0 * m.sin(x_pi / 30.0)
    dlat = dlat * 2.0 / 3.0 - 100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * xy + 0.2 * abs_x
    dlon = dlon * 2.0 / 3.0 + 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * xy + 0.1 * abs_x
    return dlat, dlon


def _gcj_delta(lat, lon, m=math):
    """Return the GCJ-02 offset in degrees at a WGS-84 position (``m``: as for ``_transform``)."""
    dlat, dlon = _transform(lon - 105.0, lat - 35.0, m)
    rad_lat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * m.sin(rad_lat) ** 2
    sqrt_magic = m.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * m.cos(rad_lat) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Convert WGS-84 to GCJ-02 (identity outside China)."""
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_delta(lat, lon)
    return lat + dlat, lon + dlon


def wgs84_to_gcj02_many(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Convert arrays of WGS-84 positions to GCJ-02 at once (as ``wgs84_to_gcj02`` does each one)."""
    lat, lon = np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)
    dlat, dlon = _gcj_delta(lat, lon, np)
    inside = (lon >= _LON_MIN) & (lon <= _LON_MAX) & (lat >= _LAT_MIN) & (lat <= _LAT_MAX)
    return np.where(inside, lat + dlat, lat), np.where(inside, lon + dlon, lon)


def gcj02_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Convert GCJ-02 to BD-09 (identity outside China, like GCJ-02 itself)."""
    if out_of_china(lat, lon):
        return lat, lon
    z = math.hypot(lon, lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 0.000003 * math.cos(lon * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _invert(forward, lat: float, lon: float) -> tuple[float, float]:
    """Find (la, lo) with forward(la, lo) == (lat, lon) by fixed-point iteration.

    The transforms are near-translations with tiny gradients, so subtracting
    the residual converges geometrically (to 1e-9 degrees in a few steps).
    """
    guess_lat, guess_lon = lat, lon
    for _ in range(_MAX_ITERATIONS):
        f_lat, f_lon = forward(guess_lat, guess_lon)
        err_lat, err_lon = f_lat - lat, f_lon - lon
        if abs(err_lat) < _TOLERANCE_DEG and abs(err_lon) < _TOLERANCE_DEG:
            break
        guess_lat -= err_lat
        guess_lon -= err_lon
    return guess_lat, guess_lon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Convert GCJ-02 to WGS-84 exactly (identity outside China)."""
    if out_of_china(lat, lon):
        return lat, lon
    return _invert(wgs84_to_gcj02, lat, lon)


def bd09_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """Convert BD-09 to GCJ-02 exactly (identity outside China)."""
    if out_of_china(lat, lon):
        return lat, lon
    return _invert(gcj02_to_bd09, lat, lon)


def wgs84_to_bd09(lat: float, lon: float) -> tuple[float, float]:
    """Convert WGS-84 to BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lat, lon))


def bd09_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """Convert BD-09 to WGS-84 exactly."""
    # Two exact steps, so the China boundary test applies to the GCJ-02 position as it does forwards.
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lon))


_TO_WGS84 = {"wgs84": lambda lat, lon: (lat, lon), "gcj02": gcj02_to_wgs84, "bd09": bd09_to_wgs84}
_FROM_WGS84 = {"wgs84": lambda lat, lon: (lat, lon), "gcj02": wgs84_to_gcj02, "bd09": wgs84_to_bd09}


def _pick(table: dict, system: str):
    try:
        return table[system]
    except (KeyError, TypeError):
        raise ValueError(f"unknown coordinate system {system!r}; use one of {', '.join(SYSTEMS)}") from None


def to_wgs84(lat: float, lon: float, system: str = "wgs84") -> tuple[float, float]:
    """Convert a position in ``system`` to WGS-84."""
    return _pick(_TO_WGS84, system)(lat, lon)


def from_wgs84(lat: float, lon: float, system: str = "wgs84") -> tuple[float, float]:
    """Convert a WGS-84 position to ``system``."""
    return _pick(_FROM_WGS84, system)(lat, lon)
