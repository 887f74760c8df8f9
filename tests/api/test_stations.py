"""The stations API: nearest search, listing, one station, validation errors and the OpenAPI document."""

import math
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from geopy.distance import geodesic

from stationfinder.api.schemas import NearestOut, StationListOut, StationOut
from stationfinder.extensions import db
from stationfinder.geo import coords
from stationfinder.services import dataset
from tests.busy_world import T0, arrive, give_history
from tests.factories import StationFactory

NEAREST = "/api/v1/stations/nearest"
PROBLEM_KEYS = {"type", "title", "status", "detail"}
API_KEYS = {"id", "ref", "name", "address", "lat", "lon", "distance_m", "amenities", "open_now"}
API_KEYS |= {"opening_hours", "region_code", "nav"}


@pytest.fixture
def guizhou(app):
    """Four stations in Guizhou, one closed, and one in Chengdu; returns {name: id}."""
    with app.app_context():
        rows = [
            StationFactory(name="毕城", lat=27.2966, lon=105.2958, region_code="520502", amenity_mask=0b1011),
            StationFactory(name="七星关二号", lat=27.31, lon=105.28, region_code="520502", amenity_mask=0b10),
            StationFactory(name="云岩", lat=26.58, lon=106.71, region_code="520103", amenity_mask=0),
            StationFactory(name="关门了", lat=27.297, lon=105.296, region_code="520502", status="closed"),
            StationFactory(name="Chengdu Hub", lat=30.57, lon=104.07, region_code="510107"),
        ]
        dataset.bump()
        db.session.commit()
        return {s.name: s.id for s in rows}


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) >= PROBLEM_KEYS
    assert body["status"] == status
    assert body["type"].startswith("https://") and body["title"] and body["detail"]
    return body


def test_nearest_answers_nearest_first_with_the_api_shape(client, guizhou):
    r = client.get(NEAREST, query_string={"lat": 27.30, "lon": 105.29})
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    assert NearestOut().validate(body) == {}
    found = body["stations"]
    assert [s["name"] for s in found] == ["毕城", "七星关二号", "云岩", "Chengdu Hub"]
    for s in found:
        assert set(s) >= API_KEYS
        assert StationOut().validate(s) == {}
        true_d = geodesic((27.30, 105.29), (s["lat"], s["lon"])).meters
        assert abs(s["distance_m"] - true_d) <= max(2.0, 1e-4 * true_d)
    assert found[0]["amenities"] == ["air_conditioning", "drinking_water", "seating"]
    assert found[0]["id"] == guizhou["毕城"]


def test_nearest_default_limit_is_5_and_limit_is_respected(client, app):
    with app.app_context():
        for i in range(8):
            StationFactory(lat=26.5 + i * 0.01, lon=106.7)
        dataset.bump()
        db.session.commit()
    assert len(client.get(NEAREST + "?lat=26.5&lon=106.7").get_json()["stations"]) == 5
    assert len(client.get(NEAREST + "?lat=26.5&lon=106.7&limit=1").get_json()["stations"]) == 1
    assert len(client.get(NEAREST + "?lat=26.5&lon=106.7&limit=50").get_json()["stations"]) == 8


@pytest.mark.parametrize("system", ["gcj02", "bd09"])
def test_nearest_converts_the_query_position(client, guizhou, system):
    lat, lon = coords.from_wgs84(27.2966, 105.2958, system)
    r = client.get(NEAREST, query_string={"lat": lat, "lon": lon, "coord": system, "limit": 1})
    (station,) = r.get_json()["stations"]
    assert station["name"] == "毕城"
    # The answer is WGS-84 and the converted query lands on the station.
    assert (station["lat"], station["lon"]) == (27.2966, 105.2958)
    assert station["distance_m"] < 0.5


def test_gcj02_query_without_coord_would_be_hundreds_of_metres_off(client, guizhou):
    lat, lon = coords.from_wgs84(27.2966, 105.2958, "gcj02")
    (station,) = client.get(NEAREST, query_string={"lat": lat, "lon": lon, "limit": 1}).get_json()["stations"]
    assert station["distance_m"] > 100


def test_nearest_amenities_are_all_required_and_repeatable(client, guizhou):
    qs = "?lat=27.3&lon=105.29&amenity=drinking_water"
    assert [s["name"] for s in client.get(NEAREST + qs).get_json()["stations"]] == ["毕城", "七星关二号"]
    qs += "&amenity=air_conditioning"
    assert [s["name"] for s in client.get(NEAREST + qs).get_json()["stations"]] == ["毕城"]


