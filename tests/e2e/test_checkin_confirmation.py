"""The check-in confirmation stays on a phone: reload, station details and back, language switch."""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.models import Checkin
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def token(app):
    with app.app_context():
        station = StationFactory(name="毕城驿站", region_code="520502", lat=27.3009, lon=105.2863)
        value = posters.current_poster(station).token
        db.session.commit()
        return value


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Checkin.id)))


def test_the_confirmation_survives_reload_back_and_a_language_switch(app, phone, token):
    device = phone()
    page = device.open(f"/c/{token}")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    page.get_by_role("button", name="签到").click()
    confirmation = page.locator(".checkin-ok")
    expect(confirmation).to_contain_text("签到成功")
    assert re.search(rf"/c/{token}/done/\d+$", page.url), page.url
    done_url = page.url
    time_shown = re.search(r"\d\d:\d\d", confirmation.inner_text()).group(0)

    page.reload()
    expect(confirmation).to_contain_text(f"{time_shown} 签到成功")
    expect(page.get_by_role("button", name="撤销")).to_be_visible()

    page.get_by_role("link", name="驿站详情").click()
    expect(page.locator("h1.station-name")).to_have_text("毕城驿站")
    page.go_back()
    expect(confirmation).to_contain_text(f"{time_shown} 签到成功")
    assert page.url == done_url

    page.get_by_role("link", name="English").click()
    expect(confirmation).to_contain_text(f"Checked in at {time_shown}")
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    page.get_by_role("link", name="中文").click()
    expect(confirmation).to_contain_text(f"{time_shown} 签到成功")

    assert posts == [device.base_url + f"/c/{token}"], "one tap, one POST: nothing was sent again"
    assert count(app) == 1


def test_another_phone_opening_the_confirmation_link_sees_the_checkin_page(app, phone, token):
    mine = phone().open(f"/c/{token}")
    mine.get_by_role("button", name="签到").click()
    expect(mine.locator(".checkin-ok")).to_be_visible()
    theirs = phone().open(mine.url)  # e.g. the link pasted into a chat
    expect(theirs.get_by_role("button", name="签到")).to_be_visible()
    assert theirs.url.endswith(f"/c/{token}") and theirs.locator(".checkin-ok").count() == 0
    assert count(app) == 1


def test_the_code_page_is_linked_from_the_rider_pages(app, phone, token):
    with app.app_context():
        key = posters.by_token(token).station.public_key
    device = phone()
    for path in ("/", f"/stations/{key}"):
        page = device.open(path)
        page.get_by_role("link", name="海报二维码扫不出来？输入签到码签到").click()
        expect(page.locator("#code")).to_be_visible()
        assert page.url.endswith("/c")
