"""Suggested sites come from unmet searches in the region, and never reveal a count under 5."""

from datetime import UTC, date, datetime

from stationfinder import units
from stationfinder.geo import cells, counties
from stationfinder.services.accounts import Scope
from stationfinder.services.planning import demand, plan, sites
from tests.services.planning.conftest import QIXINGGUAN, WEINING

NOON = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)
DAY = date(2025, 3, 10)


def _searches(point, n, metres=None):
    for _ in range(n):
        demand.count(*point, metres, now=NOON)


def test_the_first_site_is_in_the_cluster_of_unmet_searches(ctx):
    _searches(WEINING, 30)
    _searches((WEINING[0] + 0.004, WEINING[1]), 10)  # the next cell north
    _searches(QIXINGGUAN, 6, 200.0)  # served already: no site for it
    units.flush_demand()
    body = sites.suggest(plan.make(Scope(), "520500"), DAY, DAY, 5)
    assert body["radius_m"] == 1125.0 and "not decisions" in body["note"]
    first = body["sites"][0]
    assert first["gain"] == 40
    assert counties.distance_m("520526", first["lat"], first["lon"]) == 0
    assert cells.cell_of(first["lat"], first["lon"]) in cells.disk(cells.cell_of(*WEINING), 2)
    assert all(site["gain"] >= cells.MIN_VISIBLE for site in body["sites"])


def test_few_unmet_searches_give_no_site(ctx):
    _searches(WEINING, 4)
    units.flush_demand()
    assert sites.suggest(plan.make(Scope(), "520500"), DAY, DAY, 5)["sites"] == []


def test_k_limits_and_other_regions_see_nothing(ctx):
    _searches(WEINING, 10)
    _searches(QIXINGGUAN, 10)
    units.flush_demand()
    assert len(sites.suggest(plan.make(Scope(), "520500"), DAY, DAY, 1)["sites"]) == 1
    assert len(sites.suggest(plan.make(Scope(), "520500"), DAY, DAY, 5)["sites"]) == 2
    assert sites.suggest(plan.make(Scope(), "520100"), DAY, DAY, 5)["sites"] == []
