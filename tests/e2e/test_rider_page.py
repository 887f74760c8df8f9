"""The rider page in Debian's chromium on a phone: nearest first, filters, fallback, English, no tiles."""

import re

import pytest
from geopy.distance import geodesic
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.geo.nav import nav_links
from stationfinder.models import Station
from stationfinder.services import dataset
from tests.factories import StationFactory

pytestmark = pytest.mark.e2e

HOSTILE = "<img src=x onerror=alert(1)>"
# The rider stands in 云岩区, Guiyang.
RIDER = (26.5800, 106.7100)
AC, WATER, TOILET = 1 << 0, 1 << 1, 1 << 7

STATIONS = [
    # name, lat, lon, region, amenity mask
    ("云岩驿站", 26.5811, 106.7100, "520103", AC | WATER),  # ~122 m north
    ("南明驿站", 26.5800, 106.7190, "520102", TOILET | WATER),  # ~900 m east
    ("花溪驿站", 26.5350, 106.7100, "520111", TOILET),  # ~5 km south
    ("七星关驿站", 27.3009, 105.2863, "520502", AC),  # Bijie, ~160 km away
]


def seed(app, stations=STATIONS):
    """Store stations (as the importer would, bumping the dataset version) and return name -> row dict."""
    rows = {}
    with app.app_context():
        for name, lat, lon, region, mask in stations:
            s = StationFactory(
                name=name, address=f"{name}地址", lat=lat, lon=lon, region_code=region, amenity_mask=mask
            )
            rows[name] = {"id": s.id, "lat": lat, "lon": lon, "address": s.address}
        dataset.bump()
        db.session.commit()
    return rows


def distance_text(metres: float, lang: str = "zh") -> str:
    """Mirror rider.js: whole metres below 100 m, tens below 1 km, then km."""
    if metres < 100:
        n, unit = str(round(metres)), "m"
    elif metres < 1000:
        n, unit = str(round(metres / 10) * 10), "m"
    else:
        km = metres / 1000
        n, unit = (f"{km:.1f}" if km < 10 else str(round(km))), "km"
    words = {("zh", "m"): "米", ("zh", "km"): "公里", ("en", "m"): "m", ("en", "km"): "km"}
    return f"{n} {words[(lang, unit)]}"


def names(page):
    """Return the locator of the listed station names (auto-waiting with expect)."""
    return page.locator("#results .station-title")


def titles(page) -> list[str]:
    page.locator("#results > li").first.wait_for()
    return page.locator("#results .station-title").all_inner_texts()


def test_nearest_station_is_listed_first_with_distance_and_nav(app, phone):
    rows = seed(app)
    page = phone(RIDER).open("/")
    by_distance = sorted(rows, key=lambda n: geodesic(RIDER, (rows[n]["lat"], rows[n]["lon"])).m)
    assert titles(page) == by_distance
    assert by_distance[0] == "云岩驿站"
    assert page.locator("#status").inner_text() == "离您最近的 4 个驿站"

    first = page.locator("#results > li").first
    near = rows["云岩驿站"]
    metres = geodesic(RIDER, (near["lat"], near["lon"])).m
    assert first.locator(".distance").inner_text() == distance_text(metres) == "120 米"
    far = rows["七星关驿站"]
    far_text = distance_text(geodesic(RIDER, (far["lat"], far["lon"])).m)
    assert page.locator("#results > li").nth(3).locator(".distance").inner_text() == far_text == "162 公里"
    assert first.locator(".badge").inner_text() == "开放中"
    assert first.locator(".amenities li").all_inner_texts() == ["❄️ 空调", "🚰 饮用水"]
    assert first.locator(".station-title a").get_attribute("href") == f"/stations/{near['id']}"

    expected = nav_links(near["lat"], near["lon"], "云岩驿站", near["address"])
    for key, label in (("amap", "高德地图"), ("baidu", "百度地图"), ("apple", "Apple 地图")):
        link = first.locator(f"a.nav-{key}")
        assert link.inner_text() == label
        assert link.get_attribute("href") == expected[key]
    assert expected["amap"].startswith("https://uri.amap.com/navigation?")
    assert expected["baidu"].startswith("https://api.map.baidu.com/direction?")
    box = first.locator("a.nav-amap").bounding_box()
    assert box["height"] >= 44, "navigation buttons must be easy to hit with a thumb"


