"""GET /api/v1/stats/coverage, /stats/demand and /stats/sites: scoping, answers, errors, counted searches."""

import pytest

from stationfinder.extensions import db
from stationfinder.geo import cells
from stationfinder.services import dataset
from tests.factories import StationFactory, UserFactory
from tests.stats_world import token_for

QIXINGGUAN = (27.30, 105.28)
WEINING = (26.86, 104.28)
USERS = {
    "admin": {"admin": True},
    "staff_520000": {"region_code": "520000"},
    "staff_520100": {"region_code": "520100"},
    "staff_520500": {"region_code": "520500"},
    "manager": {"manager": True},
}
# user -> regions it may ask about, of 520000, 520100, 520500 and 520502
MAY_READ = {
    "admin": {"520000", "520100", "520500", "520502"},
    "staff_520000": {"520000", "520100", "520500", "520502"},
    "staff_520100": {"520100"},
    "staff_520500": {"520500", "520502"},
    "manager": set(),
}
PATHS = ("/api/v1/stats/coverage", "/api/v1/stats/demand", "/api/v1/stats/sites")


@pytest.fixture
def tokens(app):
    with app.app_context():
        StationFactory(region_code="520502", lat=QIXINGGUAN[0], lon=QIXINGGUAN[1], name="毕城驿站")
        dataset.bump()
        db.session.commit()
        return {name: token_for(UserFactory(username=name, **traits)) for name, traits in USERS.items()}


def _get(client, path, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(path, query_string=params, headers=headers)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("user", sorted(USERS))
@pytest.mark.parametrize("region", ["520100", "520500", "520502"])
def test_scoping(client, tokens, path, user, region):
    response = _get(client, path, tokens[user], region=region)
    if region in MAY_READ[user]:
        assert response.status_code == 200, response.get_json()
        assert response.headers["Cache-Control"] == "private, no-store"
    else:
        assert response.status_code == 403
        assert response.content_type == "application/problem+json"


@pytest.mark.parametrize("path", PATHS)
def test_anonymous_is_401(client, tokens, path):
    assert _get(client, path, region="520500").status_code == 401


def test_staff_default_to_their_region(client, tokens):
    body = _get(client, PATHS[0], tokens["staff_520500"]).get_json()
    assert body["region"] == "520500" and len(body["counties"]) == 8
    assert _get(client, PATHS[0], tokens["admin"]).status_code == 400


def test_coverage_answer(client, tokens):
    body = _get(client, PATHS[0], tokens["admin"], region="520502", minutes=10, speed_kmh=6).get_json()
    assert set(body) >= {"region", "radius_m", "area_km2", "covered_km2", "covered_share", "stations",
                         "counties", "uncovered"}  # fmt: skip
    assert body["radius_m"] == pytest.approx(1000.0)
    assert body["covered_km2"] == pytest.approx(3.1416, rel=0.01)
    assert body["stations"] == 1 and 0 < body["covered_share"] < 1
    (county,) = body["counties"]
    assert set(county) == {"code", "name", "area_km2", "covered_km2", "covered_share", "stations"}
    assert county["name"] == "七星关区"


def test_coverage_as_geojson(client, tokens):
    response = _get(client, PATHS[0], tokens["admin"], region="520502", format="geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.get_json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 2


@pytest.mark.parametrize(
    "params",
    [
        {"region": "52050"}, {"region": "990000"}, {"region": "520500", "minutes": "0"},
        {"region": "520500", "speed_kmh": "abc"}, {"region": "520500", "at": "25:99"},
        {"region": "520500", "format": "kml"},
    ],
)  # fmt: skip
def test_bad_coverage_questions_are_400(client, tokens, params):
    response = _get(client, PATHS[0], tokens["admin"], **params)
    assert response.status_code == 400 and response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    ("path", "params"),
    [(PATHS[1], {"from": "2025-13-01"}), (PATHS[1], {"from": "2025-03-10", "to": "2025-03-01"}),
     (PATHS[2], {"k": "51"}), (PATHS[2], {"k": "-1"})],
)  # fmt: skip
def test_bad_demand_questions_are_400(client, tokens, path, params):
    response = _get(client, path, tokens["admin"], region="520500", **params)
    assert response.status_code == 400 and response.content_type == "application/problem+json"


def test_nearest_searches_are_counted_and_read_back(client, tokens):
    for _ in range(5):
        far = {"lat": WEINING[0], "lon": WEINING[1]}
        assert client.get("/api/v1/stations/nearest", query_string=far).status_code == 200
    for _ in range(6):
        near = {"lat": QIXINGGUAN[0] + 0.001, "lon": QIXINGGUAN[1]}
        assert client.get("/api/v1/stations/nearest", query_string=near).status_code == 200
    # A filtered search (amenities) still learns the nearest open station of any kind.
    filtered = {"lat": WEINING[0], "lon": WEINING[1], "amenity": "drinking_water"}
    assert client.get("/api/v1/stations/nearest", query_string=filtered).status_code == 200
    body = _get(client, PATHS[1], tokens["staff_520500"]).get_json()
    by_cell = {cell["h3"]: cell for cell in body["cells"]}
    far = by_cell[cells.cell_of(*WEINING)]
    assert (far["searches"], far["unmet"]) == (6, 6)
    near = by_cell[cells.cell_of(QIXINGGUAN[0] + 0.001, QIXINGGUAN[1])]
    assert (near["searches"], near["unmet"]) == (6, 0)
    assert (body["total_searches"], body["unmet_searches"]) == (12, 6)
    assert _get(client, PATHS[1], tokens["staff_520100"], region="520100").get_json()["total_searches"] == 0
    sites = _get(client, PATHS[2], tokens["staff_520500"], k=3).get_json()
    assert [site["gain"] for site in sites["sites"]] == [6]