def test_nearest_max_distance_and_open_now(client, guizhou):
    found = client.get(NEAREST + "?lat=27.3&lon=105.29&max_distance_m=5000").get_json()["stations"]
    assert [s["name"] for s in found] == ["毕城", "七星关二号"]
    found = client.get(NEAREST + "?lat=27.3&lon=105.29&open_now=true").get_json()["stations"]
    assert found and all(s["open_now"] for s in found)
    assert "关门了" not in {s["name"] for s in found}


def test_nav_links_are_right_for_their_systems(client, guizhou):
    (s,) = client.get(NEAREST + "?lat=27.3&lon=105.29&limit=1").get_json()["stations"]
    amap = parse_qs(urlsplit(s["nav"]["amap"]).query)
    lon, lat, _name = amap["to"][0].split(",")
    assert amap["coordinate"] == ["gaode"] and amap["mode"] == ["ride"]
    assert geodesic(coords.gcj02_to_wgs84(float(lat), float(lon)), (27.2966, 105.2958)).meters < 0.1
    baidu = parse_qs(urlsplit(s["nav"]["baidu"]).query)
    assert baidu["coord_type"] == ["wgs84"] and baidu["mode"] == ["riding"] and baidu["src"]
    assert baidu["destination"][0].startswith("latlng:27.2966,105.2958|name:")
    apple = parse_qs(urlsplit(s["nav"]["apple"]).query)
    lat, lon = map(float, apple["daddr"][0].split(","))
    assert geodesic(coords.gcj02_to_wgs84(lat, lon), (27.2966, 105.2958)).meters < 0.05
    marker = parse_qs(urlsplit(s["nav"]["amap_marker"]).query)
    assert marker["coordinate"] == ["wgs84"] and marker["position"] == ["105.2958,27.2966"]


BAD_NEAREST = [
    pytest.param("", id="missing lat and lon"),
    pytest.param("lat=27", id="missing lon"),
    pytest.param("lat=abc&lon=105", id="lat not a number"),
    pytest.param("lat=27&lon=", id="empty lon"),
    pytest.param("lat=nan&lon=105", id="nan"),
    pytest.param("lat=27&lon=inf", id="inf"),
    pytest.param("lat=27&lon=-Infinity", id="-inf"),
    pytest.param("lat=1e999&lon=105", id="overflow"),
    pytest.param("lat=90.0001&lon=105", id="lat too big"),
    pytest.param("lat=-91&lon=105", id="lat too small"),
    pytest.param("lat=27&lon=180.5", id="lon out of range"),
    pytest.param("lat=27&lon=105&limit=0", id="limit 0"),
    pytest.param("lat=27&lon=105&limit=201", id="limit 201"),
    pytest.param("lat=27&lon=105&limit=2.5", id="limit fraction"),
    pytest.param("lat=27&lon=105&limit=" + "9" * 5000, id="limit 5000 digits"),
    pytest.param("lat=27&lon=105&coord=WGS84", id="coord wrong case"),
    pytest.param("lat=27&lon=105&coord=epsg4326", id="unknown coord"),
    pytest.param("lat=27&lon=105&amenity=sauna", id="unknown amenity"),
    pytest.param("lat=27&lon=105&amenity=wifi&amenity=", id="empty amenity"),
    pytest.param("lat=27&lon=105&" + "&".join(["amenity=wifi"] * 40), id="too many amenities"),
    pytest.param("lat=27&lon=105&open_now=maybe", id="open_now not boolean"),
    pytest.param("lat=27&lon=105&max_distance_m=0", id="max distance 0"),
    pytest.param("lat=27&lon=105&max_distance_m=-5", id="max distance negative"),
    pytest.param("lat=27&lon=105&max_distance_m=1e12", id="max distance huge"),
    pytest.param("lat=27&lon=105&max_distance_m=nan", id="max distance nan"),
    pytest.param("lat=" + "1" * 100_000 + "&lon=105", id="oversized lat"),
    pytest.param("lat=27%00&lon=105", id="NUL"),
]


@pytest.mark.parametrize("query", BAD_NEAREST)
def test_nearest_malformed_input_is_a_400_problem(client, guizhou, query):
    body = problem(client.get(NEAREST + "?" + query), 400)
    assert body["errors"]


def test_nearest_error_names_the_field(client):
    body = problem(client.get(NEAREST + "?lat=91&lon=105&amenity=sauna"), 400)
    assert set(body["errors"]) == {"lat", "amenity"}
    assert "lat" in body["detail"] and "amenity" in body["detail"]


