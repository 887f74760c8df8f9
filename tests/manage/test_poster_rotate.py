"""Replacing a poster takes a deliberate confirmation; the old posters keep working for the grace period.

Also: the poster pages warn, before anyone prints, when the address in the QR codes looks wrong.
"""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine

from stationfinder.extensions import db
from stationfinder.models import Checkin, Poster
from tests.factories import PASSWORD
from tests.staff import csrf_token, login, make_world


@pytest.fixture
def world(app):
    return make_world(app)


def tokens(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Poster.token).order_by(Poster.id)))


def test_the_poster_page_has_no_one_tap_rotation(app, client, world):
    login(client, "manager_gy")
    body = client.get(f"/manage/stations/{world['gy']}/poster").get_data(as_text=True)
    actions = body[
        body.index('<div class="poster-actions">') : body.index("</div>", body.index("poster-actions"))
    ]
    assert "rotate" not in actions
    # Only a link to the confirmation page, in a section of its own below the poster.
    assert not re.search(r"<form[^>]*poster/rotate", body)
    zone = body[body.index('class="danger-zone') :]
    assert body.index("poster-sheet") < body.index('class="danger-zone')
    assert f'href="/manage/stations/{world["gy"]}/poster/rotate"' in zone and "已张贴的海报将全部失效" in zone


def test_the_confirmation_page_says_what_happens_and_needs_the_tick(app, client, world):
    login(client, "manager_gy")
    client.get(f"/manage/stations/{world['gy']}/poster")
    [old] = tokens(app)
    page = client.get(f"/manage/stations/{world['gy']}/poster/rotate")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "已张贴的海报将全部失效" in body and "24 小时后" in body
    assert re.search(r'<input type="checkbox" name="understood" value="yes" required>', body)
    refused = client.post(f"/manage/stations/{world['gy']}/poster/rotate", data={"old_posters": "grace"})
    assert refused.status_code == 422 and "请勾选确认" in refused.get_data(as_text=True)
    assert tokens(app) == [old]


def test_rotation_keeps_the_old_posters_working_for_the_grace_period(app, client, world):
    login(client, "manager_gy")
    client.get(f"/manage/stations/{world['gy']}/poster")
    [old] = tokens(app)
    response = client.post(
        f"/manage/stations/{world['gy']}/poster/rotate", data={"understood": "yes", "old_posters": "grace"}
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        ends = db.session.scalar(sa.select(Poster.retired_at).where(Poster.token == old))
    assert timedelta(hours=23, minutes=59) < ends - datetime.now(UTC) <= timedelta(hours=24)
    # The manager sees until when (local time) the old posters still work, on both pages.
    until = ends.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    assert f"旧海报在 {until} 之前仍可签到" in page
    assert f"在 {until} 之前仍可签到" in client.get(f"/manage/stations/{world['gy']}").get_data(as_text=True)
    with app.app_context():
        old_code = db.session.scalar(sa.select(Poster.short_code).where(Poster.token == old))
    with time_machine.travel(ends - timedelta(minutes=1), tick=False):
        assert client.get(f"/c/{old}").status_code == 200
        # The code typed off an old poster still leads to its check-in page.
        typed = client.get("/c", query_string={"code": old_code})
        assert typed.status_code == 303 and typed.headers["Location"].endswith(f"/c/{old}")
        response = client.post("/api/v1/checkins", json={"token": old, "device_id": "phone-1"})
        assert response.status_code == 201 and response.get_json()["checkin"]["station"]["id"] == world["gy"]
    with time_machine.travel(ends, tick=False):
        assert client.get(f"/c/{old}").status_code == 410
        assert client.get("/c", query_string={"code": old_code}).status_code == 410
        assert client.post("/api/v1/checkins", json={"token": old, "device_id": "phone-2"}).status_code == 410
        login(client, "manager_gy")
        assert "仍可签到" not in client.get(f"/manage/stations/{world['gy']}/poster").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Checkin)) == 1


def test_a_misused_poster_can_stop_at_once(app, client, world):
    login(client, "manager_gy")
    client.get(f"/manage/stations/{world['gy']}/poster")
    [old] = tokens(app)
    response = client.post(
        f"/manage/stations/{world['gy']}/poster/rotate", data={"understood": "yes", "old_posters": "stop_now"}
    )
    assert "旧二维码已失效" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert client.get(f"/c/{old}").status_code == 410


