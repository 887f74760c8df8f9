"""Station rankings: the busiest and the least used, by scanning or by the threshold algorithm."""

from datetime import UTC, datetime, timedelta

import pytest

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.services.accounts import Scope
from stationfinder.services.stats import dashboard as stats_dashboard
from stationfinder.services.stats import ranking as stats_rank
from stationfinder.services.stats.query import prepare
from tests.factories import StationFactory
from tests.stats_world import DAY, IDLE_REF, checkin

ADMIN = Scope()
WEEK_AGO = (DAY - timedelta(days=9)).isoformat()


@pytest.mark.parametrize("scan_limit", [10_000, 0])
def test_rankings_include_idle_stations_and_skip_closed_ones(world, monkeypatch, scan_limit):
    # scan_limit 0 forces the national-scale algorithms (threshold and probing) on the small world.
    monkeypatch.setattr(stats_rank, "SCAN_LIMIT", scan_limit)
    StationFactory(ref="gone", region_code="520103", status="closed")
    db.session.commit()
    busiest, least = stats_dashboard.rankings(prepare(ADMIN, WEEK_AGO, DAY.isoformat()), limit=3)
    assert [(r["key"], r["count"]) for r in busiest] == [
        ("bj-chaoyang-1", 11),
        ("sz-nanshan-1", 7),
        ("bj-qxg-1", 5),
    ]
    assert [r["count"] for r in least][:2] == [0, 0]
    assert {r["key"] for r in least[:2]} == {IDLE_REF, str(world["no-ref"].id)}
    assert "gone" not in {r["key"] for r in least}
    region_busiest, _ = stats_dashboard.rankings(prepare(Scope(region="520100"), WEEK_AGO, DAY.isoformat()))
    assert [r["key"] for r in region_busiest] == ["gy-yunyan-1", "gy-nanming-1", "gy-nanming-2"]


@pytest.mark.parametrize("region", [None, "520000", "440000"])
def test_threshold_ranking_equals_summing_every_station(ctx, monkeypatch, region):
    # Four months of uneven use: stations busy in one month only crowd the monthly tops, so a
    # steadily used station is found only when the algorithm reads deeper than it first did.
    stations = [StationFactory(ref=f"r-{n}", region_code=("520102", "440305")[n % 2]) for n in range(40)]
    db.session.commit()
    starts = [datetime(2025, month, 2, 2, tzinfo=UTC) for month in (1, 2, 3, 4)]
    device = iter(range(10_000))
    for month, start in enumerate(starts):
        # Eight one-month stars per month with 8-15 check-ins each...
        for n in range(8):
            star = stations[(month * 8 + n) % 32]
            for k in range(8 + (n * 3 + month) % 8):
                checkin(star, start + timedelta(hours=k), device=f"d-{next(device)}")
        # ...and the steady ones, 6 a month each (24 in all): never in a month's top eight.
        for steady in stations[32:36]:
            for k in range(6):
                checkin(steady, start + timedelta(days=1, hours=k), device=f"d-{next(device)}")
    units.fold()
    query = prepare(ADMIN, "2025-01-01", "2025-04-30", region=region)
    scan = stats_rank._busiest_scan(query.source, query.period, 2)
    monkeypatch.setattr(stats_rank, "CANDIDATES", 4)
    threshold = stats_rank._busiest_threshold(query.source, query.period, 2)
    assert [(r.id, r.count) for r in threshold] == [(r.id, r.count) for r in scan]
    assert scan[0].count == 24 and scan[0].ref in {f"r-{n}" for n in range(32, 36)}
