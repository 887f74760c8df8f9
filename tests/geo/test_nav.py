"""Navigation deep links carry the position in the system each app expects."""

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
    return split.scheme + "://" + split.netloc + split.path, {
        k: v[0] for k, v in parse_qs(split.query).items()
    }


def pair(text):
    a, b = text.split(",")
    return float(a), float(b)


def test_amap_link_is_wgs84_lon_lat():
    base, q = parts(nav_links(*BIJIE, NAME)["amap"])
    assert base == "https://uri.amap.com/marker"
    lon, lat = pair(q["position"])
    assert (lat, lon) == pytest.approx(BIJIE, abs=1e-7)
    assert q["coordinate"] == "wgs84"
    assert q["name"] == NAME
    assert q["src"] == "stationfinder"
    assert q["callnative"] == "1"


def test_baidu_link_is_wgs84_lat_lon_with_src():
    base, q = parts(nav_links(*BIJIE, NAME, "奥莱国际广场")["baidu"])
    assert base == "https://api.map.baidu.com/marker"
    assert pair(q["location"]) == pytest.approx(BIJIE, abs=1e-7)
    assert q["coord_type"] == "wgs84"
    assert q["src"] == "webapp.stationfinder"
    assert q["output"] == "html"
    assert q["title"] == NAME
    assert q["content"] == "奥莱国际广场"


def test_apple_link_is_gcj02_inside_china():
    base, q = parts(nav_links(*BIJIE, NAME)["apple"])
    assert base == "https://maps.apple.com/"
    ll = pair(q["ll"])
    assert geodesic(ll, coords.wgs84_to_gcj02(*BIJIE)).meters < 0.05
    # Reading it back as GCJ-02 lands on the station; as WGS-84 it would be hundreds of metres off.
    assert geodesic(coords.gcj02_to_wgs84(*ll), BIJIE).meters < 0.05
    assert geodesic(ll, BIJIE).meters > 100
    assert q["q"] == NAME


def test_apple_link_is_wgs84_outside_china():
    _, q = parts(nav_links(*LONDON, "Westminster")["apple"])
    assert pair(q["ll"]) == pytest.approx(LONDON, abs=1e-7)


def test_names_are_encoded():
    links = nav_links(*BIJIE, "a&b=c #d")
    for url in links.values():
        assert " " not in url and "#" not in url and "&b=c" not in url