def test_list_comes_before_the_map(app, phone):
    seed(app)
    events: list[str] = []
    rider = phone(RIDER)
    rider.context.on(
        "request", lambda r: events.append("leaflet") if "/vendor/leaflet/leaflet.js" in r.url else None
    )
    rider.context.on(
        "response", lambda r: events.append("nearest") if "/api/v1/stations/nearest" in r.url else None
    )
    page = rider.open("/")
    titles(page)
    page.locator("#map .leaflet-interactive").first.wait_for()
    assert events.index("nearest") < events.index("leaflet")
    # One marker per station and one for the rider.
    assert page.locator("#map path.leaflet-interactive").count() == 5


def test_amenity_chips_filter_the_list(app, phone):
    seed(app)
    page = phone(RIDER).open("/")
    assert titles(page)[0] == "云岩驿站"
    chip = page.locator(".chip", has_text="卫生间")
    chip.click()
    assert chip.get_attribute("aria-pressed") == "true"
    expect(names(page)).to_have_text(["南明驿站", "花溪驿站"])
    for item in page.locator("#results > li").all():
        assert "🚻 卫生间" in item.locator(".amenities").inner_text()

    page.locator(".chip", has_text="空调").click()
    expect(page.locator("#status .status-text")).to_have_text(
        "空调 · 卫生间 · 没有符合全部筛选条件的驿站，请减少筛选条件。"
    )
    expect(page.locator("#results > li")).to_have_count(0)

    page.locator(".chip", has_text="空调").click()
    chip.click()
    expect(names(page)).to_have_count(4)
    expect(names(page).first).to_have_text("云岩驿站")


def test_open_now_chip_keeps_only_open_stations(app, phone):
    rows = seed(app)
    with app.app_context():
        nearest = db.session.get(Station, rows["云岩驿站"]["id"])
        nearest.status = "temporarily_closed"
        dataset.bump()
        db.session.commit()
    page = phone(RIDER).open("/")
    assert titles(page)[0] == "云岩驿站"
    chip = page.locator(".chip", has_text="开放中")
    chip.click()
    assert chip.get_attribute("aria-pressed") == "true"
    expect(names(page)).to_have_text(["南明驿站", "花溪驿站", "七星关驿站"])
    chip.click()
    expect(names(page).first).to_have_text("云岩驿站")


def test_refused_location_offers_district_and_name_search(app, phone):
    seed(app)
    page = phone(position=None).open("/")
    form = page.locator("#search")
    form.wait_for(state="visible")
    assert (
        page.locator("#search-why").inner_text()
        == "无法获取位置（定位未开启或被拒绝）。请选择区县，或按名称搜索。"
    )
    assert page.locator("#results > li").count() == 0

    first = page.locator("#region-0")
    first.wait_for()
    # Only Guizhou has stations, so the first choice is among its cities.
    assert first.locator("option").all_inner_texts() == ["请选择…", "贵阳市", "毕节市"]
    first.select_option(label="毕节市")
    expect(names(page)).to_have_text(["七星关驿站"])
    assert page.locator("#results .distance").count() == 0

    # Drill down inside 贵阳市 to 南明区.
    first.select_option(label="贵阳市")
    expect(names(page)).to_have_count(3)
    county = page.locator("#region-1")
    county.wait_for()
    assert county.locator("option").all_inner_texts() == ["全部", "南明区", "云岩区", "花溪区"]
    county.select_option(label="南明区")
    expect(names(page)).to_have_text(["南明驿站"])
    expect(page.locator("#status")).to_have_text("找到 1 个驿站")

    # Name search across all districts.
    first.select_option(value="")
    page.locator("#q").fill("花溪")
    page.locator("#search button[type=submit]").click()
    expect(names(page)).to_have_text(["花溪驿站"])
    page.locator("#results .station-title a").click()
    page.wait_for_url(re.compile(r"/stations/\d+$"))
    assert page.locator("h1").inner_text() == "花溪驿站"


def test_search_says_when_nothing_matches(app, phone):
    seed(app)
    page = phone(position=None).open("/")
    page.locator("#search").wait_for(state="visible")
    page.locator("#q").fill("不存在的驿站")
    page.locator("#q").press("Enter")
    expect(page.locator("#status")).to_have_text("没有找到驿站，请换个区县或名称试试。")
    expect(page.locator("#results > li")).to_have_count(0)


