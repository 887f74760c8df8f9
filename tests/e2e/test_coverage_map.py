"""The coverage page in Debian's chromium at a laptop size: every map layer drawn, the table beside it."""

import pytest

from stationfinder.extensions import db
from stationfinder.geo import cells, counties
from stationfinder.models import DemandCount, utcnow
from stationfinder.services import dataset
from stationfinder.services.checkins.identity import local_day
from stationfinder.services.planning import demand
from tests.e2e.conftest import LAPTOP
from tests.factories import PASSWORD, StationFactory, UserFactory

pytestmark = pytest.mark.e2e

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


def test_the_map_shows_every_layer(phone, world):
    laptop = phone(device=LAPTOP)
    page = laptop.sign_in("bijie", PASSWORD, "/dashboard/coverage")
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
    assert laptop.outside and all(not url.startswith("http://127.0.0.1") for url in laptop.outside)

    page.emulate_media(media="print")
    assert not page.locator(".cov-filters").is_visible()
    assert page.locator("#cov-map").is_visible()
    assert page.locator('table[data-table="coverage"]').is_visible()
    assert page.pdf(format="A4").startswith(b"%PDF")
