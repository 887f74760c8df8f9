"""Riders' reports on a phone in Debian's chromium: a station report with a photo, its status, 随手拍."""

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.models import Report, ReportPhoto
from stationfinder.services import dataset
from stationfinder.services import reports as report_service
from stationfinder.services.reports import photos
from tests.factories import StationFactory, UserFactory
from tests.photos import MAKE, phone_jpeg

pytestmark = pytest.mark.e2e

STATION = (26.5811, 106.7100)  # 云岩区, Guiyang
RIDER = (26.5800, 106.7100)
NANMING = (26.5812, 106.7145)
STATUS_URL = re.compile(r"/r/([2-9A-Z]{8})\?new=(1|merged)$")
# A thumb's smallest comfortable target (WCAG 2.5.5, Apple's and Android's guidelines).
MIN_TAP_PX = 44


@pytest.fixture
def app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def station(app):
    with app.app_context():
        made = StationFactory(
            ref="gy-1", name="云岩驿站", lat=STATION[0], lon=STATION[1], region_code="520103"
        )
        dataset.bump()
        db.session.commit()
        return made.id


def stored(app) -> list[tuple[Report, bytes | None]]:
    with app.app_context():
        rows = []
        for report in db.session.scalars(sa.select(Report).order_by(Report.id)):
            photo = db.session.get(ReportPhoto, report.id)
            rows.append((report, photo.data if photo else None))
        db.session.expunge_all()
        return rows


def assert_usable_by_thumb(page):
    """Check that every visible field has a label and every button or tile is at least 44 px tall."""
    unlabelled = page.evaluate(
        """() => Array.from(document.querySelectorAll("input, textarea, select"))
            .filter((el) => el.type !== "hidden" && el.getClientRects().length)
            .filter((el) => !el.labels || el.labels.length === 0)
            .map((el) => el.outerHTML)"""
    )
    assert unlabelled == []
    targets = page.locator("main button, main .btn, main .report-choice, main .report-tile").all()
    assert targets
    for target in targets:
        if target.is_visible():
            box = target.bounding_box()
            assert box["height"] >= MIN_TAP_PX, target.evaluate("el => el.outerHTML")


