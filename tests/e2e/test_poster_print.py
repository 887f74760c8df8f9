"""The A4 poster print page in Debian's chromium: what prints, on one A4 page, with a QR that scans."""

import io

import pypdfium2 as pdfium
import pytest
from PIL import Image

from stationfinder.amenities import to_mask
from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services.posters import tokens as posters
from tests.factories import PASSWORD, StationFactory, UserFactory
from tests.qr import blank_bands, decode_qr, pdf_pages, zbar_decode

pytestmark = pytest.mark.e2e

LAPTOP = {"viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True, PUBLIC_BASE_URL="https://sf.example.cn")


@pytest.fixture
def station_id(app):
    with app.app_context():
        station = StationFactory(
            name="毕城红骑手网约配送新业态综合服务中心",
            address="毕节市七星关区碧阳街道奥莱国际广场",
            region_code="520502",
            amenity_mask=to_mask(["air_conditioning", "drinking_water", "seating", "charging"]),
        )
        UserFactory(username="bj_manager", manager=True, stations=[station])
        db.session.commit()
        return station.id


@pytest.fixture
def page(browser, live_server, station_id):
    """Return a logged-in manager's page on a laptop; fail on any script or CSP error."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", **LAPTOP)
    context.set_default_timeout(10_000)
    errors: list[str] = []
    context.route(lambda url: not url.startswith(live_server), lambda route: route.abort())
    tab = context.new_page()
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    tab.goto("/login")
    tab.fill("#username", "bj_manager")
    tab.fill("#password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/manage/")
    yield tab
    context.close()
    assert errors == []


def current_url(app, station_id) -> str:
    with app.app_context():
        poster = posters.current_poster(db.session.get(Station, station_id), create=False)
        return posters.checkin_url(poster, "https://sf.example.cn"), posters.display_code(poster.short_code)


def test_print_page_shows_the_poster_and_its_qr_scans(app, page, station_id):
    page.goto(f"/manage/stations/{station_id}/poster")
    url, code = current_url(app, station_id)
    sheet = page.locator(".poster-sheet")
    text = sheet.inner_text()
    for expected in (
        "毕城红骑手网约配送新业态综合服务中心",
        "碧阳街道",
        "微信或浏览器扫码签到",
        code,
        "空调",
        "饮用水",
    ):
        assert expected in text
    shot = Image.open(io.BytesIO(page.locator(".poster-qr").screenshot()))
    assert decode_qr(shot) == url


def test_printing_gives_one_a4_page_with_only_the_poster(app, page, station_id):
    page.goto(f"/manage/stations/{station_id}/poster")
    url, code = current_url(app, station_id)
    page.emulate_media(media="print")
    assert not page.locator(".poster-actions").is_visible()
    assert not page.locator(".staff-nav").is_visible()
    body = page.pdf(prefer_css_page_size=True, print_background=True)
    doc = pdfium.PdfDocument(body)
    sizes = [tuple(round(v) for v in doc[i].get_size()) for i in range(len(doc))]
    doc.close()
    assert sizes == [(595, 842)], "exactly one A4 page"
    [(image, text)] = pdf_pages(body)
    assert decode_qr(image) == url
    assert code in text and "更换海报" not in text  # the controls are screen-only


def test_the_printed_page_still_scans_with_a_blank_band_on_every_fold_line(app, page, station_id):
    page.goto(f"/manage/stations/{station_id}/poster")
    url, _ = current_url(app, station_id)
    page.emulate_media(media="print")
    [(image, _)] = pdf_pages(page.pdf(prefer_css_page_size=True, print_background=True), dpi=150)
    # Creased in half and in thirds, each crease a 5 mm band without toner.
    creased = blank_bands(image, (1 / 3, 1 / 2, 2 / 3), 5.0, 150)
    assert zbar_decode(creased) == [url]


def test_rotate_from_the_page_replaces_the_qr(app, page, station_id):
    page.goto(f"/manage/stations/{station_id}/poster")
    old_url, old_code = current_url(app, station_id)
    page.get_by_role("link", name="更换海报（生成新二维码）").click()
    page.get_by_label("立即失效：海报被复制或滥用。").check()
    page.get_by_label("我明白：已张贴的海报将全部失效。").check()
    page.get_by_role("button", name="确认更换海报").click()
    page.get_by_text("旧二维码已失效").wait_for()
    new_url, new_code = current_url(app, station_id)
    assert new_url != old_url and new_code in page.locator("[data-short-code]").inner_text()
