"""The rider's check-in on a phone in Debian's chromium: scan, tap 签到, see the time, undo."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Checkin
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory

pytestmark = pytest.mark.e2e

STATION = (27.3009, 105.2863)


@pytest.fixture
def app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def token(app):
    with app.app_context():
        station = StationFactory(name="毕城驿站 <b>", region_code="520502", lat=STATION[0], lon=STATION[1])
        value = posters.current_poster(station).token
        db.session.commit()
        return value


def rows(app) -> list[Checkin]:
    with app.app_context():
        found = list(db.session.scalars(sa.select(Checkin)))
        db.session.expunge_all()
        return found


def test_tap_confirm_and_undo_on_a_phone(app, phone, token):
    device = phone()
    page = device.open(f"/c/{token}")
    assert page.locator("h1").inner_text() == "毕城驿站 <b>"
    button = page.get_by_role("button", name="签到")
    box = button.bounding_box()
    assert box["height"] >= 80 and box["width"] >= 300, "one big button a thumb cannot miss"
    assert rows(app) == []
    assert "sf_device" not in page.evaluate("document.cookie"), "the device id cookie is HttpOnly"
    page.get_by_text("快递员").click()
    button.click()
    confirmation = page.locator(".checkin-ok")
    confirmation.wait_for()
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    shown = confirmation.inner_text()
    assert "签到成功" in shown
    assert any((now - timedelta(minutes=m)).strftime("%H:%M") in shown for m in (0, 1))
    [checkin] = rows(app)
    assert checkin.category == "courier"
    page.get_by_role("button", name="撤销").click()
    page.get_by_text("签到已撤销").wait_for()
    assert rows(app) == []


def test_the_group_is_remembered_and_a_second_tap_counts_once(app, phone, token):
    device = phone()
    page = device.open(f"/c/{token}")
    page.get_by_text("网约车司机").click()
    page.get_by_role("button", name="签到").click()
    page.locator(".checkin-ok").wait_for()
    page.goto(f"/c/{token}")
    assert page.locator("input[value=ride_hailing]").is_checked()
    page.get_by_role("button", name="签到").click()
    assert "只计一次" in page.locator(".checkin-ok").inner_text()
    assert len(rows(app)) == 1


def test_shared_location_only_flags_near(app, phone, token):
    device = phone(position=(STATION[0] + 0.0004, STATION[1]))
    page = device.open(f"/c/{token}")
    page.locator("[data-near-box]").check()
    page.get_by_text("已获取位置").wait_for()
    page.get_by_role("button", name="签到").click()
    page.locator(".checkin-ok").wait_for()
    [checkin] = rows(app)
    assert checkin.near_station is True


def test_undo_button_disappears_when_the_window_closes(app, phone, token):
    device = phone()
    device.context.clock.install()
    page = device.open(f"/c/{token}")
    page.get_by_role("button", name="签到").click()
    undo = page.get_by_role("button", name="撤销")
    undo.wait_for()
    page.clock.fast_forward("05:01")
    undo.wait_for(state="hidden")


def test_english_phone_sees_check_in(phone, token):
    device = phone(locale="en-US")
    page = device.open(f"/c/{token}")
    assert page.get_by_role("button", name="Check in").is_visible()


def test_rotated_poster_page_explains_in_chinese(app, phone, token):
    with app.app_context():
        posters.rotate(posters.by_token(token).station, None, grace=timedelta(0))
        db.session.commit()
    # A page without the error listeners: the browser logs the 410 itself, which is the point here.
    page = phone().context.new_page()
    response = page.goto(f"/c/{token}")
    assert response.status == 410
    assert "此二维码海报已更换" in page.locator("h1").inner_text()
    page.close()


def test_short_code_page_leads_to_the_checkin(app, phone, token):
    with app.app_context():
        code = posters.by_token(token).short_code
    device = phone()
    page = device.open("/c")
    page.fill("#code", code.lower()[:4] + "-" + code.lower()[4:])
    page.get_by_role("button", name="继续").click()
    page.get_by_role("button", name="签到").wait_for()
    assert page.url.endswith(f"/c/{token}")
