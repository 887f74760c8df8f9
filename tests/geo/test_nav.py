"""Navigation links are routes to the station, with the position in the system each app documents."""

from urllib.parse import parse_qs, urlsplit

import pytest
from geopy.distance import geodesic

from stationfinder.geo import coords
from stationfinder.geo.nav import nav_links

BIJIE = (27.2966, 105.2958)
LONDON = (51.5007, -0.1246)
NAME = "毕城红骑手 & <服务中心> #1"


def parts(url):
    split = urlsplit(url)
    query = parse_qs(split.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(v) == 1 for v in query.values()), f"a parameter is repeated in {url}"
    return split.scheme + "://" + split.netloc + split.path, {k: v[0] for k, v in query.items()}


def pair(text):
    a, b = text.split(",")
    return float(a), float(b)


def test_amap_is_a_riding_route_in_gcj02():
    # https://lbs.amap.com/api/uri-api/guide/travel/route: to=lon,lat,name; mode=ride; callnative.
    base, q = parts(nav_links(*BIJIE, NAME)["amap"])
    assert base == "https://uri.amap.com/navigation"
    assert set(q) == {"to", "mode", "coordinate", "callnative", "src"}
    lon, lat, name = q["to"].split(",")
    assert all(len(v.partition(".")[2]) <= 6 for v in (lon, lat))
    # coordinate=gaode is GCJ-02: the shifted point, which lands back on the station.
    assert q["coordinate"] == "gaode"
    assert geodesic((float(lat), float(lon)), coords.wgs84_to_gcj02(*BIJIE)).meters < 0.1
    assert geodesic(coords.gcj02_to_wgs84(float(lat), float(lon)), BIJIE).meters < 0.1
    assert geodesic((float(lat), float(lon)), BIJIE).meters > 100
    assert name == NAME
    assert q["mode"] == "ride"
    assert q["callnative"] == "1"
    assert q["src"] == "stationfinder"
    # No "from": the app starts the route where the rider is.
    assert "from" not in q


def test_baidu_is_a_riding_route_in_wgs84():
    # Baidu URI API direction: destination=latlng:lat,lng|name:…, coord_type, output=html, src.
    base, q = parts(nav_links(*BIJIE, NAME, "奥莱国际广场")["baidu"])
    assert base == "https://api.map.baidu.com/direction"
    assert set(q) == {"destination", "mode", "coord_type", "output", "src"}
    latlng, name = q["destination"].split("|")
    assert latlng.startswith("latlng:") and name == "name:" + NAME
    assert pair(latlng.removeprefix("latlng:")) == pytest.approx(BIJIE, abs=1e-7)
    assert q["coord_type"] == "wgs84"
    assert q["mode"] == "riding"
    assert q["output"] == "html"
    assert q["src"] == "webapp.stationfinder"


def test_apple_is_directions_in_gcj02_inside_china():
    base, q = parts(nav_links(*BIJIE, NAME)["apple"])
    assert base == "https://maps.apple.com/"
    assert set(q) == {"daddr", "dirflg"}
    daddr = pair(q["daddr"])
    assert geodesic(daddr, coords.wgs84_to_gcj02(*BIJIE)).meters < 0.05
    # Reading it back as GCJ-02 lands on the station; as WGS-84 it would be hundreds of metres off.
    assert geodesic(coords.gcj02_to_wgs84(*daddr), BIJIE).meters < 0.05
    assert geodesic(daddr, BIJIE).meters > 100
    assert q["dirflg"] == "w"


def test_routes_are_wgs84_outside_china():
    links = nav_links(*LONDON, "Westminster")
    assert pair(parts(links["apple"])[1]["daddr"]) == pytest.approx(LONDON, abs=1e-7)
    lon, lat, _ = parts(links["amap"])[1]["to"].split(",")
    assert (float(lat), float(lon)) == pytest.approx(LONDON, abs=1e-6)


def test_markers_stay_as_the_fallback():
    links = nav_links(*BIJIE, NAME, "奥莱国际广场")
    base, q = parts(links["amap_marker"])
    assert base == "https://uri.amap.com/marker"
    lon, lat = pair(q["position"])
    assert (lat, lon) == pytest.approx(BIJIE, abs=1e-7)
    assert q["coordinate"] == "wgs84" and q["name"] == NAME and q["callnative"] == "1"
    base, q = parts(links["baidu_marker"])
    assert base == "https://api.map.baidu.com/marker"
    assert pair(q["location"]) == pytest.approx(BIJIE, abs=1e-7)
    assert q["coord_type"] == "wgs84" and q["title"] == NAME and q["content"] == "奥莱国际广场"
    assert q["src"] == "webapp.stationfinder" and q["output"] == "html"


def test_names_cannot_break_the_route_values():
    links = nav_links(*BIJIE, "甲,乙|丙")
    _, amap = parts(links["amap"])
    assert amap["to"].split(",")[2:] == ["甲，乙|丙"]
    _, baidu = parts(links["baidu"])
    assert baidu["destination"].split("|")[1] == "name:甲,乙｜丙"


def test_names_are_encoded():
    links = nav_links(*BIJIE, "a&b=c #d")
    for url in links.values():
        assert " " not in url and "#" not in url and "&b=c" not in url
