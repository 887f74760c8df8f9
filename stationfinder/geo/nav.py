"""Deep links that open a station in Amap, Baidu Maps and Apple Maps."""

from functools import lru_cache

from stationfinder.geo.coords import out_of_china, wgs84_to_gcj02

AMAP_MARKER = "https://uri.amap.com/marker"
BAIDU_MARKER = "https://api.map.baidu.com/marker"
APPLE_MAPS = "https://maps.apple.com/"


# Each byte's form in a query value: unreserved characters as they are, the rest as %XX (as quote() does).
_PCT = tuple(
    chr(b) if chr(b) in "-._~" or chr(b).isascii() and chr(b).isalnum() else f"%{b:02X}" for b in range(256)
)


@lru_cache(maxsize=8192)
def _q(text: str) -> str:
    """Percent-encode a query value (cached: the same station names come back again and again)."""
    return "".join(map(_PCT.__getitem__, (text or "").encode()))


def _fmt(value: float) -> str:
    """Format a coordinate to 7 decimals (about 1 cm), without trailing zeros."""
    return f"{value:.7f}".rstrip("0").rstrip(".")


# Commas between coordinates stay literal: the map apps split "a,b" themselves.


def amap_link(lat: float, lon: float, name: str) -> str:
    """Return an Amap marker link; Amap converts the WGS-84 position itself (coordinate=wgs84)."""
    return _amap(_fmt(lat), _fmt(lon), _q(name))


def baidu_link(lat: float, lon: float, name: str, address: str = "") -> str:
    """Return a Baidu Maps marker link; Baidu converts the WGS-84 position itself (coord_type=wgs84)."""
    return _baidu(_fmt(lat), _fmt(lon), _q(name), _q(address or name))


def apple_link(lat: float, lon: float, name: str) -> str:
    """Return an Apple Maps link; in mainland China Apple's map is GCJ-02, so shift the position there."""
    return _apple(lat, lon, _q(name))


def _amap(lat: str, lon: str, name: str) -> str:
    return f"{AMAP_MARKER}?position={lon},{lat}&name={name}&src=stationfinder&coordinate=wgs84&callnative=1"


def _baidu(lat: str, lon: str, name: str, content: str) -> str:
    return (
        f"{BAIDU_MARKER}?location={lat},{lon}&title={name}&content={content}"
        "&output=html&coord_type=wgs84&src=webapp.stationfinder"
    )


def _apple(lat: float, lon: float, name: str) -> str:
    if not out_of_china(lat, lon):
        lat, lon = wgs84_to_gcj02(lat, lon)
    return f"{APPLE_MAPS}?ll={_fmt(lat)},{_fmt(lon)}&q={name}"


def nav_links(lat: float, lon: float, name: str, address: str = "") -> dict[str, str]:
    """Return {"amap", "baidu", "apple"} links for a WGS-84 position."""
    lat_s, lon_s, name_q = _fmt(lat), _fmt(lon), _q(name)
    return {
        "amap": _amap(lat_s, lon_s, name_q),
        "apple": _apple(lat, lon, name_q),
        "baidu": _baidu(lat_s, lon_s, name_q, _q(address) if address else name_q),
    }
