"""The rider's pages on a 390×844 phone in Chinese, photographed for the README.

With SCREENSHOTS=1 the pictures go to docs/screens/ (that is how they are made); otherwise into a
temporary folder. Either way the test checks what the pictures should show, that no page is wider
than the phone, and that each picture stays small.
"""

import io
import os
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from stationfinder.extensions import db
from stationfinder.services import dataset
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory

pytestmark = pytest.mark.e2e

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
MAX_BYTES = 100_000
VIEWPORT = {"width": 390, "height": 844}
RIDER = (26.5800, 106.7100)  # 云岩区, Guiyang
AC, WATER, HOT, SEATS, CHARGING, MICROWAVE, TOILET = (1 << n for n in (0, 1, 2, 3, 4, 6, 7))
STATIONS = [
    # name, address, lat, lon, region, amenities, hours, phone
    ("中华北路骑手驿站", "云岩区中华北路 128 号", 26.5811, 106.7100, "520103",
     AC | WATER | HOT | SEATS | CHARGING | MICROWAVE | TOILET, "Mo-Su 08:00-22:00", "0851 8582 0000"),
    ("喷水池爱心驿站", "南明区中华南路 2 号", 26.5800, 106.7190, "520102",
     WATER | SEATS | TOILET, "24/7", ""),
    ("黔灵山公园驿站", "云岩区枣山路 187 号", 26.5900, 106.6950, "520103",
     WATER | SEATS | CHARGING, "Mo-Fr 09:00-18:00", ""),
    ("花果园快递员之家", "南明区花果园大街", 26.5600, 106.6900, "520102",
     AC | WATER | SEATS, "Mo-Su 07:00-23:00", ""),
]  # fmt: skip


@pytest.fixture
def app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def world(app):
    """Store the stations; return the first one's public key and its poster's token."""
    with app.app_context():
        made = [
            StationFactory(
                name=name,
                address=address,
                lat=lat,
                lon=lon,
                region_code=region,
                amenity_mask=mask,
                opening_hours=hours,
                phone=phone,
                seats=12,
            )
            for name, address, lat, lon, region, mask, hours, phone in STATIONS
        ]
        token = posters.current_poster(made[0]).token
        dataset.bump()
        db.session.commit()
        return made[0].public_key, token


@pytest.fixture
def screens(tmp_path) -> Path:
    if os.environ.get("SCREENSHOTS") == "1":
        SCREENS.mkdir(parents=True, exist_ok=True)
        return SCREENS
    return tmp_path


@pytest.fixture
def rider_phone(browser, live_server):
    """Return a page on a 390×844 phone in Chinese, standing in 云岩区."""
    context = browser.new_context(
        viewport=VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        base_url=live_server,
        geolocation={"latitude": RIDER[0], "longitude": RIDER[1], "accuracy": 20},
        permissions=["geolocation"],
    )
    # No internet here: map tiles and anything else outside the app fail at once.
    context.route(lambda url: not url.startswith(live_server), lambda route: route.abort())
    page = context.new_page()
    yield page
    page.wait_for_load_state("networkidle")
    context.close()


def save(page, folder: Path, name: str) -> int:
    """Photograph the viewport as a palette PNG (small enough for the README); return its size."""
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWPORT["width"], (
        f"{name}: wider than the phone"
    )
    shot = Image.open(io.BytesIO(page.screenshot()))
    small = shot.convert("RGB").quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    path = folder / f"{name}.png"
    small.save(path, optimize=True)
    return path.stat().st_size


def test_rider_pages_at_390_by_844_in_chinese(rider_phone, world, screens):
    key, token = world
    page = rider_phone
    sizes = {}

    page.goto("/")
    names = page.locator("#results .station-title")
    expect(names.first).to_have_text("中华北路骑手驿站")  # the nearest comes first
    expect(names).to_have_count(len(STATIONS))
    sizes["list"] = save(page, screens, "rider-list")

    page.goto(f"/stations/{key}")
    expect(page.locator("h1.station-name")).to_have_text("中华北路骑手驿站")
    expect(page.get_by_role("link", name="高德地图")).to_be_visible()
    sizes["station"] = save(page, screens, "rider-station")

    page.goto(f"/c/{token}")
    expect(page.get_by_role("button", name="签到")).to_be_visible()
    page.get_by_text("外卖骑手").click()
    sizes["checkin"] = save(page, screens, "rider-checkin")

    page.get_by_role("button", name="签到").click()
    expect(page.locator(".checkin-ok")).to_contain_text("签到成功")
    expect(page.get_by_role("button", name="撤销")).to_be_visible()
    sizes["done"] = save(page, screens, "rider-checkin-done")

    for name, size in sizes.items():
        assert 0 < size < MAX_BYTES, f"{name}: {size} bytes"
        with Image.open(screens / f"rider-{'checkin-done' if name == 'done' else name}.png") as image:
            assert image.size == (VIEWPORT["width"] * 2, VIEWPORT["height"] * 2)