def test_the_confirmation_needs_a_csrf_token(app_factory, world):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login(client, "manager_gy", csrf=True)
    rotate = f"/manage/stations/{world['gy']}/poster/rotate"
    client.get(f"/manage/stations/{world['gy']}/poster")
    assert client.post(rotate, data={"understood": "yes"}).status_code == 400
    assert len(tokens(app)) == 1
    token = csrf_token(client, rotate)
    assert client.post(rotate, data={"csrf_token": token, "understood": "yes"}).status_code == 303
    assert len(tokens(app)) == 2


ADDRESS_PAGES = ["/manage/stations/{gy}/poster", "/manage/stations/{gy}", "/manage/posters"]


@pytest.mark.parametrize("path", ADDRESS_PAGES)
def test_the_default_address_is_flagged_before_printing(app_factory, path):
    app = app_factory(PUBLIC_BASE_URL="http://127.0.0.1:5000")
    world = make_world(app)
    client = app.test_client()
    login(client, "admin")
    body = client.get(path.format(gy=world["gy"])).get_data(as_text=True)
    warning = body[body.index("data-address-warning") :]
    warning = warning[: warning.index("</div>")]
    assert 'data-address-warning="default"' in body and "screen-only" in body
    assert "二维码里的网址是 http://127.0.0.1:5000" in warning and "PUBLIC_BASE_URL" in warning


@pytest.mark.parametrize("path", ADDRESS_PAGES)
def test_another_host_than_the_configured_one_is_flagged(app_factory, path):
    app = app_factory(PUBLIC_BASE_URL="https://sf.example.cn")
    world = make_world(app)
    url = path.format(gy=world["gy"])
    bodies = {}
    for host in ("https://stations.example.cn", "https://sf.example.cn"):
        client = app.test_client()
        client.post("/login", data={"username": "admin", "password": PASSWORD}, base_url=host)
        response = client.get(url, base_url=host)
        assert response.status_code == 200
        bodies[host] = response.get_data(as_text=True)
    body = bodies["https://stations.example.cn"]
    assert 'data-address-warning="other_host"' in body
    assert "https://sf.example.cn" in body and "您现在访问本站用的是 https://stations.example.cn" in body
    assert "data-address-warning" not in bodies["https://sf.example.cn"]


def test_a_rotation_by_mistake_can_be_undone_from_the_poster_page(app, client, world):
    login(client, "manager_gy")
    client.get(f"/manage/stations/{world['gy']}/poster")
    [old] = tokens(app)
    client.post(f"/manage/stations/{world['gy']}/poster/rotate", data={"understood": "yes"})
    page = client.get(f"/manage/stations/{world['gy']}/poster").get_data(as_text=True)
    with app.app_context():
        old_id, old_code = db.session.execute(
            sa.select(Poster.id, Poster.short_code).where(Poster.token == old)
        ).one()
    assert f'name="poster" value="{old_id}"' in page and "误操作？继续使用旧海报" in page
    response = client.post(f"/manage/stations/{world['gy']}/poster/restore", data={"poster": old_id})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "已恢复使用" in page and f"/c/{old}" in page, "the old poster is the current one again"
    with time_machine.travel(datetime.now(UTC) + timedelta(days=30)):
        assert client.get(f"/c/{old}").status_code == 200


def test_undo_is_refused_for_another_stations_poster_or_after_the_grace_period(app, client, world):
    login(client, "admin")
    client.get(f"/manage/stations/{world['bj']}/poster")
    client.get(f"/manage/stations/{world['gy']}/poster")
    client.post(f"/manage/stations/{world['gy']}/poster/rotate", data={"understood": "yes"})
    with app.app_context():
        gy_old = db.session.scalar(
            sa.select(Poster.id).where(Poster.station_id == world["gy"], Poster.retired_at.is_not(None))
        )
    restore = "/manage/stations/{}/poster/restore"
    assert client.post(restore.format(world["bj"]), data={"poster": gy_old}).status_code == 404
    assert client.post(restore.format(world["gy"]), data={"poster": "x"}).status_code == 404
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=25)):
        login(client, "admin")
        response = client.post(restore.format(world["gy"]), data={"poster": gy_old})
        assert response.status_code == 303
        assert "来不及了" in client.get(response.headers["Location"]).get_data(as_text=True)
    login(client, "manager_bj")
    assert client.post(restore.format(world["gy"]), data={"poster": gy_old}).status_code == 403
