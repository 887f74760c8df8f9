"""The manage form fills an empty region code from the position and warns about one that does not fit."""

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.geo.coords import wgs84_to_gcj02
from stationfinder.models import Station
from tests.factories import StationFactory, UserFactory
from tests.staff import login, station_form

# 七星关区 (520502) at the form's default position; 云岩区 (520103) is 170 km away.
QIXINGGUAN = (27.3009, 105.2863)
# 300 m inside 七星关区 from its border with 大方县 (520521).
NEAR_DAFANG = (27.32367, 105.50044)
# Inside 黔西市 (520581), which replaced 黔西县 (520522) in 2021.
QIANXI = (27.06043, 106.10789)


def seed(app) -> int:
    with app.app_context():
        UserFactory(username="root", admin=True)
        UserFactory(username="bj_staff", region_code="520500")
        station = StationFactory(name="毕城驿站", region_code="520502", lat=QIXINGGUAN[0], lon=QIXINGGUAN[1])
        db.session.commit()
        return station.id


def added(app, name: str) -> Station:
    with app.app_context():
        station = db.session.scalar(sa.select(Station).where(Station.name == name))
        db.session.expunge(station)
        return station


def flashes(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_an_empty_region_code_is_taken_from_the_position(app, client):
    seed(app)
    login(client, "root")
    response = client.post("/manage/stations/new", data=station_form(name="新驿站", region_code=""))
    body = flashes(client, response)
    assert added(app, "新驿站").region_code == "520502"
    assert "行政区划代码未填写，已按位置自动填为 520502 七星关区。" in body
    assert "之外约" not in body


def test_a_gcj02_position_is_converted_before_the_county_is_chosen(app, client):
    seed(app)
    login(client, "root")
    # 300 m from the border and ~540 m of GCJ-02 shift: read raw, these numbers would say 大方县.
    lat, lon = wgs84_to_gcj02(*NEAR_DAFANG)
    data = station_form(
        name="高德驿站", region_code="", lat=f"{lat:.7f}", lon=f"{lon:.7f}", coord_system="gcj02"
    )
    flashes(client, client.post("/manage/stations/new", data=data))
    assert added(app, "高德驿站").region_code == "520502"


def test_a_code_that_does_not_hold_the_position_is_saved_with_a_warning(app, client):
    seed(app)
    login(client, "root")
    response = client.post("/manage/stations/new", data=station_form(name="错区驿站", region_code="520103"))
    body = flashes(client, response)
    assert added(app, "错区驿站").region_code == "520103"
    assert "驿站已添加。" in body
    assert "该位置在所填区域 520103 云岩区 之外约" in body
    assert "公里。请核对行政区划代码和位置。按区县边界，该位置位于 520502 七星关区。" in body


def test_the_warning_in_english(app, client):
    station_id = seed(app)
    login(client, "bj_staff")
    data = station_form(region_code="520521")
    response = client.post(f"/manage/stations/{station_id}", data=data, headers={"Accept-Language": "en"})
    body = flashes(client, response)
    assert "The position lies" in body and "km outside the region 520521 大方县." in body
    assert "Check the region code and position. By the county boundaries it lies in 520502 七星关区." in body


def test_a_code_near_its_border_passes_quietly(app, client):
    # The boundaries are generalised: 300 m across a border is within their error.
    seed(app)
    login(client, "bj_staff")
    lat, lon = NEAR_DAFANG
    data = station_form(name="边界驿站", region_code="520521", lat=str(lat), lon=str(lon))
    body = flashes(client, client.post("/manage/stations/new", data=data))
    assert added(app, "边界驿站").region_code == "520521"
    assert "之外约" not in body and "区县边界" not in body


def test_an_old_code_is_kept_with_a_warning(app, client):
    seed(app)
    login(client, "root")
    lat, lon = QIANXI
    data = station_form(name="黔西驿站", region_code="520522", lat=str(lat), lon=str(lon))
    body = flashes(client, client.post("/manage/stations/new", data=data))
    assert added(app, "黔西驿站").region_code == "520522"
    assert "找不到行政区划代码 520522 的边界（是旧代码或填错了？）。请核对。" in body
    assert "按区县边界，该位置位于 520581 黔西市。" in body


def test_no_county_at_sea(app, client):
    seed(app)
    login(client, "root")
    data = station_form(name="海上驿站", region_code="", lat="29.0", lon="124.0")
    body = flashes(client, client.post("/manage/stations/new", data=data))
    assert added(app, "海上驿站").region_code is None
    assert "该位置不在任何区县范围内，行政区划代码仍为空。请核对位置。" in body


def test_the_form_says_an_empty_code_is_filled(app, client):
    seed(app)
    login(client, "root")
    page = client.get("/manage/stations/new").get_data(as_text=True)
    assert "留空则按位置自动填写所在区县。" in page
