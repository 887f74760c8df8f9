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

from stationfinder.geo.coords import wgs84_to_gcj02

AMAP_ROUTE = "https://uri.amap.com/navigation"
AMAP_MARKER = "https://uri.amap.com/marker"
BAIDU_ROUTE = "https://api.map.baidu.com/direction"
BAIDU_MARKER = "https://api.map.baidu.com/marker"
APPLE_MAPS = "https://maps.apple.com/"
AMAP_SRC = "stationfinder"
BAIDU_SRC = "webapp.stationfinder"

# Each byte's form in a query value: unreserved characters as they are, the rest as %XX (as quote()
# does), as a str.translate table over the UTF-8 bytes read as Latin-1 (one character per byte).
_PCT = {
    b: chr(b) if chr(b) in "-._~" or chr(b).isascii() and chr(b).isalnum() else f"%{b:02X}"
    for b in range(256)
}
# Amap splits "lon,lat,name" at commas and Baidu "latlng:…|name:…" at bars: a name must not cut them.
_AMAP_NAME = str.maketrans({",": "，"})
_BAIDU_NAME = str.maketrans({"|": "｜"})


def _q(text: str) -> str:
    """Percent-encode a query value.

    Not memoised: the nearest search keeps its shaped stations, links included, so a name comes
    here again only once its station has left that cache.
    """
    return (text or "").encode().decode("latin-1").translate(_PCT)


def _fmt(value: float, digits: int = 7) -> str:
    """Format a coordinate to 7 decimals (about 1 cm) or fewer, without trailing zeros."""
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


# Separators inside one value (the commas between coordinates, Baidu's "|" and ":") stay
# literal: the apps split on them before decoding, and their documentation writes them so.


def nav_links(
    lat: float, lon: float, name: str, address: str = "", gcj: tuple[float, float] | None = None
) -> dict[str, str]:
    """Return route links {"amap", "baidu", "apple"} and pin fallbacks {"amap_marker", "baidu_marker"}.

    ``gcj`` is the position in GCJ-02 when the caller already has it. Every number and name is
    formatted once for all five links: the nearest search builds them for each station it answers.
    """
    g_lat, g_lon = gcj or wgs84_to_gcj02(lat, lon)
    w_lat, w_lon = _fmt(lat), _fmt(lon)
    q_name = _q(name)
    # Amap's route (riding) and Apple's map take GCJ-02; Amap documents six decimals (about 10 cm).
    amap_name = _q(name.translate(_AMAP_NAME)) if "," in name else q_name
    baidu_name = _q(name.translate(_BAIDU_NAME)) if "|" in name else q_name
    content = _q(address) if address else q_name
    return {
        "amap": (
            f"{AMAP_ROUTE}?to={_fmt(g_lon, 6)},{_fmt(g_lat, 6)},{amap_name}"
            f"&mode=ride&coordinate=gaode&callnative=1&src={AMAP_SRC}"
        ),
        # The pins convert WGS-84 themselves (coordinate=wgs84, coord_type=wgs84).
        "amap_marker": (
            f"{AMAP_MARKER}?position={w_lon},{w_lat}&name={q_name}&src={AMAP_SRC}&coordinate=wgs84&callnative=1"
        ),
        "apple": f"{APPLE_MAPS}?daddr={_fmt(g_lat)},{_fmt(g_lon)}&dirflg=w",
        "baidu": (
            f"{BAIDU_ROUTE}?destination=latlng:{w_lat},{w_lon}|name:{baidu_name}"
            f"&mode=riding&coord_type=wgs84&output=html&src={BAIDU_SRC}"
        ),
        "baidu_marker": (
            f"{BAIDU_MARKER}?location={w_lat},{w_lon}&title={q_name}&content={content}"
            f"&output=html&coord_type=wgs84&src={BAIDU_SRC}"
        ),
    }
