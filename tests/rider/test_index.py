"""The rider page shell and the district choices behind its fallback."""

import json
import re

import pytest

from stationfinder.amenities import AMENITIES
from stationfinder.extensions import db
from tests.factories import StationFactory


def page_data(body: str) -> dict:
    match = re.search(r'<script type="application/json" id="page-data">(.*?)</script>', body, re.S)
    assert match, "the page data block is missing"
    return json.loads(match.group(1))


def test_index_is_chinese_first_and_light(client):
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in body
    assert "正在获取您的位置…" in body
    # The page's own scripts, in the order they depend on each other; Leaflet, coords.js and map.js
    # load only after the list.
    scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", body)
    names = ["load_script", "rider_list", "rider_filters", "rider"]
    assert len(scripts) == len(names), scripts
    for script, name in zip(scripts, names, strict=True):
        assert re.fullmatch(rf"/static/js/{name}\.[0-9a-f]{{12}}\.js", script), script
    assert "leaflet.js" not in re.sub(r'data-leaflet-js="[^"]+"', "", body)
    # Content-Security-Policy forbids inline scripts: the only <script> without src holds JSON.
    inline = re.findall(r"<script(?![^>]*\ssrc=)([^>]*)>", body)
    assert inline == [' type="application/json" id="page-data"']


def test_index_carries_the_vocabulary_and_texts_in_the_rider_language(client):
    zh = page_data(client.get("/").get_data(as_text=True))
    assert [a["code"] for a in zh["amenities"]] == [a.code for a in AMENITIES]
    assert zh["amenities"][0] == {"code": "air_conditioning", "label": "空调", "icon": "❄️"}
    assert zh["text"]["metres"] == "%(n)s 米"
    assert zh["text"]["kilometres"] == "%(n)s 公里"
    assert zh["text"]["amap"] == "高德地图"
    assert zh["urls"]["nearest"] == "/api/v1/stations/nearest"
    assert zh["urls"]["search"] == "/api/v1/stations"

    en = page_data(client.get("/?lang=en").get_data(as_text=True))
    assert en["lang"] == "en"
    assert en["amenities"][0]["label"] == "Air conditioning"
    assert en["text"]["metres"] == "%(n)s m"
    assert en["text"]["amap"] == "Amap"


def test_language_switch_sets_a_cookie_and_accept_language_counts(client):
    response = client.get("/?lang=en")
    assert "lang=en" in response.headers["Set-Cookie"]
    assert '<html lang="en">' in client.get("/").get_data(as_text=True)
    fresh = client.application.test_client()
    assert '<html lang="en">' in fresh.get("/", headers={"Accept-Language": "en-US,en"}).get_data(
        as_text=True
    )
    assert '<html lang="zh-CN">' in fresh.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)


def test_page_data_cannot_be_broken_out_of(client):
    body = client.get("/?lang=en").get_data(as_text=True)
    block = re.search(r'id="page-data">(.*?)</script>', body, re.S).group(1)
    assert "<" not in block and ">" not in block


def test_map_container_carries_the_tile_settings(app_factory):
    app = app_factory(
        MAP_TILE_URL="https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&y={y}&z={z}", MAP_TILE_CRS="gcj02"
    )
    body = app.test_client().get("/").get_data(as_text=True)
    assert 'data-tile-url="https://webrd0{s}.is.autonavi.com/appmaptile?x={x}&amp;y={y}&amp;z={z}"' in body
    assert 'data-tile-crs="gcj02"' in body
    assert 'data-leaflet-js="/vendor/leaflet/leaflet.js?v=' in body


@pytest.fixture
def spread(app):
    """Stations in three Guizhou cities, one closed, one without a region."""
    with app.app_context():
        for code in ("520502", "520502", "520521", "520103", "520302"):
            StationFactory(region_code=code)
        StationFactory(region_code="520201", status="closed")
        StationFactory(region_code=None)
        db.session.commit()


def get_regions(client, query="", lang="zh"):
    response = client.get("/regions.json" + query, headers={"Accept-Language": lang})
    assert response.status_code == 200
    return response.get_json()


def test_regions_start_below_a_single_province(client, spread):
    answer = get_regions(client)
    # Only Guizhou has stations, so the first choice is its cities; 六盘水 has only a closed station.
    assert answer["parent"] == "520000"
    assert [(r["code"], r["name"], r["leaf"]) for r in answer["regions"]] == [
        ("520100", "贵阳市", False),
        ("520300", "遵义市", False),
        ("520500", "毕节市", False),
    ]


def test_regions_drill_down_and_name_in_english(client, spread):
    answer = get_regions(client, "?parent=520500", lang="en")
    assert answer["parent"] == "520500"
    # Counties have no English names: they keep their Chinese ones.
    assert [(r["code"], r["name"], r["leaf"]) for r in answer["regions"]] == [
        ("520502", "七星关区", True),
        ("520521", "大方县", True),
    ]
    assert get_regions(client, "?parent=520000", lang="en")["regions"][0]["name"] == "Guiyang"
    assert get_regions(client, "?parent=520502")["regions"] == []


def test_regions_list_several_provinces_and_unknown_codes(app, client):
    with app.app_context():
        StationFactory(region_code="520502")
        StationFactory(region_code="110105")
        db.session.commit()
    answer = get_regions(client)
    assert answer["parent"] is None
    assert [(r["code"], r["name"]) for r in answer["regions"]] == [("110000", "110000"), ("520000", "贵州省")]


@pytest.mark.parametrize("parent", ["52", "abcdef", "5205021", "０５２０５０"])
def test_regions_refuse_a_malformed_parent(client, parent):
    response = client.get("/regions.json?parent=" + parent)
    assert response.status_code == 400