def test_list_filters_and_pages(client, guizhou):
    body = client.get("/api/v1/stations?region=520000").get_json()
    assert StationListOut().validate(body) == {}
    assert body["total"] == 4
    assert {s["name"] for s in body["stations"]} == {"毕城", "七星关二号", "云岩", "关门了"}
    closed = next(s for s in body["stations"] if s["name"] == "关门了")
    assert closed["status"] == "closed" and closed["open_now"] is False and closed["distance_m"] is None
    assert client.get("/api/v1/stations?region=520502").get_json()["total"] == 3
    assert client.get("/api/v1/stations?region=520100").get_json()["total"] == 1
    body = client.get("/api/v1/stations?amenity=drinking_water&amenity=seating").get_json()
    assert [s["name"] for s in body["stations"]] == ["毕城"]
    assert [s["name"] for s in client.get("/api/v1/stations?q=chengdu").get_json()["stations"]] == [
        "Chengdu Hub"
    ]
    page = client.get("/api/v1/stations?limit=2&offset=1").get_json()
    assert page["total"] == 5 and len(page["stations"]) == 2
    assert client.get("/api/v1/stations?offset=100").get_json() == {"stations": [], "total": 5}


BAD_LIST = [
    pytest.param("region=52", id="short region"),
    pytest.param("region=5200001", id="long region"),
    pytest.param("region=abcdef", id="letters"),
    pytest.param("region=052000", id="leading zero"),
    pytest.param("q=" + "x" * 101, id="q too long"),
    pytest.param("amenity=sauna", id="unknown amenity"),
    pytest.param("limit=0", id="limit 0"),
    pytest.param("limit=201", id="limit too big"),
    pytest.param("offset=-1", id="negative offset"),
    pytest.param("offset=x", id="offset not a number"),
    pytest.param("offset=99999999999999999999", id="offset huge"),
]


@pytest.mark.parametrize("query", BAD_LIST)
def test_list_malformed_input_is_a_400_problem(client, query):
    problem(client.get("/api/v1/stations?" + query), 400)


def test_one_station(client, guizhou):
    r = client.get(f"/api/v1/stations/{guizhou['毕城']}")
    assert r.status_code == 200
    body = r.get_json()
    assert StationOut().validate(body) == {}
    assert body["name"] == "毕城" and body["distance_m"] is None and set(body) >= API_KEYS
    # The station itself carries the details the nearest search leaves out.
    assert set(body) >= {"phone", "seats", "area_m2", "last_verified_at", "status", "access", "is_demo"}


@pytest.mark.parametrize("key", ["999999", "abc", "-1", "0", "1.5", "9" * 30, "%20", "1%00"])
def test_unknown_or_non_numeric_station_is_a_404_problem(client, guizhou, key):
    problem(client.get(f"/api/v1/stations/{key}"), 404)


def test_wrong_method_is_a_problem(client):
    problem(client.post(NEAREST + "?lat=1&lon=1"), 405)


def test_oversized_body_is_a_413_problem(client):
    """MAX_CONTENT_LENGTH (64 KB) answers any API POST with 413; the check-in route is the API's POST."""
    body = '{"token": "' + "x" * 70_000 + '"}'
    r = client.post("/api/v1/checkins", data=body, content_type="application/json")
    problem(r, 413)


def test_openapi_documents_the_stations_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    nearest = spec["paths"]["/api/v1/stations/nearest"]["get"]
    params = {p["name"]: p for p in nearest["parameters"]}
    assert set(params) >= {"lat", "lon", "coord", "limit", "amenity", "open_now", "max_distance_m"}
    assert params["lat"]["required"] and params["lon"]["required"]
    assert params["lat"]["schema"]["minimum"] == -90 and params["lat"]["schema"]["maximum"] == 90
    assert params["coord"]["schema"]["enum"] == ["wgs84", "gcj02", "bd09"]
    assert params["limit"]["schema"] == {"type": "integer", "default": 5, "minimum": 1, "maximum": 200}
    assert params["prefetch"]["schema"] == {"type": "boolean", "default": False}
    assert "drinking_water" in params["amenity"]["schema"]["items"]["enum"]
    ok = nearest["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/NearestOut"}
    station = spec["components"]["schemas"]["StationOut"]["properties"]
    assert set(station) >= API_KEYS
    assert {"/api/v1/stations", "/api/v1/stations/{station_id}"} <= set(spec["paths"])
    listing = {p["name"] for p in spec["paths"]["/api/v1/stations"]["get"]["parameters"]}
    assert listing >= {"region", "amenity", "q", "limit", "offset"}


