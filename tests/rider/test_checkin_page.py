"""The rider's check-in page: GET never counts, the form POST does, undo, cookies, CSRF, 404/410."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from stationfinder.ratelimits import DEVICE_COOKIE
from stationfinder.services import posters
from tests.factories import StationFactory
from tests.staff import csrf_token

T0 = datetime(2025, 3, 10, 6, 5, tzinfo=UTC)  # 14:05 in Shanghai


@pytest.fixture
def poster(app):
    with app.app_context():
        station = StationFactory(name="驿站 <img src=x onerror=alert(1)>", address="贵阳市云岩区")
        token = posters.current_poster(station).token
        db.session.commit()
        return token, station.id


def checkins(app) -> list[Checkin]:
    with app.app_context():
        rows = list(db.session.scalars(sa.select(Checkin).order_by(Checkin.id)))
        db.session.expunge_all()
        return rows


def text(response) -> str:
    return response.get_data(as_text=True)


def test_get_names_the_station_and_records_nothing(app, client, poster):
    token, _ = poster
    for agent in ("Mozilla/5.0 (Linux; Android 10) MicroMessenger/8.0", "WhatsApp/2.23", "Googlebot/2.1"):
        response = client.get(f"/c/{token}", headers={"User-Agent": agent})
        assert response.status_code == 200
    html = text(response)
    assert "驿站 &lt;img src=x onerror=alert(1)&gt;" in html and "<img src=x" not in html
    assert ">签到<" in html
    for label in ("外卖骑手", "快递员", "网约车司机", "货车司机", "其他"):
        assert label in html
    assert response.headers["Cache-Control"] == "no-store"
    assert 'name="robots" content="noindex' in html
    assert checkins(app) == []


def test_page_speaks_english_when_asked(client, poster):
    html = text(client.get(f"/c/{poster[0]}?lang=en"))
    assert ">Check in<" in html and "Food delivery rider" in html


def test_device_cookie_is_random_long_lived_httponly_and_lax(app_factory, poster):
    app = app_factory()
    cookies = []
    for _ in range(2):
        response = app.test_client().get(f"/c/{poster[0]}")
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE + "="))
        cookies.append(cookie)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
        max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))
        assert max_age >= 360 * 24 * 3600
    values = [c.split(";")[0].split("=", 1)[1] for c in cookies]
    assert values[0] != values[1] and all(len(v) >= 24 for v in values)


def test_device_cookie_is_secure_in_production(app_factory, poster):
    app = app_factory(APP_ENV="production", SESSION_COOKIE_SECURE=True)
    response = app.test_client().get(f"/c/{poster[0]}")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE + "="))
    assert "Secure" in cookie


def test_a_returning_browser_keeps_its_device_id(client, poster):
    client.get(f"/c/{poster[0]}")
    response = client.get(f"/c/{poster[0]}")
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith(DEVICE_COOKIE + "=")]


def test_tap_records_once_and_confirms_with_the_local_time(app, client, poster):
    token, station_id = poster
    client.get(f"/c/{token}")
    with time_machine.travel(T0, tick=False):
        response = client.post(f"/c/{token}", data={"category": "courier"})
    assert response.status_code == 201
    assert "14:05" in text(response) and "撤销" in text(response)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        again = client.post(f"/c/{token}", data={"category": "courier"})
    assert again.status_code == 200 and "14:05" in text(again)
    rows = checkins(app)
    assert len(rows) == 1 and rows[0].station_id == station_id and rows[0].category == "courier"
    assert rows[0].device_hash and client.get_cookie(DEVICE_COOKIE).value not in rows[0].device_hash


def test_tap_without_a_cookie_gets_one_and_can_still_undo(app, client, poster):
    token, _ = poster
    response = client.post(f"/c/{token}", data={})
    assert response.status_code == 201 and client.get_cookie(DEVICE_COOKIE) is not None
    checkin_id = checkins(app)[0].id
    response = client.post(f"/c/{token}/undo", data={"checkin": str(checkin_id)})
    assert response.status_code == 200 and checkins(app) == []


def test_unknown_group_is_ignored_not_an_error(app, client, poster):
    assert (
        client.post(f"/c/{poster[0]}", data={"category": "astronaut", "lat": "nan", "lon": "x"}).status_code
        == 201
    )
    assert checkins(app)[0].category is None and checkins(app)[0].near_station is None


def test_shared_location_sets_only_the_flag(app, client, poster):
    with app.app_context():
        station = db.session.get(Station, poster[1])
        lat, lon = station.lat, station.lon
    client.post(f"/c/{poster[0]}", data={"lat": str(lat + 0.0005), "lon": str(lon)})
    assert checkins(app)[0].near_station is True


def test_undo_is_offered_and_works_within_the_window_only(app, client, poster):
    token, _ = poster
    client.get(f"/c/{token}")
    with time_machine.travel(T0, tick=False):
        done = text(client.post(f"/c/{token}", data={}))
    checkin_id = re.search(r'name="checkin" value="(\d+)"', done).group(1)
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        late = client.post(f"/c/{token}/undo", data={"checkin": checkin_id})
    assert late.status_code == 410 and len(checkins(app)) == 1
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        second = text(client.post(f"/c/{token}", data={}))
    second_id = re.search(r'name="checkin" value="(\d+)"', second).group(1)
    with time_machine.travel(T0 + timedelta(minutes=33), tick=False):
        undone = client.post(f"/c/{token}/undo", data={"checkin": second_id})
    assert undone.status_code == 200 and [c.id for c in checkins(app)] == [int(checkin_id)]


def test_another_phone_cannot_undo(app, app_factory, poster):
    token, _ = poster
    mine, theirs = app.test_client(), app.test_client()
    mine.post(f"/c/{token}", data={})
    theirs.get(f"/c/{token}")
    checkin_id = checkins(app)[0].id
    for value in (str(checkin_id), "abc", "99999999999999999999", ""):
        response = theirs.post(f"/c/{token}/undo", data={"checkin": value})
        assert response.status_code in (404, 409)
    assert len(checkins(app)) == 1


def test_rotated_poster_shows_a_clear_410_page_in_chinese(app, client, poster):
    token, station_id = poster
    with app.app_context():
        posters.rotate(db.session.get(Station, station_id), None)
        db.session.commit()
    for response in (client.get(f"/c/{token}"), client.post(f"/c/{token}", data={})):
        assert response.status_code == 410
        assert "二维码海报已更换" in text(response) or "海报已更换" in text(response)
    assert checkins(app) == []


def test_unknown_poster_is_a_friendly_404(client):
    response = client.get("/c/" + "Z" * 24)
    assert response.status_code == 404
    assert "签到海报" in text(response) and "Traceback" not in text(response)
    assert client.get("/c/%E9%A9%BF").status_code == 404


def test_short_code_page_finds_the_poster(client, poster):
    assert client.get("/c").status_code == 200
    token = poster[0]
    with client.application.app_context():
        code = posters.by_token(token).short_code
    response = client.get("/c", query_string={"code": f"{code[:4].lower()}-{code[4:]}"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/c/{token}")
    wrong = client.get("/c", query_string={"code": "0000-0000"})
    assert wrong.status_code == 404 and 'value="0000-0000"' in text(wrong)


def test_csrf_is_required_for_the_tap_and_the_undo(app_factory, poster):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    token, _ = poster
    response = client.post(f"/c/{token}", data={})
    assert response.status_code == 400 and ">签到<" in text(response)  # asked to tap again, not an error page
    assert checkins(app) == []
    response = client.post(f"/c/{token}", data={"csrf_token": csrf_token(client, f"/c/{token}")})
    assert response.status_code == 201
    checkin_id = checkins(app)[0].id
    assert client.post(f"/c/{token}/undo", data={"checkin": str(checkin_id)}).status_code == 400
    assert len(checkins(app)) == 1
