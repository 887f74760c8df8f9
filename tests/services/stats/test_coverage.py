"""The stations a source covers: counted, listed and placed, and kept per worker until stations change."""

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services import dataset
from stationfinder.services.rollups.counting import NATIONAL
from stationfinder.services.stats import coverage
from stationfinder.services.stats.sources import AreaSource, StationSource
from tests.factories import StationFactory


@pytest.fixture
def guizhou(ctx):
    for code in ("520102", "520102", "520103", "520502"):
        StationFactory(region_code=code, lat=26.5, lon=106.7)
    dataset.bump()
    db.session.commit()
    return AreaSource("520000")


def add_quietly(code: str) -> Station:
    """Write a station without bumping the dataset version, as no real station write does."""
    station = StationFactory(region_code=code, lat=27.0, lon=105.0)
    db.session.commit()
    return station


def test_facts_are_kept_until_the_dataset_version_moves(guizhou, monkeypatch):
    monkeypatch.setattr(coverage, "COUNT_CACHE_MIN", 0)
    assert coverage.child_regions(guizhou, 4) == ["520100", "520500"]
    assert coverage.station_count(guizhou) == 4
    assert len(coverage.station_names(guizhou)) == 4
    assert set(coverage.centres(guizhou, 4)) == {"520100", "520500"}
    add_quietly("520201")
    # The version did not move: every fact is the one kept.
    assert coverage.child_regions(guizhou, 4) == ["520100", "520500"]
    assert coverage.station_count(guizhou) == 4
    assert len(coverage.station_names(guizhou)) == 4
    assert set(coverage.centres(guizhou, 4)) == {"520100", "520500"}
    dataset.bump()
    db.session.commit()
    assert coverage.child_regions(guizhou, 4) == ["520100", "520200", "520500"]
    assert coverage.station_count(guizhou) == 5
    assert len(coverage.station_names(guizhou)) == 5
    assert set(coverage.centres(guizhou, 4)) == {"520100", "520200", "520500"}


def test_small_counts_and_big_lists_are_computed_every_time(guizhou, monkeypatch):
    monkeypatch.setattr(coverage, "STATION_LIST_CACHE_MAX", 3)
    assert coverage.station_count(guizhou) == 4  # fewer than COUNT_CACHE_MIN: cheap to count again
    assert len(coverage.station_names(guizhou)) == 4  # more than STATION_LIST_CACHE_MAX: too big to keep
    add_quietly("520102")
    assert coverage.station_count(guizhou) == 5
    assert len(coverage.station_names(guizhou)) == 5


def test_nothing_is_kept_before_the_first_version(ctx):
    source = AreaSource(NATIONAL)
    add_quietly("520102")
    assert coverage.child_regions(source, 2) == ["520000"]
    add_quietly("440305")
    assert coverage.child_regions(source, 2) == ["440000", "520000"]


def test_a_station_set_covers_its_own_stations(guizhou):
    ids = db.session.scalars(sa.select(Station.id).where(Station.region_code == "520102")).all()
    source = StationSource(frozenset(ids))
    assert coverage.station_count(source) == 2
    assert coverage.child_regions(source, 6) == ["520102"]
    assert set(coverage.station_names(source)) == set(ids)