def test_english_switch(app, phone):
    seed(app)
    rider = phone(RIDER)
    page = rider.open("/")
    titles(page)
    page.get_by_role("link", name="English").click()
    page.wait_for_url(re.compile(r"\?lang=en$"))
    assert titles(page)[0] == "云岩驿站"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#status").inner_text() == "The 4 stations nearest to you"
    first = page.locator("#results > li").first
    assert first.locator(".distance").inner_text() == "120 m"
    assert first.locator(".badge").inner_text() == "Open now"
    assert [first.locator(f"a.nav-{k}").inner_text() for k in ("amap", "baidu", "apple")] == [
        "Amap",
        "Baidu Maps",
        "Apple Maps",
    ]
    assert page.locator("#results > li").nth(3).locator(".distance").inner_text() == "162 km"
    assert page.locator(".chip", has_text="Toilet").count() == 1

    # The choice sticks (cookie) and the switch back works.
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="中文").click()
    page.wait_for_url(re.compile(r"\?lang=zh$"))
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert titles(page)[0] == "云岩驿站"


def test_english_from_accept_language(app, phone):
    seed(app)
    page = phone(RIDER, locale="en-US").open("/")
    titles(page)
    assert page.locator("#status").inner_text() == "The 4 stations nearest to you"


def test_hostile_station_name_is_shown_as_text(app, phone):
    seed(app, [(HOSTILE, 26.5805, 106.7100, "520103", AC), *STATIONS[1:]])
    page = phone(RIDER).open("/")
    assert titles(page)[0] == HOSTILE
    assert page.locator("#results img").count() == 0
    # The map popup is built from DOM nodes too.
    marker = page.locator("#map path.leaflet-interactive").first
    marker.wait_for()
    page.evaluate(
        """() => {
            const m = SFMap.of(document.getElementById('map'));
            m.map.eachLayer(l => { if (l.getPopup && l.getPopup()) l.openPopup(); });
        }"""
    )
    popups = page.locator(".leaflet-popup-content a")
    popups.first.wait_for()
    assert HOSTILE in popups.all_inner_texts()
    assert page.locator("#map img[src='x']").count() == 0
    # The dialog listener in the fixture fails the test if alert() ever ran.


def test_page_works_while_tiles_fail(app, phone):
    seed(app)
    rider = phone(RIDER)
    page = rider.open("/")
    assert titles(page)[0] == "云岩驿站"
    notice = page.locator("#map .map-notice")
    notice.wait_for()
    assert notice.inner_text() == "地图底图无法加载，上方列表仍可正常使用。"
    assert page.locator("#map path.leaflet-interactive").count() == 5
    assert any(url.startswith("https://tile.openstreetmap.org/") for url in rider.outside)
    # Still usable: a filter tap answers while the tiles keep failing.
    page.locator(".chip", has_text="卫生间").click()
    expect(names(page)).to_have_text(["南明驿站", "花溪驿站"])
    page.screenshot(path="/tmp/sf-rider-phone.png", full_page=False)


def test_loading_then_error_then_retry(app, phone):
    seed(app)
    rider = phone(RIDER)
    held = []
    rider.context.route("**/api/v1/stations/nearest*", lambda route: held.append(route))
    page = rider.open("/")
    expect(page.locator("#status")).to_have_text("正在查找驿站…")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held.pop().abort()
    expect(page.locator("#status")).to_contain_text("驿站加载失败，请检查网络信号后重试。")
    assert page.locator("#status").evaluate("el => el.classList.contains('is-error')")
    rider.context.unroute("**/api/v1/stations/nearest*")
    page.locator("#status button").click()
    expect(names(page).first).to_have_text("云岩驿站")


def test_phone_without_geolocation_gets_the_fallback(app, phone):
    seed(app)
    rider = phone(RIDER)
    rider.context.add_init_script("delete Navigator.prototype.geolocation;")
    page = rider.open("/")
    expect(page.locator("#search-why")).to_have_text("暂时无法获取您的位置。请选择区县，或按名称搜索。")
    expect(page.locator("#region-0")).to_be_visible()


def test_switching_between_nearest_and_search(app, phone):
    seed(app)
    page = phone(RIDER).open("/")
    expect(names(page)).to_have_count(4)
    page.locator("#show-search").click()
    expect(page.locator("#search")).to_be_visible()
    # Opening the search keeps the nearest list until the rider searches.
    expect(names(page)).to_have_count(4)
    page.locator("#q").fill("花溪")
    page.locator("#q").press("Enter")
    expect(names(page)).to_have_text(["花溪驿站"])
    page.locator("#locate").click()
    expect(page.locator("#search")).to_be_hidden()
    expect(names(page)).to_have_count(4)
    expect(names(page).first).to_have_text("云岩驿站")
