"""The station form's map picker on a phone, with Amap (GCJ-02) tiles that cannot load in CI."""

import pytest
from geopy.distance import geodesic

from stationfinder.extensions import db
from stationfinder.geo import coords
from stationfinder.models import Station
from tests.factories import PASSWORD, StationFactory, UserFactory

pytestmark = pytest.mark.e2e

AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
STATION = (27.3009, 105.2863)  # 七星关区, WGS-84
HERE = (27.2951, 105.3002)  # where the manager's phone says it is, WGS-84


@pytest.fixture
def app(app_factory):
    return app_factory(MAP_TILE_CRS="gcj02", MAP_TILE_URL=AMAP)


@pytest.fixture
def station_id(app):
    with app.app_context():
        station = StationFactory(name="毕城驿站", region_code="520502", lat=STATION[0], lon=STATION[1])
        UserFactory(username="bj_manager", manager=True, stations=[station])
        db.session.commit()
        return station.id


PIN_CENTRED = """() => {
    const map = document.getElementById('position-map').getBoundingClientRect();
    const pins = document.querySelectorAll('#position-map path.leaflet-interactive');
    if (pins.length !== 1) return false;
    const pin = pins[0].getBoundingClientRect();
    const dx = pin.x + pin.width / 2 - (map.x + map.width / 2);
    const dy = pin.y + pin.height / 2 - (map.y + map.height / 2);
    return Math.hypot(dx, dy) < 2;
}"""


def open_form(phone, station_id):
    device = phone(position=HERE)
    page = device.open("/login")
    page.fill("#username", "bj_manager")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/manage/")
    page.goto(f"/manage/stations/{station_id}")
    page.wait_for_selector("#position-map.leaflet-container")
    return page


def typed(page) -> tuple[float, float, str]:
    return (
        float(page.input_value("#lat")),
        float(page.input_value("#lon")),
        page.input_value("#coord_system"),
    )


def stored(app, station_id) -> tuple[float, float]:
    with app.app_context():
        station = db.session.get(Station, station_id)
        return station.lat, station.lon


def test_the_picker_starts_on_the_station_in_gcj02(app, phone, station_id):
    page = open_form(phone, station_id)
    lat, lon, system = typed(page)
    assert system == "gcj02"
    # The form shows GCJ-02 numbers, hundreds of metres from the WGS-84 ones.
    assert geodesic((lat, lon), STATION).m > 100
    assert geodesic(coords.to_wgs84(lat, lon, "gcj02"), STATION).m < 0.05
    # A tap elsewhere moves the pin; a tap on the middle of the map, where the pin was, puts the station back.
    page.locator("#position-map").click(position={"x": 50, "y": 200})
    assert geodesic(coords.to_wgs84(*typed(page)[:2], "gcj02"), STATION).m > 20
    page.locator("#position-map").click()
    lat, lon, system = typed(page)
    assert system == "gcj02"
    assert geodesic(coords.to_wgs84(lat, lon, "gcj02"), STATION).m < 5


def test_a_tap_moves_the_station_and_is_stored_in_wgs84(app, phone, station_id):
    page = open_form(phone, station_id)
    box = page.locator("#position-map").bounding_box()
    page.locator("#position-map").click(position={"x": box["width"] * 0.8, "y": box["height"] * 0.25})
    lat, lon, system = typed(page)
    assert system == "gcj02"
    moved = coords.to_wgs84(lat, lon, "gcj02")
    assert 20 < geodesic(moved, STATION).m < 2000
    page.click(".station-form button[type=submit]")
    page.wait_for_selector(".flashes")
    assert geodesic(stored(app, station_id), moved).m < 0.05


def test_use_my_location(app, phone, station_id):
    page = open_form(phone, station_id)
    before = page.input_value("#lat")
    page.click("#position-locate")
    page.wait_for_function("(old) => document.getElementById('lat').value !== old", arg=before)
    lat, lon, system = typed(page)
    assert system == "gcj02"
    assert geodesic(coords.to_wgs84(lat, lon, "gcj02"), HERE).m < 0.05
    page.click(".station-form button[type=submit]")
    page.wait_for_selector(".flashes")
    assert geodesic(stored(app, station_id), HERE).m < 0.05


def test_typing_wgs84_moves_the_pin(app, phone, station_id):
    page = open_form(phone, station_id)
    page.select_option("#coord_system", "wgs84")
    page.fill("#lat", str(HERE[0]))
    page.fill("#lon", str(HERE[1]))
    page.dispatch_event("#lon", "change")
    # The map pans to the typed WGS-84 position and the pin sits in its middle ...
    page.wait_for_function(PIN_CENTRED)
    # ... so a tap just beside the pin (the pin itself takes its own taps) lands near that position,
    # 1.5 km from the station where the map started.
    box = page.locator("#position-map").bounding_box()
    page.locator("#position-map").click(position={"x": box["width"] / 2 + 30, "y": box["height"] / 2})
    lat, lon, system = typed(page)
    assert system == "gcj02"
    assert 20 < geodesic(coords.to_wgs84(lat, lon, "gcj02"), HERE).m < 150
    page.select_option("#coord_system", "wgs84")
    page.fill("#lat", str(HERE[0]))
    page.fill("#lon", str(HERE[1]))
    page.click(".station-form button[type=submit]")
    page.wait_for_selector(".flashes")
    assert geodesic(stored(app, station_id), HERE).m < 0.05
