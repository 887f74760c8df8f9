"""Coordinates in the browser: coords.js agrees with geo/coords.py; markers sit in the tiles' system."""

import random

import pytest
from geopy.distance import geodesic

from stationfinder.extensions import db
from stationfinder.geo import coords
from stationfinder.services import dataset
from tests.factories import StationFactory

pytestmark = pytest.mark.e2e

AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


def sample_points() -> list[tuple[float, float]]:
    rng = random.Random(2260)
    points = [
        (31.1774276, 121.5272106),  # eviltransform's Shanghai, Shenzhen and Beijing vectors
        (22.543847, 113.912316),
        (39.911954, 116.377817),
        (27.3009, 105.2863),  # 七星关区
        (48.8584, 2.2945),  # Paris: outside China, left alone
        (1.3521, 103.8198),  # Singapore
        (0.5, 110.0),  # just south of the box
    ]
    points += [(rng.uniform(18.2, 53.5), rng.uniform(73.6, 134.7)) for _ in range(200)]
    return points


def test_coords_js_matches_python(phone):
    page = phone(position=None).open("/")
    page.add_script_tag(url="/static/js/coords.js")
    points = sample_points()
    got = page.evaluate(
        """(points) => points.map(([lat, lon]) => ({
            gcj: SFCoords.wgs84ToGcj02(lat, lon),
            wgs: SFCoords.gcj02ToWgs84(lat, lon),
            out: SFCoords.outOfChina(lat, lon),
        }))""",
        points,
    )
    for (lat, lon), js in zip(points, got, strict=True):
        assert js["out"] == coords.out_of_china(lat, lon)
        assert geodesic(js["gcj"], coords.wgs84_to_gcj02(lat, lon)).m < 0.5
        assert geodesic(js["wgs"], coords.gcj02_to_wgs84(lat, lon)).m < 0.5
        # The JS inverse is exact too, not the one-step approximation.
        assert geodesic(coords.wgs84_to_gcj02(*js["wgs"]), (lat, lon)).m < 0.01


def marker_positions(page) -> list[tuple[float, float]]:
    return [
        tuple(p)
        for p in page.evaluate(
            """() => {
                const out = [];
                SFMap.of(document.getElementById('map')).map.eachLayer(l => {
                    if (l instanceof L.CircleMarker) out.push([l.getLatLng().lat, l.getLatLng().lng]);
                });
                return out;
            }"""
        )
    ]


@pytest.fixture
def app(app_factory, request):
    """Return an app with the tile settings a test asks for (indirect parametrization)."""
    return app_factory(**getattr(request, "param", {}))


@pytest.mark.parametrize(
    "app",
    [{"MAP_TILE_CRS": "wgs84"}, {"MAP_TILE_URL": AMAP, "MAP_TILE_CRS": "gcj02"}],
    ids=["osm-wgs84", "amap-gcj02"],
    indirect=True,
)
def test_markers_are_plotted_in_the_tiles_system(app, phone):
    crs = app.config["MAP_TILE_CRS"]
    with app.app_context():
        station = StationFactory(lat=26.5811, lon=106.7100)
        dataset.bump()
        db.session.commit()
        wgs = (station.lat, station.lon)
    rider = phone((26.58, 106.71))
    page = rider.open("/")
    page.locator("#map path.leaflet-interactive").first.wait_for()
    plotted = marker_positions(page)
    assert len(plotted) == 2
    expected = coords.from_wgs84(*wgs, crs)
    assert min(geodesic(p, expected).m for p in plotted) < 0.5
    if crs == "gcj02":
        # GCJ-02 is hundreds of metres off WGS-84 here: plotting raw WGS-84 would be visibly wrong.
        assert min(geodesic(p, wgs).m for p in plotted) > 100
        assert any("is.autonavi.com" in url for url in rider.outside)
    else:
        assert any(url.startswith("https://tile.openstreetmap.org/") for url in rider.outside)
