"""District choices: only regions with stations that are not closed, one level at a time."""

import pytest

from stationfinder.extensions import db
from stationfinder.services.regions import choices as region_choices
from stationfinder.services.regions import codes as regions
from tests.factories import StationFactory


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def add(*codes, status="open"):
    for code in codes:
        StationFactory(region_code=code, status=status)
    db.session.flush()


def test_nothing_to_choose_without_stations(ctx):
    assert region_choices.children() == []
    assert region_choices.start() == (None, [])


def test_levels(ctx):
    add("520502", "520521", "520103", "110105")
    add("520201", status="closed")
    add("520201", status="temporarily_closed")
    assert region_choices.children() == ["110000", "520000"]
    assert region_choices.children("520000") == ["520100", "520200", "520500"]
    assert region_choices.children("520500") == ["520502", "520521"]
    assert region_choices.children("520502") == []


def test_start_skips_single_choices_down_to_counties(ctx):
    add("520502", "520521")
    assert region_choices.start() == ("520500", ["520502", "520521"])


def test_start_stops_where_nothing_finer_exists(ctx):
    # Stations filed at city level only: the city is the one choice, with no counties under it.
    add("520500", "520500")
    assert region_choices.start() == ("520000", ["520500"])
    assert region_choices.children("520500") == []


def test_bad_parent_is_refused(ctx):
    with pytest.raises(regions.InvalidRegion):
        region_choices.children("52")
