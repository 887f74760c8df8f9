"""The coverage page in Debian's chromium at a laptop size: every map layer drawn, the table beside it."""

import pytest

from stationfinder.extensions import db
from stationfinder.geo import cells, counties
from stationfinder.models import DemandCount, utcnow
from stationfinder.services import dataset
from stationfinder.services.checkins.identity import local_day
from stationfinder.services.planning import demand
from tests.factories import PASSWORD, StationFactory, UserFactory

pytestmark = pytest.mark.e2e

LAPTOP = {"viewport": {"width": 1366, "height": 850}, "device_scale_factor": 1}
# Three stations in 七星关区, and riders searching in three places farther than 1,125 m from any.
STATIONS = [(27.3009, 105.2863), (27.2900, 105.3000), (27.3100, 105.2700)]
HOT_SPOTS = [((27.2500, 105.2000), 40), ((27.1500, 105.6000), 25), ((27.0500, 105.0500), 9)]


@pytest.fixture
def world(app):
    """Seed the stations, the demand and a staff user of 毕节市; return the number of demand cells."""
    with app.app_context():
        for lat, lon in STATIONS:
            StationFactory(lat=lat, lon=lon, region_code="520502")
        UserFactory(username="bijie", region_code="520500")
        today = local_day(utcnow())
        db.session.add_all(
            DemandCount(
                cell=cells.cell_of(lat, lon),
                day=today,
                band=demand.LAST_BAND,
                county=counties.county_at(lat, lon),
                searches=searches,
            )
            for (lat, lon), searches in HOT_SPOTS
        )
        dataset.bump()
        db.session.commit()
    return len(HOT_SPOTS)


def test_the_map_shows_every_layer(browser, live_server, world):
    context = browser.new_context(**LAPTOP, locale="zh-CN", base_url=live_server)
    errors: list[str] = []
    outside: list[str] = []
    # No internet here: map tiles fail, and the page must still work.
    context.route(
        lambda url: not url.startswith(live_server),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text) if msg.type == "error" and "ERR_FAILED" not in msg.text else None
            ),
        )
        page.goto("/login")
        page.fill("input[name=username]", "bijie")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.goto("/dashboard/coverage")

        page.wait_for_selector("#cov-map[data-drawn][data-uncovered=loaded]")
        assert page.locator("#cov-map path.cov-uncovered").count() >= 1
        assert page.locator("#cov-map path.cov-station-circle").count() == len(STATIONS)
        assert page.locator("#cov-map path.cov-station").count() == len(STATIONS)
        assert page.locator("#cov-map path.cov-cell").count() == world
        sites = page.locator("#cov-map .cov-site")
        assert sites.count() == world
        assert sites.all_inner_texts() == [str(n) for n in range(1, world + 1)]
        assert page.locator("#cov-map .leaflet-control-layers").count() == 1

        assert page.locator('table[data-table="coverage"] tbody tr').count() == 8
        assert page.locator("#sites ol li").count() == world
        assert "不是选址决定" in page.locator(".cov-note").inner_text()
        assert outside and all(not url.startswith("http://127.0.0.1") for url in outside)

        page.emulate_media(media="print")
        assert not page.locator(".cov-filters").is_visible()
        assert page.locator("#cov-map").is_visible()
        assert page.locator('table[data-table="coverage"]').is_visible()
        assert page.pdf(format="A4").startswith(b"%PDF")
    finally:
        context.close()
    assert errors == []
