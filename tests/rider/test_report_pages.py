"""The riders' report forms: two taps from a station or a poster, 随手拍 with a position, bad input."""

import io
import re

import pytest
from PIL import Image

from stationfinder.extensions import db
from stationfinder.models import ReportPhoto
from stationfinder.models.report import COMMUNITY_CATEGORIES, STATION_CATEGORIES
from stationfinder.ratelimits import DEVICE_COOKIE
from stationfinder.services.posters import tokens as posters
from stationfinder.services.reports import photos
from tests.factories import StationFactory
from tests.photos import MAKE, phone_jpeg
from tests.rider.report_forms import EN, ZH, alerts, all_reports, code_of, post, text, unlabelled

NANMING = (26.581234, 106.714567)


@pytest.fixture
def station(app):
    """Return (id, ref, poster token) of an open station in 云岩区 (520103)."""
    with app.app_context():
        made = StationFactory(ref="gy-1", name="云岩驿站 <b>", region_code="520103")
        token = posters.current_poster(made).token
        db.session.commit()
        return made.id, made.ref, token


# Two taps: the station page, the check-in page and the list link to the form.


def test_the_station_page_offers_each_problem_as_a_tile(client, station):
    body = text(client.get(f"/stations/{station[0]}", headers=ZH))
    assert "这里有问题？点一下告诉驿站" in body
    labels = ["驿站关门了", "没有饮用水", "充电坏了", "空调坏了", "不干净", "满员了", "信息有误", "其他"]
    for label in labels:
        assert label in body
    for code in STATION_CATEGORIES:
        assert f'href="/stations/gy-1/report?category={code}"' in body


def test_the_check_in_page_offers_the_tiles_with_its_poster(client, station):
    body = text(client.get(f"/c/{station[2]}", headers=ZH))
    assert f'href="/c/{station[2]}/report?category=no_water"' in body
    assert "签到" in body  # the big button is still the page's first purpose


def test_the_form_has_the_chosen_problem_checked_and_labels_everywhere(client, station):
    response = client.get("/stations/gy-1/report?category=no_water", headers=ZH)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert DEVICE_COOKIE in response.headers.get("Set-Cookie", "")
    body = response.get_data(as_text=True)
    assert re.search(r'value="no_water" required checked', body)
    assert body.count('type="radio" name="category"') == 8
    assert 'enctype="multipart/form-data"' in body and 'name="csrf_token"' in body
    assert 'type="file" id="photo" name="photo" accept="image/*" capture="environment"' in body
    assert 'maxlength="500"' in body
    assert unlabelled(body) == []
    assert "云岩驿站 &lt;b&gt;" in body


@pytest.mark.parametrize("lang, words", [("zh", "没有饮用水"), ("en", "No drinking water")])
def test_the_form_speaks_the_riders_language(client, station, lang, words):
    body = text(client.get("/stations/gy-1/report", headers=ZH if lang == "zh" else EN))
    assert words in body and ("发送" if lang == "zh" else "Send") in body


def test_an_unknown_station_or_retired_poster_has_friendly_pages(client, station):
    response = client.get("/stations/nope/report", headers=ZH)
    assert response.status_code == 404 and "找不到这个驿站" in text(response)
    assert post(client, "/stations/nope/report", category="dirty").status_code == 404
    assert client.get("/c/not-a-token/report", headers=ZH).status_code == 404


# Filing


def test_a_station_report_with_a_photo_goes_to_its_tracking_page(app, client, station):
    client.get("/stations/gy-1/report")  # the page gives the phone its device cookie
    response = post(
        client, "/stations/gy-1/report", phone_jpeg(), category="no_water", description="水龙头坏了"
    )
    code = code_of(response)
    [report] = all_reports(app)
    assert (report.code, report.kind, report.category) == (code, "station", "no_water")
    assert report.station_id == station[0]
    assert report.description == "水龙头坏了" and report.device_hash is not None
    with app.app_context():
        stored = db.session.get(ReportPhoto, report.id).data
    assert MAKE.encode() not in stored and b"Exif" not in stored
    assert max(Image.open(io.BytesIO(stored)).size) == photos.MAX_SIDE

    page = client.get(response.headers["Location"], headers=ZH)
    body = text(page)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "谢谢，反馈已发送" in body
    assert f"{code[:4]}-{code[4:]}" in body and f'data-code="{code}"' in body and 'data-new="1"' in body
    assert "已收到" in body and "没有饮用水" in body
    assert "水龙头坏了" not in body, "the description is for staff only"


def test_from_the_check_in_page_the_poster_token_names_the_station(app, client, station):
    code = code_of(post(client, f"/c/{station[2]}/report", category="full"))
    [report] = all_reports(app)
    assert report.code == code and report.station_id == station[0]


def test_a_second_rider_adds_a_me_too_and_is_told_so(app, station):
    first, second = app.test_client(), app.test_client()
    for phone in (first, second):
        phone.get("/stations/gy-1/report")
    one = code_of(post(first, "/stations/gy-1/report", category="dirty"))
    again = post(second, "/stations/gy-1/report", category="dirty")
    assert again.headers["Location"] == f"/r/{one}?new=merged"
    [report] = all_reports(app)
    assert report.confirmations == 2
    body = text(second.get(again.headers["Location"], headers=ZH))
    assert "这个问题已有人反馈" in body


