"""Deep links that route a rider to a station in Amap, Baidu Maps and Apple Maps.

Riders want a route, not a pin: each app's route URI puts the station in as the
destination and leaves the start empty, so the app starts from where the rider is.

- Amap ``uri.amap.com/navigation``: ``to=lon,lat,name``, ``mode=ride`` (riding, phones
  only), ``callnative=1`` opens the app when installed. The route URI's documented
  parameters are in Amap's own GCJ-02 (``coordinate=gaode``, the default), so the
  WGS-84 position is shifted here.
- Baidu ``api.map.baidu.com/direction``: ``destination=latlng:lat,lng|name:…``,
  ``mode=riding``, ``coord_type=wgs84`` (Baidu converts), ``output=html`` for the
  web map, ``src`` as Baidu asks.
- Apple ``maps.apple.com/?daddr=lat,lon&dirflg=w``: Apple's map is GCJ-02 inside
  mainland China. Its URL has no riding mode; walking keeps e-bikes off the
  expressways and elevated roads a driving route would take.

The marker (pin) links stay as ``*_marker``: the fallback for a client that cannot
route, such as a desktop browser, where Amap's riding mode does not work.
"""

from functools import lru_cache

from stationfinder.geo.coords import wgs84_to_gcj02

AMAP_ROUTE = "https://uri.amap.com/navigation"
AMAP_MARKER = "https://uri.amap.com/marker"
BAIDU_ROUTE = "https://api.map.baidu.com/direction"
BAIDU_MARKER = "https://api.map.baidu.com/marker"
APPLE_MAPS = "https://maps.apple.com/"
AMAP_SRC = "stationfinder"
BAIDU_SRC = "webapp.stationfinder"

# Each byte's form in a query value: unreserved characters as they are, the rest as %XX (as quote() does).
_PCT = tuple(
    chr(b) if chr(b) in "-._~" or chr(b).isascii() and chr(b).isalnum() else f"%{b:02X}" for b in range(256)
)
# Amap splits "lon,lat,name" at commas and Baidu "latlng:…|name:…" at bars: a name must not cut them.
_AMAP_NAME = str.maketrans({",": "，"})
_BAIDU_NAME = str.maketrans({"|": "｜"})


@lru_cache(maxsize=8192)
def _q(text: str) -> str:
    """Percent-encode a query value (cached: the same station names come back again and again)."""
    return "".join(map(_PCT.__getitem__, (text or "").encode()))


def _fmt(value: float, digits: int = 7) -> str:
    """Format a coordinate to 7 decimals (about 1 cm) or fewer, without trailing zeros."""
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


# Separators inside one value (the commas between coordinates, Baidu's "|" and ":") stay
# literal: the apps split on them before decoding, and their documentation writes them so.


def amap_route(lat: float, lon: float, name: str, gcj: tuple[float, float] | None = None) -> str:
    """Return an Amap riding route to a WGS-84 position (``gcj``: its GCJ-02 form, when known)."""
    # Six decimals (about 10 cm): Amap documents no more for positions in its web route pages.
    g_lat, g_lon = gcj or wgs84_to_gcj02(lat, lon)
    return (
        f"{AMAP_ROUTE}?to={_fmt(g_lon, 6)},{_fmt(g_lat, 6)},{_q(name.translate(_AMAP_NAME))}"
        f"&mode=ride&coordinate=gaode&callnative=1&src={AMAP_SRC}"
    )


def baidu_route(lat: float, lon: float, name: str) -> str:
    """Return a Baidu Maps riding route to a WGS-84 position (Baidu converts it: coord_type=wgs84)."""
    return (
        f"{BAIDU_ROUTE}?destination=latlng:{_fmt(lat)},{_fmt(lon)}|name:{_q(name.translate(_BAIDU_NAME))}"
        f"&mode=riding&coord_type=wgs84&output=html&src={BAIDU_SRC}"
    )


def apple_route(lat: float, lon: float, gcj: tuple[float, float] | None = None) -> str:
    """Return Apple Maps directions to a WGS-84 position (shifted to GCJ-02 inside China: ``gcj``)."""
    a_lat, a_lon = gcj or wgs84_to_gcj02(lat, lon)
    return f"{APPLE_MAPS}?daddr={_fmt(a_lat)},{_fmt(a_lon)}&dirflg=w"


def amap_marker(lat: float, lon: float, name: str) -> str:
    """Return an Amap pin; Amap converts the WGS-84 position itself (coordinate=wgs84)."""
    return (
        f"{AMAP_MARKER}?position={_fmt(lon)},{_fmt(lat)}&name={_q(name)}"
        f"&src={AMAP_SRC}&coordinate=wgs84&callnative=1"
    )


def baidu_marker(lat: float, lon: float, name: str, address: str = "") -> str:
    """Return a Baidu Maps pin; Baidu converts the WGS-84 position itself (coord_type=wgs84)."""
    return (
        f"{BAIDU_MARKER}?location={_fmt(lat)},{_fmt(lon)}&title={_q(name)}&content={_q(address or name)}"
        f"&output=html&coord_type=wgs84&src={BAIDU_SRC}"
    )


def nav_links(lat: float, lon: float, name: str, address: str = "") -> dict[str, str]:
    """Return route links {"amap", "baidu", "apple"} and pin fallbacks {"amap_marker", "baidu_marker"}."""
    # Shifting to GCJ-02 is most of a link's cost, and two of them need it: shift once.
    gcj = wgs84_to_gcj02(lat, lon)
    return {
        "amap": amap_route(lat, lon, name, gcj),
        "amap_marker": amap_marker(lat, lon, name),
        "apple": apple_route(lat, lon, gcj),
        "baidu": baidu_route(lat, lon, name),
        "baidu_marker": baidu_marker(lat, lon, name, address),
    }
