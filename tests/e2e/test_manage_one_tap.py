"""On a manager's phone, one tap must never do harm (issue 10): confirming, replacing a poster, printing."""

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Poster, Station
from stationfinder.services.posters import tokens as posters
from tests.e2e.conftest import PHONE
from tests.factories import PASSWORD, StationFactory, UserFactory
from tests.qr import pdf_pages

pytestmark = pytest.mark.e2e


@pytest.fixture
def app(app_factory):
    # The built-in default address: the poster pages must say so before anyone prints.
    return app_factory(WTF_CSRF_ENABLED=True, PUBLIC_BASE_URL="http://127.0.0.1:5000")


@pytest.fixture
def station_id(app):
    with app.app_context():
        station = StationFactory(name="毕城驿站", region_code="520502", phone="0857 8220000")
        UserFactory(username="bj_manager", manager=True, stations=[station])
        posters.current_poster(station)
        db.session.commit()
        return station.id


@pytest.fixture
def manager(browser, live_server, station_id):
    """Return a function opening a logged-in manager's phone (optionally without JavaScript)."""
    contexts, errors = [], []

    def make(javascript: bool = True):
        context = browser.new_context(
            **PHONE, base_url=live_server, locale="zh-CN", java_script_enabled=javascript
        )
        context.set_default_timeout(10_000)
        context.route(lambda url: not url.startswith(live_server), lambda route: route.abort())
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        # Map tiles cannot load without the internet (aborted above): not the page's fault.
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text) if msg.type == "error" and "net::ERR_FAILED" not in msg.text else None
            ),
        )
        page.goto("/login")
        page.fill("#username", "bj_manager")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/manage/")
        return page

    yield make
    for context in contexts:
        context.close()
    assert errors == []


def stored(app, station_id):
    with app.app_context():
        station = db.session.get(Station, station_id)
        actions = list(
            db.session.scalars(
                sa.select(AuditEntry.action).where(
                    AuditEntry.station_id == station_id, AuditEntry.action.not_like("poster%")
                )
            )
        )
        return station.phone, station.last_verified_at, actions


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_confirm_after_typing_a_phone_saves_the_edit_and_confirms(app, manager, station_id, javascript):
    page = manager(javascript)
    page.goto(f"/manage/stations/{station_id}")
    page.locator("#phone").fill("0857 8221111")
    button = page.locator("[data-confirm-button]")
    if javascript:
        # The button says what a tap now does.
        expect(button).to_have_text("保存修改并确认信息无误")
        expect(page.get_by_text("确认时会一并保存这些修改")).to_be_visible()
    else:
        expect(button).to_have_text("确认信息无误")
    button.click()
    expect(page.get_by_text("信息已标记为今天核实")).to_be_visible()
    expect(page.locator("#phone")).to_have_value("0857 8221111")
    phone, checked, actions = stored(app, station_id)
    assert phone == "0857 8221111" and checked is not None and actions == ["update"]


def test_leaving_with_unsaved_edits_asks_first(app, manager, station_id):
    page = manager()
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    # Untouched, the page says plainly what the button does, and leaves without asking.
    page.goto(f"/manage/stations/{station_id}")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-confirm-button]")).to_have_text("确认信息无误")
    expect(page.locator("[data-dirty-hint]")).to_be_hidden()
    page.get_by_role("link", name="修改记录").click()
    page.wait_for_url("**/history")
    assert asked == []
    page.goto(f"/manage/stations/{station_id}")
    page.wait_for_load_state("networkidle")
    page.locator("#phone").click()
    page.keyboard.type("9")
    # The handler above answers "stay"; the typed edit is still there.
    with page.expect_event("dialog") as shown:
        page.get_by_role("link", name="修改记录").click(no_wait_after=True)
    assert shown.value.type == "beforeunload" and asked == ["beforeunload"]
    expect(page.locator("#phone")).to_have_value("0857 82200009")
    assert page.url.endswith(f"/manage/stations/{station_id}")
    assert stored(app, station_id) == ("0857 8220000", None, [])


def test_replacing_the_poster_takes_a_deliberate_confirmation(app, manager, station_id):
    page = manager()
    page.goto(f"/manage/stations/{station_id}/poster")
    with app.app_context():
        [old] = db.session.scalars(sa.select(Poster.token)).all()
    # The print actions hold no way to replace the poster; it sits in its own section below the sheet.
    expect(page.locator(".poster-actions").get_by_text("更换海报")).to_have_count(0)
    sheet = page.locator(".poster-sheet").bounding_box()
    zone = page.locator(".danger-zone")
    assert zone.bounding_box()["y"] >= sheet["y"] + sheet["height"]
    expect(zone).to_contain_text("已张贴的海报将全部失效")
    zone.get_by_role("link", name="更换海报（生成新二维码）").click()
    page.wait_for_url("**/poster/rotate")
    expect(page.locator("h1")).to_have_text("更换海报")
    expect(page.get_by_text("已张贴的海报将全部失效。", exact=True)).to_be_visible()
    submit = page.get_by_role("button", name="确认更换海报")
    # Without the tick the browser refuses to send the form.
    submit.click()
    assert page.evaluate("document.querySelector('[name=understood]').validity.valueMissing")
    with app.app_context():
        assert len(db.session.scalars(sa.select(Poster)).all()) == 1
    page.get_by_label("我明白：已张贴的海报将全部失效。").check()
    submit.click()
    page.wait_for_url(f"**/manage/stations/{station_id}/poster")
    expect(page.locator(".flash, [role=status], body").first).to_contain_text("旧海报在")
    expect(page.locator("[data-poster-grace]")).to_contain_text("之前仍可签到")
    # The posters already up still count while the new one goes up.
    response = page.request.post("/api/v1/checkins", data={"token": old, "device_id": "phone-1"})
    assert response.status == 201 and response.json()["checkin"]["station"]["id"] == station_id


def test_the_default_address_is_flagged_on_screen_and_never_printed(app, manager, station_id):
    page = manager()
    page.goto(f"/manage/stations/{station_id}/poster")
    warning = page.locator("[data-address-warning]")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("二维码里的网址是 http://127.0.0.1:5000")
    expect(warning).to_contain_text("PUBLIC_BASE_URL")
    page.emulate_media(media="print")
    expect(warning).to_be_hidden()
    [(_, text)] = pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True))
    assert "PUBLIC_BASE_URL" not in text and "打印前请检查网址" not in text
    page.emulate_media(media="screen")
    page.goto(f"/manage/stations/{station_id}")
    expect(page.locator("[data-address-warning]")).to_be_visible()
