"""Following reports: /r/<code>, 我的反馈, open problems on the station page and the list, limits."""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report
from stationfinder.services import reports
from tests.factories import StationFactory, UserFactory
from tests.rider.report_forms import EN, ZH, code_of, post, text, unlabelled

NANMING = (26.581234, 106.714567)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def station(app):
    """Return the id of an open station in 云岩区 (520103), ref gy-1."""
    with app.app_context():
        made = StationFactory(ref="gy-1", name="云岩驿站", region_code="520103")
        db.session.commit()
        return made.id


# The tracking page


def test_the_tracking_page_shows_status_notes_and_times(app, client, station):
    code = code_of(post(client, "/stations/gy-1/report", category="no_power"))
    with app.app_context():
        admin = UserFactory(admin=True)
        report = reports.by_code(code)
        reports.change(report, admin, status="in_progress", note="已联系厂家维修", public=True)
        reports.change(report, admin, note="内部：保修到期", public=False)
        reports.change(report, admin, status="fixed", note="充电桩已修好", public=True)
        db.session.commit()
    zh = text(client.get(f"/r/{code}", headers=ZH))
    assert "已解决" in zh and "充电坏了" in zh and "处理中" in zh
    assert "已联系厂家维修" in zh and "充电桩已修好" in zh
    assert "内部" not in zh
    for label in ("提交时间", "受理时间", "办结时间"):
        assert label in zh
    assert "今天" in zh
    assert zh.index("充电桩已修好") < zh.index("已联系厂家维修"), "the newest update first"
    en = text(client.get(f"/r/{code}", headers=EN))
    assert "Fixed" in en and "Charging is broken" in en and "today" in en


def test_a_typed_code_finds_its_page(client, station):
    code = code_of(post(client, "/stations/gy-1/report", category="dirty"))
    typed = f"{code[:4].lower()}-{code[4:].lower()}"
    assert client.get(f"/r/{typed}").headers["Location"] == f"/r/{code}"
    assert client.get("/r", query_string={"code": f" {typed} "}).headers["Location"] == f"/r/{code}"


@pytest.mark.parametrize("path", ["/r/ABCD2345", "/r/nothing", "/r/" + "x" * 300, "/r/%00"])
def test_an_unknown_code_is_a_friendly_404_in_the_riders_language(client, path):
    zh = client.get(path, headers=ZH)
    assert zh.status_code == 404 and "找不到这个编号的反馈" in text(zh)
    en = client.get(path, headers=EN)
    assert en.status_code == 404 and "We could not find a report with this code." in text(en)


def test_my_reports_page_is_drawn_by_the_browser_and_looks_codes_up(client):
    response = client.get("/r", headers=ZH)
    body = text(response)
    assert response.status_code == 200 and "我的反馈" in body and "data-my-reports" in body
    assert "/static/js/my_reports." in body and unlabelled(body) == []
    wrong = client.get("/r", query_string={"code": "OIL0"}, headers=ZH)
    assert wrong.status_code == 404 and "反馈编号由 8 位字母和数字组成" in text(wrong)


def test_the_home_page_leads_to_snap_and_report_and_my_reports(client):
    body = text(client.get("/", headers=ZH))
    assert 'href="/report"' in body and "随手拍" in body
    assert 'href="/r"' in body and "我的反馈" in body
    assert "/static/js/report_list." in body  # hashed: report_list.<hash>.js


# Open problems on the station page and the list


def _file_at(app, station_id, category, hour, minute, devices=1):
    now = datetime.now(SHANGHAI).replace(hour=hour, minute=minute, second=0, microsecond=0)
    with app.app_context():
        for n in range(devices):
            reports.file_report("station", category, station_id=station_id, device_id=f"phone-{n}", now=now)
        db.session.commit()


def test_the_station_page_shows_open_problems(app, client, station):
    _file_at(app, station, "no_water", 10, 12, devices=2)
    _file_at(app, station, "dirty", 9, 5)
    zh = text(client.get("/stations/gy-1", headers=ZH))
    assert "1 位骑手反馈：卫生差（今天 09:05 起）" in zh
    assert "2 位骑手反馈：无饮用水（今天 10:12 起）" in zh
    assert zh.index("卫生差") < zh.index("无饮用水"), "the oldest first"
    en = text(client.get("/stations/gy-1", headers=EN))
    assert "2 riders report: no drinking water (since today 10:12)" in en
    assert "1 rider reports: not clean (since today 09:05)" in en


def test_closed_problems_are_not_shown(app, client, station):
    _file_at(app, station, "full", 8, 0)
    with app.app_context():
        [report] = db.session.scalars(sa.select(Report)).all()
        reports.change(report, UserFactory(admin=True), status="fixed", note="已扩容", public=True)
        db.session.commit()
    assert "骑手反馈：" not in text(client.get("/stations/gy-1", headers=ZH))


def test_the_list_gets_every_stations_problems_in_one_query(app, client, station):
    with app.app_context():
        others = [StationFactory().id for _ in range(5)]
        db.session.commit()
    _file_at(app, station, "no_water", 10, 12)
    _file_at(app, others[2], "ac_broken", 11, 30, devices=3)
    ids = [station, *others]
    statements = []
    with app.app_context():
        engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get("/reports/open.json", query_string={"station": ids}, headers=ZH)
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    assert response.get_json() == {
        "stations": {
            str(station): ["1 位骑手反馈：无饮用水（今天 10:12 起）"],
            str(others[2]): ["3 位骑手反馈：空调故障（今天 11:30 起）"],
        }
    }
    assert len([s for s in statements if "report" in s.lower()]) == 1


TOO_MANY = "&".join(["station=1"] * 51)


@pytest.mark.parametrize("query", ["station=abc", "station=-1", "station=" + "9" * 11, TOO_MANY])
def test_the_list_query_refuses_what_no_list_asks(client, query):
    assert client.get("/reports/open.json?" + query).status_code == 400


def test_no_stations_no_problems(client):
    assert client.get("/reports/open.json").get_json() == {"stations": {}}


# Limits per device and per address, shared with the API


def limited(app_factory, **limits):
    return app_factory(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=f"page-{uuid.uuid4().hex}:", **limits)


def test_a_device_is_limited_and_told_so_kindly(app_factory):
    app = limited(app_factory, RATELIMIT_REPORT_DEVICE="2 per hour")
    with app.app_context():
        StationFactory(ref="gy-1")
        db.session.commit()
    phone = app.test_client()
    phone.get("/stations/gy-1/report")
    categories = ["dirty", "full", "no_water"]
    statuses = [post(phone, "/stations/gy-1/report", category=c).status_code for c in categories]
    assert statuses == [303, 303, 429]
    page = post(phone, "/stations/gy-1/report", category="other", headers=ZH)
    assert page.status_code == 429 and "操作太频繁，请稍等片刻再试" in text(page)
    other = app.test_client()
    other.get("/stations/gy-1/report")
    assert post(other, "/stations/gy-1/report", category="other").status_code == 303, "another phone is not"


def test_without_a_cookie_the_address_is_limited(app_factory):
    app = limited(app_factory, RATELIMIT_REPORT_ANONYMOUS="1 per hour")
    client = app.test_client()
    fields = {"category": "road_hazard", "lat": NANMING[0], "lon": NANMING[1]}
    assert post(client, "/report", **fields).status_code == 303
    response = post(client, "/report", headers=EN, **fields)
    assert response.status_code == 429 and "Too many tries" in text(response)