def test_crlf_line_breaks_count_as_one_character(app, client, station):
    # 500 characters in the browser's textarea (249 line breaks), 749 as the form sends them.
    code_of(post(client, "/stations/gy-1/report", category="other", description="x\r\n" * 249 + "xx"))
    assert len(all_reports(app)[0].description) == 500


# Bad input: a friendly page in the rider's language, never a 500, nothing filed.


@pytest.mark.parametrize(
    "fields, status, zh, en",
    [
        ({}, 400, "请先选择遇到的问题", "Choose what is wrong"),
        ({"category": "pothole"}, 400, "请先选择遇到的问题", "Choose what is wrong"),
        ({"category": "blocked_passage"}, 400, "请先选择遇到的问题", "Choose what is wrong"),
        ({"category": "dirty", "description": "字" * 501}, 400, "文字请不要超过 500 字", "shorten the text"),
    ],
)
def test_bad_fields_are_explained(app, client, station, fields, status, zh, en):
    for headers, words in ((ZH, zh), (EN, en)):
        response = post(client, "/stations/gy-1/report", headers=headers, **fields)
        assert response.status_code == status
        assert any(words in a for a in alerts(response)), alerts(response)
    assert all_reports(app) == []


def test_the_text_is_kept_when_the_form_comes_back(client, station):
    response = post(client, "/stations/gy-1/report", description="门口 <script>")
    body = response.get_data(as_text=True)
    assert "门口 &lt;script&gt;</textarea>" in body


@pytest.mark.parametrize(
    "photo, status, words",
    [
        (b"just some text", 415, "不是可以打开的照片"),
        (b"\xff\xd8\xff" + b"\0" * photos.MAX_BYTES, 413, "照片太大"),
        (b"\0" * (photos.MAX_BYTES * 2), 413, "照片太大"),
    ],
)
def test_a_bad_photo_is_explained(app, client, station, photo, status, words):
    response = post(client, "/stations/gy-1/report", photo, category="dirty")
    assert response.status_code == status
    assert any(words in a for a in alerts(response)), alerts(response)
    assert all_reports(app) == []


def test_without_a_valid_csrf_token_nothing_is_filed(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        StationFactory(ref="gy-1")
        db.session.commit()
    client = app.test_client()
    response = post(client, "/stations/gy-1/report", category="dirty", description="留着")
    assert response.status_code == 400 and "页面已过期" in alerts(response)[0]
    assert "留着</textarea>" in response.get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)
    code_of(post(client, "/stations/gy-1/report", category="dirty", csrf_token=token))
    assert len(all_reports(app)) == 1


# 随手拍


def test_community_page_offers_every_kind(client):
    body = text(client.get("/report", headers=ZH))
    assert "随手拍" in body and "紧急情况请先拨打 110、119 或 120" in body
    for code in COMMUNITY_CATEGORIES:
        assert f'href="/report?category={code}"' in body
    assert "<form" not in body


@pytest.mark.parametrize("headers, words", [(ZH, "报警请直接拨打 110"), (EN, "For the police call 110")])
def test_emergency_shows_the_phone_numbers_before_any_form(client, headers, words):
    body = text(client.get("/report?category=emergency", headers=headers))
    numbers = [body.index(f'href="tel:{n}"') for n in ("110", "119", "120")]
    assert max(numbers) < body.index("<form")
    assert body.index(words) < body.index("<form")
    assert ("不是报警或急救服务" if headers is ZH else "not an emergency service") in body


def test_a_community_report_goes_to_the_county_of_the_position(app, client):
    form = client.get("/report?category=blocked_passage", headers=ZH)
    body = form.get_data(as_text=True)
    assert 'name="lat"' in body and 'name="coord" value="wgs84"' in body and unlabelled(body) == []
    fields = {"category": "blocked_passage", "lat": NANMING[0], "lon": NANMING[1]}
    code = code_of(post(client, "/report", photo=phone_jpeg(40, 30), **fields))
    [report] = all_reports(app)
    assert (report.code, report.kind, report.region_code) == (code, "community", "520102")
    assert report.lat == pytest.approx(NANMING[0])
    body = text(client.get(f"/r/{code}", headers=ZH))
    assert "贵阳市 南明区" in body and "通道堵塞" in body
    assert "581234" not in body, "the exact position is for staff only"


def test_a_community_report_of_an_unknown_kind_is_explained(app, client):
    response = post(client, "/report", category="pothole", lat=NANMING[0], lon=NANMING[1])
    assert response.status_code == 400
    assert any("请先选择遇到的问题" in a for a in alerts(response)), alerts(response)
    assert 'href="/report?category=road_hazard"' in text(response), "the kinds to choose from"
    assert all_reports(app) == []


@pytest.mark.parametrize(
    "fields, words",
    [
        ({}, "需要您的位置才能发送"),
        ({"lat": "", "lon": ""}, "需要您的位置才能发送"),
        ({"lat": "nan", "lon": "106.7"}, "需要您的位置才能发送"),
        ({"lat": "26.5", "lon": "106.7", "coord": "mars"}, "需要您的位置才能发送"),
        ({"lat": "35.0", "lon": "140.0"}, "只能在中国境内发送反馈"),
    ],
)
def test_a_community_report_without_a_usable_position_is_explained(app, client, fields, words):
    response = post(client, "/report", category="road_hazard", **fields)
    assert response.status_code == 400
    assert any(words in a for a in alerts(response)), alerts(response)
    assert "道路隐患" in text(response), "the form comes back with its kind"
    assert all_reports(app) == []