def test_nearest_answers_are_finite_json(client, guizhou):
    for lat, lon in ((90, 180), (-90, -180), (0, 0), (27.3, 105.29)):
        for s in client.get(NEAREST, query_string={"lat": lat, "lon": lon}).get_json()["stations"]:
            assert math.isfinite(s["distance_m"]) and -90 <= s["lat"] <= 90


@pytest.fixture
def rush(app):
    """Lunch rush at T0 in 云岩: a full 4-seat station, a quiet one and a crowded new one; {name: id}."""
    with app.app_context():
        full = StationFactory(name="满了", seats=4, lat=26.580, lon=106.710)
        quiet = StationFactory(name="空着", seats=None, lat=26.582, lon=106.710)
        new = StationFactory(name="新站", seats=4, lat=26.584, lon=106.710)
        shut = StationFactory(name="关了", seats=4, lat=26.586, lon=106.710)
        dataset.bump()
        db.session.commit()
        for station in (full, quiet, shut):
            give_history(station)
        arrive(full, 6)
        arrive(quiet, 1)
        arrive(new, 6)  # six check-ins are all it ever had: too few to say
        arrive(shut, 6)
        shut.status = "closed"
        dataset.bump()
        db.session.commit()
        return {s.name: s.id for s in (full, quiet, new, shut)}


def test_every_station_says_how_busy_in_nearest_list_and_detail(client, rush):
    levels = {"满了": "full", "空着": "quiet", "新站": "unknown", "关了": "unknown"}
    with time_machine.travel(T0, tick=False):
        body = client.get(NEAREST, query_string={"lat": 26.58, "lon": 106.71}).get_json()
        assert NearestOut().validate(body) == {}
        assert {s["name"]: s["busy"] for s in body["stations"]} == {
            n: levels[n] for n in ("满了", "空着", "新站")
        }
        listing = client.get("/api/v1/stations?region=520103").get_json()
        assert StationListOut().validate(listing) == {}
        assert {s["name"]: s["busy"] for s in listing["stations"]} == levels
        for name, station_id in rush.items():
            one = client.get(f"/api/v1/stations/{station_id}").get_json()
            assert StationOut().validate(one) == {} and one["busy"] == levels[name]
    # Only documented fields, and none of them a head-count.
    for station in [*body["stations"], *listing["stations"]]:
        assert set(station) <= set(StationOut().fields)


def test_a_full_station_is_no_longer_full_41_minutes_later(client, rush):
    with time_machine.travel(T0, tick=False) as clock:
        first = client.get(NEAREST, query_string={"lat": 26.58, "lon": 106.71, "limit": 1}).get_json()
        assert first["stations"][0]["busy"] == "full"
        clock.shift(timedelta(minutes=41))
        later = client.get(NEAREST, query_string={"lat": 26.58, "lon": 106.71, "limit": 1}).get_json()
        assert later["stations"][0]["id"] == rush["满了"] and later["stations"][0]["busy"] == "quiet"


def test_busy_not_full_skips_the_full_stations(client, rush):
    query = {"lat": 26.58, "lon": 106.71, "limit": 2}
    with time_machine.travel(T0, tick=False):
        plain = client.get(NEAREST, query_string=query).get_json()["stations"]
        assert [s["name"] for s in plain] == ["满了", "空着"]
        body = client.get(NEAREST, query_string={**query, "busy": "not_full"}).get_json()
        assert NearestOut().validate(body) == {}
        assert [(s["name"], s["busy"]) for s in body["stations"]] == [("空着", "quiet"), ("新站", "unknown")]
        both = client.get(NEAREST, query_string={**query, "busy": "not_full", "open_now": "true"}).get_json()
        assert [s["name"] for s in both["stations"]] == ["空着", "新站"]


@pytest.mark.parametrize("value", ["full", "quiet", "NOT_FULL", "", "not_full,busy", "not%00full"])
def test_any_other_busy_filter_is_a_400_problem(client, rush, value):
    body = problem(client.get(NEAREST + "?lat=26.58&lon=106.71&busy=" + value), 400)
    assert "busy" in body["errors"]


def test_openapi_documents_busy(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/stations/nearest"]["get"]["parameters"]}
    assert params["busy"]["schema"]["enum"] == ["not_full"] and not params["busy"].get("required")
    station = spec["components"]["schemas"]["StationOut"]
    assert station["properties"]["busy"]["enum"] == ["quiet", "busy", "full", "unknown"]
    assert "busy" in station["required"]
