"""Searches counted per H3 cell and local day by distance band; read for a radius, cells under 5 hidden."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.geo import cells
from stationfinder.models import DemandCount
from stationfinder.services.planning import demand
from tests.services.planning.conftest import QIXINGGUAN, WEINING

# 2025-03-10 23:30 in Shanghai, and 30 minutes later: the next local day.
LATE = datetime(2025, 3, 10, 15, 30, tzinfo=UTC)
DAY = date(2025, 3, 10)


@pytest.mark.parametrize(
    ("metres", "band"),
    [(0, 0), (49.9, 0), (50, 1), (1124, 22), (1150, 23), (9999, 199), (10_000, 200), (5e6, 200), (None, 200),
     (float("inf"), 200)],
)  # fmt: skip
def test_bands_are_fifty_metres(metres, band):
    assert demand.band_of(metres) == band


def test_unmet_starts_at_the_first_band_beyond_the_radius():
    assert demand.first_unmet_band(1125) == 23
    assert demand.first_unmet_band(1000) == 20
    assert demand.first_unmet_band(50_000) == demand.LAST_BAND


def test_a_search_is_a_count_in_its_cell_and_local_day_only(ctx):
    demand.count(*QIXINGGUAN, 300.0, now=LATE)
    demand.count(*QIXINGGUAN, 320.0, now=LATE)
    demand.count(*QIXINGGUAN, None, now=LATE + timedelta(minutes=31))
    assert units.flush_demand() == 2
    rows = db.session.execute(sa.select(DemandCount).order_by(DemandCount.day)).scalars().all()
    cell = cells.cell_of(*QIXINGGUAN)
    assert [(r.cell, r.day, r.band, r.county, r.searches) for r in rows] == [
        (cell, DAY, 6, "520502", 2),
        (cell, DAY + timedelta(days=1), demand.LAST_BAND, "520502", 1),
    ]
    # Nothing else is kept: no position, device, time of day or address.
    assert set(DemandCount.__table__.columns.keys()) == {"cell", "day", "band", "county", "searches"}


def test_flushes_add_up(ctx):
    for _ in range(3):
        demand.count(*QIXINGGUAN, 300.0, now=LATE)
        units.flush_demand()
    assert db.session.scalar(sa.select(DemandCount.searches)) == 3
    assert units.flush_demand() == 0


def test_a_failed_flush_keeps_the_counts(ctx, monkeypatch):
    demand.count(*QIXINGGUAN, 300.0, now=LATE)

    def broken(counts):
        raise sa.exc.OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(demand, "flush", broken)
    assert units.flush_demand() == 0
    monkeypatch.undo()
    assert units.flush_demand() == 1


def _searches(point, n, metres):
    for _ in range(n):
        demand.count(*point, metres, now=LATE)


def test_read_shows_cells_of_five_or_more_and_unmet_for_the_radius(ctx):
    _searches(QIXINGGUAN, 6, 300.0)  # a station 300 m away: met
    _searches(QIXINGGUAN, 2, 4000.0)  # 4 km: unmet at 1,125 m, met at 5 km
    _searches(WEINING, 4, None)  # far from any station, but only 4 searches: hidden
    units.flush_demand()
    body = demand.read("520500", DAY, DAY, 1125.0)
    assert body["cells"] == [
        {"h3": cells.cell_of(*QIXINGGUAN), "lat": pytest.approx(QIXINGGUAN[0], abs=0.01),
         "lon": pytest.approx(QIXINGGUAN[1], abs=0.01), "searches": 8, "unmet": 2},
    ]  # fmt: skip
    assert (body["total_searches"], body["unmet_searches"]) == (12, 6)
    wider = demand.read("520500", DAY, DAY, 5000.0)
    assert wider["cells"][0]["unmet"] == 0 and wider["unmet_searches"] == 4


def test_far_searches_show_as_unmet_in_their_cell(ctx):
    _searches(WEINING, 5, None)
    units.flush_demand()
    (cell,) = demand.read("520526", DAY, DAY, 1125.0)["cells"]
    assert cell["h3"] == cells.cell_of(*WEINING) and cell["unmet"] == cell["searches"] == 5


def test_read_is_limited_to_the_region_and_the_days(ctx):
    _searches(QIXINGGUAN, 5, None)
    units.flush_demand()
    assert demand.read("520100", DAY, DAY, 1125.0)["total_searches"] == 0
    assert demand.read("520502", DAY + timedelta(days=1), DAY + timedelta(days=2), 1125.0)["cells"] == []
    assert demand.by_county("520500", DAY, DAY, 1125.0) == {"520502": (5, 5)}


def test_the_tally_is_per_app(app_factory):
    first, second = app_factory(), app_factory()
    with first.app_context():
        demand.count(*QIXINGGUAN, 1.0, now=LATE)
    with second.app_context():
        assert demand.tally().counts == Counter()


def test_a_worker_flushes_on_its_own(app_factory, monkeypatch):
    import stationfinder

    # A served app (not a test app) starts the thread; it would also freeze the test process's heap.
    monkeypatch.setattr(stationfinder, "settle_memory", lambda app: None)
    app = app_factory(TESTING=False, DEMAND_FLUSH_SECONDS=0.05)
    with app.app_context():
        store = demand.tally()
        demand.count(*QIXINGGUAN, 300.0, now=LATE)
        try:
            assert store.thread is not None
            for _ in range(200):
                if db.session.scalar(sa.select(sa.func.count()).select_from(DemandCount)):
                    break
                db.session.rollback()
                store.stop.wait(0.05)
            db.session.rollback()
            assert db.session.scalar(sa.select(DemandCount.searches)) == 1
        finally:
            store.stop.set()
            store.thread.join(10)
