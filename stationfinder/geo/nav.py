"""Deep links that open a station in Amap, Baidu Maps and Apple Maps."""

from urllib.parse import quote

from stationfinder.geo.coords import out_of_china, wgs84_to_gcj02

AMAP_MARKER = "https://uri.amap.com/marker"
BAIDU_MARKER = "https://api.map.baidu.com/marker"
APPLE_MAPS = "https://maps.apple.com/"


def _fmt(value: float) -> str:
    """Format a coordinate to 7 decimals (about 1 cm), without trailing zeros."""
    return f"{value:.7f}".rstrip("0").rstrip(".")


def _query(params: list[tuple[str, str]]) -> str:
    # Commas stay literal: the map apps split "a,b" themselves and some do not decode %2C.
    return "&".join(f"{key}={quote(value, safe=',')}" for key, value in params)


def amap_link(lat: float, lon: float, name: str) -> str:
    """Return an Amap marker link; Amap converts the WGS-84 position itself (coordinate=wgs84)."""
    return (
        AMAP_MARKER
        + "?"
        + _query(
            [
                ("position", f"{_fmt(lon)},{_fmt(lat)}"),
                ("name", name),
                ("src", "stationfinder"),
                ("coordinate", "wgs84"),
                ("callnative", "1"),
            ]
        )
    )


def baidu_link(lat: float, lon: float, name: str, address: str = "") -> str:
    """Return a Baidu Maps marker link; Baidu converts the WGS-84 position itself (coord_type=wgs84)."""
    return (
        BAIDU_MARKER
        + "?"
        + _query(
            [
                ("location", f"{_fmt(lat)},{_fmt(lon)}"),
                ("title", name),
                ("content", address or name),
                ("output", "html"),
                ("coord_type", "wgs84"),
                ("src", "webapp.stationfinder"),
            ]
        )
    )


def apple_link(lat: float, lon: float, name: str) -> str:
    """Return an Apple Maps link; in mainland China Apple's map is GCJ-02, so shift the position there."""
    if not out_of_china(lat, lon):
        lat, lon = wgs84_to_gcj02(lat, lon)
    return APPLE_MAPS + "?" + _query([("ll", f"{_fmt(lat)},{_fmt(lon)}"), ("q", name)])


def nav_links(lat: float, lon: float, name: str, address: str = "") -> dict[str, str]:
    """Return {"amap", "baidu", "apple"} links for a WGS-84 position."""
    return {
        "amap": amap_link(lat, lon, name),
        "baidu": baidu_link(lat, lon, name, address),
        "apple": apple_link(lat, lon, name),
    }