def test_a_station_report_with_a_photo_then_its_status(app, phone, station):
    device = phone()
    page = device.open("/stations/gy-1")
    assert_usable_by_thumb(page)
    page.get_by_role("link", name="没有饮用水").tap()  # tap one: what is wrong

    expect(page.get_by_role("heading", name="云岩驿站")).to_be_visible()
    expect(page.get_by_role("radio", name="没有饮用水")).to_be_checked()
    photo_input = page.get_by_label("照片（选填）")
    assert photo_input.get_attribute("accept") == "image/*"
    assert photo_input.get_attribute("capture") == "environment"
    assert_usable_by_thumb(page)
    page.get_by_label("补充说明（选填）").fill("饮水机没有水了")
    # A phone's photo, with the GPS position of where it was taken in its EXIF.
    photo_input.set_input_files(
        {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": phone_jpeg(800, 600)}
    )
    page.get_by_role("button", name="发送").tap()  # tap two: send

    page.wait_for_url(STATUS_URL)
    code = STATUS_URL.search(page.url).group(1)
    expect(page.locator(".report-ok")).to_contain_text("谢谢，反馈已发送")
    expect(page.locator("[data-code-text]")).to_have_text(f"{code[:4]}-{code[4:]}")
    expect(page.locator("[data-state]")).to_have_text("已收到")

    [(report, data)] = stored(app)
    assert (report.code, report.category, report.station_id) == (code, "no_water", station)
    assert report.description == "饮水机没有水了"
    image = Image.open(io.BytesIO(data))
    assert image.size == (600, 800), "turned upright as the phone held it"
    assert not image.getexif() and MAKE.encode() not in data

    with app.app_context():
        found = report_service.by_code(code)
        report_service.change(
            found, UserFactory(admin=True), status="in_progress", note="已通知物业送水", public=True
        )
        db.session.commit()

    # Read its status later, from the code alone.
    later = device.open(f"/r/{code}")
    expect(later.locator("[data-state]")).to_have_text("处理中")
    expect(later.locator(".report-updates")).to_contain_text("已通知物业送水")
    expect(later.locator(".report-facts")).to_contain_text("没有饮用水")
    assert later.locator(".report-ok").count() == 0
    assert_usable_by_thumb(later)

    # 我的反馈 lists it from this phone's own storage.
    mine = device.open("/r")
    link = mine.locator(".my-reports a").first
    expect(link).to_contain_text(f"{code[:4]}-{code[4:]}")
    expect(link).to_contain_text("没有饮用水")
    assert link.get_attribute("href") == f"/r/{code}"


def _noise_jpeg(width: int, height: int) -> bytes:
    """Return a JPEG that compresses badly, as a phone's photo of a busy street does."""
    out = io.BytesIO()
    Image.merge("RGB", [Image.effect_noise((width, height), 120) for _ in range(3)]).save(
        out, "JPEG", quality=98
    )
    return out.getvalue()


def test_a_photo_over_the_limit_is_shrunk_on_the_phone(app, phone, station):
    big = _noise_jpeg(4000, 3000)
    assert len(big) > photos.MAX_BYTES
    device = phone()
    sent: list[int] = []
    page = device.open("/stations/gy-1/report?category=dirty")
    page.on("request", lambda r: sent.append(len(r.post_data_buffer or b"")) if r.method == "POST" else None)
    page.get_by_label("照片（选填）").set_input_files(
        {"name": "big.jpg", "mimeType": "image/jpeg", "buffer": big}
    )
    page.get_by_role("button", name="发送").tap()
    page.wait_for_url(STATUS_URL)
    assert sent and max(sent) < photos.MAX_BYTES
    [(_report, data)] = stored(app)
    assert max(Image.open(io.BytesIO(data)).size) == photos.MAX_SIDE


def test_the_list_shows_open_reports_and_a_way_to_report(app, phone, station):
    with app.app_context():
        for device_id in ("phone-a", "phone-b"):
            report_service.file_report("station", "no_water", station_id=station, device_id=device_id)
        db.session.commit()
    page = phone(RIDER).open("/")
    item = page.locator("#results > li").first
    expect(item.locator(".open-problems")).to_contain_text(
        re.compile(r"2 位骑手反馈：无饮用水（今天 \d\d:\d\d 起）")
    )
    link = item.get_by_role("link", name="反馈问题")
    assert link.bounding_box()["height"] >= MIN_TAP_PX
    link.tap()
    expect(page.get_by_role("radio", name="没有饮用水")).to_be_visible()
    page.get_by_text("满员了").tap()
    page.get_by_role("button", name="发送").tap()
    page.wait_for_url(STATUS_URL)
    expect(page.locator(".report-facts")).to_contain_text("满员了")


def test_snap_and_report_sends_the_phones_position(app, phone):
    page = phone(NANMING).open("/")
    page.get_by_role("link", name="随手拍").tap()
    page.wait_for_url("**/report")
    assert_usable_by_thumb(page)
    page.get_by_role("link", name="道路隐患").tap()
    page.wait_for_url("**/report?category=road_hazard")
    expect(page.locator("[data-position-status]")).to_contain_text("已获取位置")
    assert_usable_by_thumb(page)
    page.get_by_role("button", name="发送").tap()
    page.wait_for_url(STATUS_URL)
    expect(page.locator(".report-facts")).to_contain_text("贵阳市 南明区")
    [(report, _data)] = stored(app)
    assert (report.kind, report.category, report.region_code) == ("community", "road_hazard", "520102")
    assert report.lat == pytest.approx(NANMING[0], abs=1e-5)


def test_emergency_numbers_come_first_and_a_refused_position_is_said(app, phone):
    page = phone(position=None).open("/report")
    page.get_by_role("link", name="紧急情况").tap()
    page.wait_for_url("**/report?category=emergency")
    calls = page.locator(".emergency a[href^='tel:']")
    expect(calls).to_have_count(3)
    assert [calls.nth(i).get_attribute("href") for i in range(3)] == ["tel:110", "tel:119", "tel:120"]
    expect(page.locator(".emergency")).to_contain_text("报警请直接拨打 110")
    expect(page.locator(".emergency")).to_contain_text("不是报警或急救服务")
    form_top = page.locator("form[data-report-form]").bounding_box()["y"]
    assert page.locator(".emergency").bounding_box()["y"] < form_top
    assert_usable_by_thumb(page)

    status = page.locator("[data-position-status]")
    expect(status).to_contain_text("定位被拒绝")
    expect(page.get_by_role("button", name="重试")).to_be_visible()
    page.get_by_role("button", name="发送").tap()
    expect(page.locator("[data-report-alert]")).to_contain_text("需要您的位置才能发送")
    assert stored(app) == []
