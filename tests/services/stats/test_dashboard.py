"""The dashboard's figures: the previous period, the weekday-by-hour heatmap, the map's circles."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services.accounts import Scope
from stationfinder.services.stats import dashboard as stats_dashboard
from stationfinder.services.stats import groups
from stationfinder.services.stats.query import prepare
from tests.stats_world import DAY, world_total

ADMIN = Scope()
WEEK_AGO = (DAY - timedelta(days=9)).isoformat()


def test_summary_compares_with_the_previous_period_of_the_same_length(world):
    query = prepare(ADMIN, "2025-03-06", "2025-03-10")
    summary = stats_dashboard.summary(query)
    assert (summary["previous_from"], summary["previous_to"]) == (date(2025, 3, 1), date(2025, 3, 5))
    current = groups.checkin_stats(ADMIN, "2025-03-06", "2025-03-10")["total"]
    previous = groups.checkin_stats(ADMIN, "2025-03-01", "2025-03-05")["total"]
    assert (summary["count"], summary["previous_count"]) == (current, previous)
    assert summary["change_pct"] == round((current - previous) * 100 / previous, 1)
    assert summary["stations"] == len(world)


def test_heatmap_puts_each_checkin_in_its_local_weekday_and_hour(world):
    matrix = stats_dashboard.heatmap(prepare(ADMIN, WEEK_AGO, DAY.isoformat()))
    assert sum(map(sum, matrix)) == world_total(None)
    # NOW is Monday 10:00 in Shanghai; the world's first check-in of each county is then.
    assert matrix[0][10] >= len({"520102", "520103", "520502", "440305", "110105"})


def test_map_shows_stations_or_regions_when_there_are_many(world, monkeypatch):
    query = prepare(ADMIN, WEEK_AGO, DAY.isoformat())
    points = stats_dashboard.map_points(query)
    assert points["mode"] == "stations" and len(points["points"]) == len(world)
    monkeypatch.setattr(stats_dashboard, "MAP_STATION_LIMIT", 3)
    regions = stats_dashboard.map_points(query, "en")
    assert regions["mode"] == "regions"
    assert {p["key"]: p["count"] for p in regions["points"]} == {"520000": 10, "440000": 7, "110000": 11}
    guizhou = next(p for p in regions["points"] if p["key"] == "520000")
    lats = db.session.scalars(sa.select(Station.lat).where(Station.region_code.like("52%"))).all()
    assert guizhou["lat"] == pytest.approx(sum(lats) / len(lats))


@pytest.mark.parametrize(
    ("count", "days", "shown"), [(0, 30, 0.0), (1, 30, 0.033), (45, 30, 1.5), (3000, 7, 428.6)]
)
def test_the_daily_average_keeps_two_significant_digits(count, days, shown):
    assert stats_dashboard.per_day(count, days) == shown
