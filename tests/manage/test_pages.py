"""The /manage pages: the edit form, the map picker's coordinate system, confirm, history, inert names."""

import html
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.geo.coords import from_wgs84, to_wgs84
from stationfinder.models import AuditEntry, Station
from tests.factories import StationFactory, UserFactory
from tests.staff import login, shown_form, station_form

HOSTILE = '<img src=x onerror=alert(1)>"'
LAT, LON = 27.3009, 105.2863


def form(**changes) -> dict:
    """Return a station form that changes the seeded station's amenities, access and status."""
    edits = {
        "amenities": ["air_conditioning", "charging"],
        "access": "members",
        "status": "temporarily_closed",
    }
    return station_form(**(edits | changes))


def seed(app, **station) -> int:
    with app.app_context():
        UserFactory(username="bj_staff", region_code="520500")
        values = {"name": "毕城驿站", "region_code": "520502", "lat": LAT, "lon": LON} | station
        station_id = StationFactory(**values).id
        UserFactory(username="bj_manager", manager=True, stations=[db.session.get(Station, station_id)])
        db.session.commit()
    return station_id


def get_station(app, station_id) -> Station:
    with app.app_context():
        station = db.session.get(Station, station_id)
        db.session.expunge(station)
        return station


def input_value(body: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', body)
    assert match, name
    return html.unescape(match.group(1))


def field_has_error(body: str, name: str) -> bool:
    """Return whether the form field ``name`` is marked as wrong (its container has ``has-error``)."""
    at = body.index(f'name="{name}"')
    start = max(body.rfind('<div class="field', 0, at), body.rfind('<fieldset class="field', 0, at))
    return "has-error" in body[start : body.index(">", start)]


def test_edit_form_in_chinese_with_amenity_icons(app, client):
    station_id = seed(app, amenity_mask=0b1)
    login(client, "bj_staff")
    body = client.get(f"/manage/stations/{station_id}").get_data(as_text=True)
    for label in (
        "驿站名称",
        "行政区划代码",
        "开放时间",
        "座位数",
        "面积（平方米）",
        "暂停开放",
        "已永久关闭",
        "确认信息无误",
    ):
        assert label in body, label
    assert "周一至周五 08:00-20:00；周六、周日 10:00-18:00" in body and "Mo-Fr 08:00-20:00; Sa,Su" in body
    assert re.search(r'value="air_conditioning" checked>\s*<span aria-hidden="true">❄️</span> 空调', body)
    assert re.search(r'value="drinking_water">\s*<span aria-hidden="true">🚰</span> 饮用水', body)
    assert 'id="position-map"' in body and "hidden" in body.split('id="position-map"')[1].split(">")[0]
    assert re.search(r"/static/js/manage_station\.[0-9a-f]{12}\.js", body)
    assert re.search(r"/static/js/map\.[0-9a-f]{12}\.js", body)


def test_save_through_the_form_without_javascript(app, client):
    station_id = seed(app)
    login(client, "bj_staff")
    response = client.post(f"/manage/stations/{station_id}", data=form())
    assert response.status_code == 302
    station = get_station(app, station_id)
    assert station.amenities == ["air_conditioning", "charging"]
    assert (station.access, station.status, station.seats, station.area_m2) == (
        "members",
        "temporarily_closed",
        12,
        160,
    )
    assert station.last_verified_at is not None
    assert "已保存" in client.get(response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"opening_hours": "早八晚八"}, "开放时间的格式无法识别"),
        ({"lat": "91"}, "lat"),
        ({"lat": "north"}, "lat"),
        ({"seats": "-3"}, "seats"),
        ({"region_code": "5205"}, "请填写 6 位行政区划代码"),
        ({"name": ""}, "name"),
        ({"status": "demolished"}, "status"),
        ({"amenities": ["sauna"]}, "amenities"),
        ({"phone": "call me maybe"}, "电话号码只能包含数字"),
    ],
)
def test_invalid_input_is_shown_and_nothing_changes(app, client, changes, message):
    station_id = seed(app, opening_hours="24/7")
    login(client, "bj_staff")
    response = client.post(f"/manage/stations/{station_id}", data=form(**changes))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "请修改标出的项目" in body
    assert field_has_error(body, next(iter(changes)))
    if not message.isascii():
        assert message in body
    station = get_station(app, station_id)
    assert (station.opening_hours, station.lat, station.status, station.name) == (
        "24/7",
        LAT,
        "open",
        "毕城驿站",
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0


def test_gcj02_tiles_show_and_take_gcj02(app_factory):
    app = app_factory(MAP_TILE_CRS="gcj02", MAP_TILE_URL="https://webrd0{s}.is.autonavi.com/{z}/{x}/{y}")
    client = app.test_client()
    station_id = seed(app)
    login(client, "bj_staff")
    body = client.get(f"/manage/stations/{station_id}").get_data(as_text=True)
    glat, glon = from_wgs84(LAT, LON, "gcj02")
    assert float(input_value(body, "lat")) == pytest.approx(glat, abs=1e-7)
    assert float(input_value(body, "lon")) == pytest.approx(glon, abs=1e-7)
    assert re.search(r'<option selected value="gcj02">|<option value="gcj02" selected>', body)
    assert 'data-tile-crs="gcj02"' in body
    # The picker starts from the stored WGS-84 position.
    assert f'data-lat="{LAT}" data-lon="{LON}"' in body

    # Sent back unchanged: no move, and saving counts as a confirmation.
    data = form(lat=input_value(body, "lat"), lon=input_value(body, "lon"), coord_system="gcj02")
    assert client.post(f"/manage/stations/{station_id}", data=data).status_code == 302
    with app.app_context():
        entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
        assert "lat" not in entries[-1].changes and "lon" not in entries[-1].changes
    assert (get_station(app, station_id).lat, get_station(app, station_id).lon) == (LAT, LON)

    # A pin dropped on the Amap tiles arrives in GCJ-02 and is stored as WGS-84.
    data = form(lat="27.2985", lon="105.2934", coord_system="gcj02")
    assert client.post(f"/manage/stations/{station_id}", data=data).status_code == 302
    station = get_station(app, station_id)
    want = to_wgs84(27.2985, 105.2934, "gcj02")
    assert (station.lat, station.lon) == (pytest.approx(want[0], abs=1e-9), pytest.approx(want[1], abs=1e-9))


def test_wgs84_tiles_show_wgs84(app, client):
    station_id = seed(app)
    login(client, "bj_staff")
    body = client.get(f"/manage/stations/{station_id}").get_data(as_text=True)
    assert float(input_value(body, "lat")) == LAT and float(input_value(body, "lon")) == LON
    assert 'data-tile-crs="wgs84"' in body


def test_bd09_typed_by_hand_is_converted(app, client):
    station_id = seed(app)
    login(client, "bj_staff")
    client.post(f"/manage/stations/{station_id}", data=form(lat="27.30", lon="105.30", coord_system="bd09"))
    station = get_station(app, station_id)
    want = to_wgs84(27.30, 105.30, "bd09")
    assert station.lat == pytest.approx(want[0], abs=1e-9) and station.lon == pytest.approx(want[1], abs=1e-9)


def test_confirm_button_sets_last_verified(app, client):
    station_id = seed(app)
    login(client, "bj_manager")
    body = client.get(f"/manage/stations/{station_id}").get_data(as_text=True)
    assert "这些信息还从未核实过" in body
    response = client.post(
        f"/manage/stations/{station_id}/confirm", data=shown_form(get_station(app, station_id))
    )
    assert response.status_code == 302
    assert get_station(app, station_id).last_verified_at is not None
    body = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "信息已标记为今天核实" in body and "信息最近核实" in body


def test_manager_sees_region_read_only(app, client):
    station_id = seed(app)
    login(client, "bj_manager")
    body = client.get(f"/manage/stations/{station_id}").get_data(as_text=True)
    assert 'name="region_code"' not in body and "只有区县工作人员可以修改所属区域" in body
    assert "添加驿站" not in client.get("/manage/").get_data(as_text=True)
    assert client.get("/manage/stations/new").status_code == 403


def test_staff_adds_a_station(app, client):
    seed(app)
    login(client, "bj_staff")
    page = client.get("/manage/stations/new").get_data(as_text=True)
    assert input_value(page, "region_code") == "520500"
    response = client.post("/manage/stations/new", data=form(name="新驿站", region_code="520521"))
    assert response.status_code == 302
    with app.app_context():
        station = db.session.scalar(sa.select(Station).where(Station.name == "新驿站"))
        assert station.region_code == "520521"
        assert response.headers["Location"] == f"/manage/stations/{station.id}"
    response = client.post("/manage/stations/new", data=form(name="越界", region_code="520102"))
    assert response.status_code == 403
    assert "必须在您负责的区域 520500 之内" in response.get_data(as_text=True)


def test_history_shows_who_what_and_when_in_local_time(app_factory):
    app = app_factory(TIMEZONE="Asia/Urumqi")
    client = app.test_client()
    station_id = seed(app)
    login(client, "bj_staff")
    client.post(f"/manage/stations/{station_id}", data=form(name="新名字", status="closed"))
    with app.app_context():
        db.session.add(
            AuditEntry(
                station_id=station_id,
                user_id=None,
                action="update",
                changes={"phone": ["", "123"]},
                created_at=datetime(2026, 3, 1, 18, 30, tzinfo=UTC),
            )
        )
        db.session.commit()
    body = client.get(f"/manage/stations/{station_id}/history").get_data(as_text=True)
    assert "bj_staff" in body and "修改" in body
    assert "毕城驿站" in body and "新名字" in body and "已永久关闭" in body and "正常开放" in body
    assert "空调、充电" in body
    assert "系统（导入或脚本）" in body
    assert "2026-03-02 00:30" in body  # 18:30 UTC is 00:30 the next day in Urumqi (UTC+6)
    assert "Asia/Urumqi" in body
    assert body.index("2026-03-02 00:30") > body.index("bj_staff")  # newest first


def test_station_text_is_inert_everywhere(app, client):
    station_id = seed(app, name=HOSTILE, address=HOSTILE)
    login(client, "bj_staff")
    data = form(name=HOSTILE, address="</td><script>alert(2)</script>")
    assert client.post(f"/manage/stations/{station_id}", data=data).status_code == 302
    for path in ("/manage/", f"/manage/stations/{station_id}", f"/manage/stations/{station_id}/history"):
        body = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in body and "<script>alert" not in body, path
        assert "&lt;img src=x onerror=alert(1)&gt;" in body, path


def test_list_pages_and_search(app, client):
    seed(app)
    with app.app_context():
        for n in range(25):
            StationFactory(name=f"七星关{n:02d}", region_code="520502")
        db.session.commit()
    login(client, "bj_staff")
    first = client.get("/manage/").get_data(as_text=True)
    assert "共 26 个驿站" in first and "第 1 页，共 2 页" in first and 'href="/manage/?page=2"' in first
    second = client.get("/manage/?page=2").get_data(as_text=True)
    assert "七星关24" in second and "上一页" in second
    found = client.get("/manage/", query_string={"q": "七星关07"}).get_data(as_text=True)
    assert "共 1 个驿站" in found


def test_a_page_past_the_end_shows_the_last_page(app, client):
    seed(app)
    with app.app_context():
        for n in range(25):
            StationFactory(name=f"七星关{n:02d}", region_code="520502")
        db.session.commit()
    login(client, "bj_staff")
    # A page number beyond any integer the database takes was a 500.
    for page in ("3", "2147483648", "9223372036854775808", "99999999999999999999", "9" * 400):
        response = client.get("/manage/", query_string={"page": page})
        assert response.status_code == 200, page
        body = response.get_data(as_text=True)
        assert "第 2 页，共 2 页" in body and "七星关24" in body, page
    for page in ("0", "-99999999999999999999", "abc", ""):
        body = client.get("/manage/", query_string={"page": page}).get_data(as_text=True)
        assert "第 1 页，共 2 页" in body, page


def test_staff_nav(app, client):
    seed(app)
    login(client, "bj_staff")
    body = client.get("/manage/").get_data(as_text=True)
    assert "当前用户：bj_staff" in body
    assert 'action="/logout"' in body and "退出登录" in body
    assert '<a href="/manage/" aria-current="page">驿站</a>' in body
    assert '<a href="/dashboard/">数据统计</a>' in body
    assert '<a href="/manage/posters">海报</a>' in body
    client.post("/logout")
    login(client, "bj_manager")
    body = client.get("/manage/").get_data(as_text=True)
    assert "当前用户：bj_manager" in body and "/manage/posters" not in body
