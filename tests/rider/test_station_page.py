"""The server-rendered station page: every field, a friendly 404, inert station text."""

import html
from datetime import UTC, datetime

import pytest

from stationfinder.extensions import db
from stationfinder.geo.nav import nav_links
from tests.factories import StationFactory

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.fixture
def bijie(app):
    with app.app_context():
        station = StationFactory(
            ref="bj-1",
            name="毕城红骑手网约配送新业态综合服务中心",
            address="毕节市七星关区碧阳街道奥莱国际广场",
            lat=27.3009,
            lon=105.2863,
            region_code="520502",
            amenity_mask=0b11011,  # air conditioning, drinking water, seating, charging
            opening_hours="Mo-Fr 08:00-20:00; Sa,Su 09:00-18:00",
            phone="0857 8220000",
            access="members",
            seats=12,
            area_m2=160,
            last_verified_at=datetime(2026, 3, 1, 18, 30, tzinfo=UTC),  # 2 March in Asia/Shanghai
        )
        db.session.commit()
        return station.id


def page(client, url, lang="zh"):
    response = client.get(url, headers={"Accept-Language": "en" if lang == "en" else "zh-CN"})
    return response, response.get_data(as_text=True)


def test_station_page_shows_every_field_in_chinese(client, bijie):
    response, body = page(client, f"/stations/{bijie}")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in body
    assert '<h1 class="station-name">毕城红骑手网约配送新业态综合服务中心</h1>' in body
    assert "毕节市七星关区碧阳街道奥莱国际广场" in body
    assert "七星关区" in body
    assert "周一至周五：08:00-20:00" in body
    assert "周六、周日：09:00-18:00" in body
    assert 'href="tel:08578220000"' in body
    assert "0857 8220000" in body
    for label in ("空调", "饮用水", "座椅", "充电"):
        assert label in body
    assert "卫生间" not in body
    assert "仅限会员" in body
    assert "12 个座位 · 160 平方米" in body
    assert "2026年3月2日" in body
    assert 'aria-current="true">中文' in body
    assert f'href="/stations/{bijie}?lang=en"' in body


def test_station_page_has_the_three_navigation_links(client, bijie):
    _, body = page(client, f"/stations/{bijie}")
    links = nav_links(
        27.3009, 105.2863, "毕城红骑手网约配送新业态综合服务中心", "毕节市七星关区碧阳街道奥莱国际广场"
    )
    for key, label in (("amap", "高德地图"), ("baidu", "百度地图"), ("apple", "Apple 地图")):
        assert f'class="btn nav-{key}" href="{html.escape(links[key])}"' in body
        assert label in body


def test_station_page_in_english(client, bijie):
    response, body = page(client, f"/stations/{bijie}", lang="en")
    assert response.status_code == 200
    assert '<html lang="en">' in body
    assert "Mon–Fri: 08:00-20:00" in body
    assert "Members only" in body
    assert "12 seats · 160 m²" in body
    assert "March 2, 2026" in body
    assert ">Amap<" in body and ">Baidu Maps<" in body and ">Apple Maps<" in body


def test_station_page_by_ref(client, bijie):
    response, body = page(client, "/stations/bj-1")
    assert response.status_code == 200
    assert "奥莱国际广场" in body


def test_closed_station_says_so_and_unknown_fields_show_a_dash(app, client):
    with app.app_context():
        sid = StationFactory(status="temporarily_closed", phone="", seats=None, area_m2=None).id
        db.session.commit()
    _, body = page(client, f"/stations/{sid}")
    assert '<span class="badge badge-closed">暂停开放</span>' in body
    assert "开放中" not in body
    assert '<dd class="capacity">—</dd>' in body
    assert "tel:" not in body
    assert "尚未核实" in body
    assert "24 小时开放" in body


@pytest.mark.parametrize("key", ["999999", "nope", "0", "99999999999999999999", "-1"])
@pytest.mark.parametrize(
    ("lang", "message"), [("zh", "找不到这个驿站"), ("en", "We could not find that station")]
)
def test_unknown_station_is_a_friendly_404(client, key, lang, message):
    response, body = page(client, f"/stations/{key}", lang=lang)
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert message in body
    assert 'href="/"' in body
    assert "Traceback" not in body


def test_station_text_is_rendered_inert(app, client):
    with app.app_context():
        sid = StationFactory(name=HOSTILE, address='"><script>alert(2)</script>').id
        db.session.commit()
    _, body = page(client, f"/stations/{sid}")
    assert HOSTILE not in body
    assert "<script>alert(2)" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "&#34;&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in body


def test_the_language_switch_keeps_the_pages_query(client):
    body = client.get("/report?category=emergency").get_data(as_text=True)
    assert 'href="/report?category=emergency&amp;lang=en"' in body


def test_a_crafted_query_cannot_break_or_redirect_the_language_switch(client):
    answer = client.get("/report?_scheme=javascript&_external=1&endpoint=x&lang=zh&category=other")
    assert answer.status_code == 200
    assert 'href="/report?category=other&amp;lang=en"' in answer.get_data(as_text=True)
