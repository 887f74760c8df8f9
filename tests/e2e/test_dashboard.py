"""The dashboard in Debian's chromium at a phone and a laptop size: its figures are the API's."""

import pytest

from tests.e2e.conftest import LAPTOP, PHONE
from tests.factories import PASSWORD
from tests.stats_world import build_world, make_users

pytestmark = pytest.mark.e2e

QUERY = "from=2025-03-01&to=2025-03-10&region=520000"


@pytest.fixture
def world(app):
    with app.app_context():
        build_world()
        make_users()


@pytest.mark.parametrize("device", [PHONE, LAPTOP], ids=["phone", "laptop"])
def test_dashboard_shows_the_apis_figures(phone, world, device):
    staff = phone(device=device)
    context = staff.context
    page = staff.sign_in("gz", PASSWORD, "/dashboard/?" + QUERY)
    api = context.request.get("/api/v1/stats/checkins?" + QUERY).json()
    assert page.locator('[data-figure="count"] .card-value').get_attribute("data-value") == str(api["total"])
    unique = page.locator('[data-figure="unique"] .card-value').get_attribute("data-value")
    assert unique == str(api["unique_devices"])

    by_day = context.request.get("/api/v1/stats/checkins?group_by=day&" + QUERY).json()["groups"]
    page.locator("#days summary").click()
    rows = page.locator('table[data-table="days"] tbody tr')
    shown = [
        (rows.nth(i).locator("td").nth(0).inner_text(), rows.nth(i).locator("td").nth(1).inner_text())
        for i in range(rows.count())
    ]
    assert shown == [(g["key"], str(g["count"])) for g in by_day]

    by_region = context.request.get("/api/v1/stats/checkins?group_by=region&" + QUERY).json()["groups"]
    region_rows = page.locator('table[data-table="regions"] tbody tr')
    shown_regions = {
        region_rows.nth(i).locator("td").nth(1).inner_text(): int(
            region_rows.nth(i).locator("td").nth(2).inner_text()
        )
        for i in range(region_rows.count())
    }
    assert shown_regions == {g["label"]: g["count"] for g in by_region}

    cells = page.locator("svg.chart-heat rect.cell")
    assert cells.count() == 7 * 24
    assert sum(int(v) for v in cells.evaluate_all("els => els.map(e => e.dataset.value)")) == api["total"]

    page.wait_for_selector("#dash-map[data-circles]")
    assert page.locator("#dash-map").get_attribute("data-circles") == str(
        len(context.request.get("/dashboard/export/map.csv?" + QUERY).text().strip().splitlines()) - 1
    )
    assert page.locator(".map-notice").is_visible()

    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert width <= 1, "the page scrolls sideways"
    page.emulate_media(media="print")
    assert not page.locator(".dash-filters").is_visible()
    assert page.locator("svg.chart-line").is_visible()
    assert page.pdf(format="A4").startswith(b"%PDF")
