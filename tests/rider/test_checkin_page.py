"""The rider's check-in page: GET never counts, the form POST does, undo, cookies, CSRF, 404/410."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from stationfinder.ratelimits import DEVICE_COOKIE
from stationfinder.services.posters import tokens as posters
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


def tap(client, token: str, **data):
    """POST the check-in form, check it answers 303 to a confirmation URL, and return that page."""
    response = client.post(f"/c/{token}", data=data)
    assert response.status_code == 303, response.status_code
    assert response.location.startswith((f"/c/{token}/done/", f"/c/{token}/again/"))
    page = client.get(response.location)
    assert page.status_code == 200 and "data-checkin-done" in text(page)
    return page


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
        response = tap(client, token, category="courier")
    assert "/done/" in response.request.path
    assert "14:05" in text(response) and "撤销" in text(response) and "签到成功" in text(response)
    with time_machine.travel(T0 + timedelta(minutes=10), tick=False):
        again = tap(client, token, category="courier")
    assert "/again/" in again.request.path and "14:05" in text(again) and "只计一次" in text(again)
    rows = checkins(app)
    assert len(rows) == 1 and rows[0].station_id == station_id and rows[0].category == "courier"
    assert rows[0].device_hash and client.get_cookie(DEVICE_COOKIE).value not in rows[0].device_hash


def test_tap_without_a_cookie_counts_anonymously_and_gets_a_cookie_for_the_next(app, client, poster):
    token, _ = poster
    response = tap(client, token)
    assert client.get_cookie(DEVICE_COOKIE) is not None
    # No id was made up for it: a made-up id per tap would count every tap as another rider.
    assert [c.device_hash for c in checkins(app)] == [None]
    assert "data-undo-form" not in text(response)
    again = tap(client, token)
    assert "/done/" in again.request.path and len(checkins(app)) == 2
    assert checkins(app)[1].device_hash is not None
    assert "/again/" in tap(client, token).request.path  # now deduplicated by its cookie
    assert len(checkins(app)) == 2


def test_unknown_group_is_ignored_not_an_error(app, client, poster):
    assert "/done/" in tap(client, poster[0], category="astronaut", lat="nan", lon="x").request.path
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
        done = text(tap(client, token))
    checkin_id = re.search(r'name="checkin" value="(\d+)"', done).group(1)
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        late = client.post(f"/c/{token}/undo", data={"checkin": checkin_id})
    assert late.status_code == 410 and len(checkins(app)) == 1
    with time_machine.travel(T0 + timedelta(minutes=31), tick=False):
        second = text(tap(client, token))
    second_id = re.search(r'name="checkin" value="(\d+)"', second).group(1)
    with time_machine.travel(T0 + timedelta(minutes=33), tick=False):
        undone = client.post(f"/c/{token}/undo", data={"checkin": second_id})
    assert undone.status_code == 200 and [c.id for c in checkins(app)] == [int(checkin_id)]


def test_another_phone_cannot_undo(app, app_factory, poster):
    token, _ = poster
    mine, theirs = app.test_client(), app.test_client()
    mine.get(f"/c/{token}")
    mine.post(f"/c/{token}", data={})
    theirs.get(f"/c/{token}")
    checkin_id = checkins(app)[0].id
    assert checkins(app)[0].device_hash is not None
    answers = set()
    for value in (str(checkin_id), str(checkin_id + 1), "abc", "99999999999999999999", ""):
        response = theirs.post(f"/c/{token}/undo", data={"checkin": value})
        answers.add((response.status_code, text(response)))
    # Someone else's check-in reads exactly as one that does not exist.
    assert len(answers) == 1 and answers.pop()[0] == 404
    assert len(checkins(app)) == 1


def test_rotated_poster_shows_a_clear_410_page_in_chinese(app, client, poster):
    token, station_id = poster
    with app.app_context():
        posters.rotate(db.session.get(Station, station_id), None, grace=timedelta(0))
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
    assert response.status_code == 303
    checkin_id = checkins(app)[0].id
    assert client.post(f"/c/{token}/undo", data={"checkin": str(checkin_id)}).status_code == 400
    assert len(checkins(app)) == 1


@pytest.mark.parametrize("status", ["closed", "temporarily_closed"])
def test_a_closed_station_says_so_counts_nothing_and_points_to_open_ones(app, client, status):
    with app.app_context():
        shut = StationFactory(name="关了的驿站", status=status, lat=26.6, lon=106.7)
        near = StationFactory(name="近处驿站", lat=26.601, lon=106.7)
        StationFactory(name="远处驿站", lat=26.9, lon=106.7)
        StationFactory(name="也关了", status="closed", lat=26.6005, lon=106.7)
        StationFactory(name="夜里不开", opening_hours="Mo-Su 00:00-00:01", lat=26.6002, lon=106.7)
        token = posters.current_poster(shut).token
        near_ref = near.ref
        db.session.commit()
    with time_machine.travel(T0, tick=False):
        page = client.get(f"/c/{token}")
        tap = client.post(f"/c/{token}", data={})
    assert page.status_code == 200 and "关了的驿站" in text(page)
    assert 'name="csrf_token"' not in text(page)  # no check-in button to tap
    assert tap.status_code == 409
    body = text(tap)
    assert "不计数" in body or "暂时不能" in body
    # The nearest station open now comes first; closed and shut-for-the-night ones are not offered.
    assert f"/stations/{near_ref}" in body and body.index("近处驿站") < body.index("远处驿站")
    assert "也关了" not in body and "夜里不开" not in body
    assert checkins(app) == []
