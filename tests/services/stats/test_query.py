"""Checking a statistics question: scope, region and station, the days asked, and the source chosen."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from stationfinder.services.accounts import Scope
from stationfinder.services.errors import Forbidden, InvalidInput, NotFound
from stationfinder.services.rollups.counting import NATIONAL
from stationfinder.services.stats import query
from stationfinder.services.stats.sources import AreaSource, StationSource
from tests.stats_world import refs_in, world_total

ADMIN = Scope()


@pytest.mark.parametrize(
    ("scope", "region", "expected"),
    [
        (ADMIN, None, None),
        (ADMIN, "440000", "440000"),
        (Scope(region="520000"), None, "520000"),
        (Scope(region="520000"), "520100", "520100"),
        (Scope(region="520100"), None, "520100"),
        (Scope(region="520100"), "520103", "520103"),
        (Scope(region="520502"), None, "520502"),
    ],
)
def test_totals_cover_exactly_the_region_asked(world, answer, scope, region, expected):
    body = answer(scope, region=region, group_by="station")
    assert body["total"] == world_total(expected)
    keys = {g["key"] for g in body["groups"]}
    no_ref = {
        str(s.id)
        for s in world.values()
        if s.ref is None and (expected in (None, "520000", "520100", "520103"))
    }
    assert keys == refs_in(expected) | no_ref
    assert sum(g["count"] for g in body["groups"]) == body["total"]


@pytest.mark.parametrize(
    ("scope", "region"),
    [
        (Scope(region="520100"), "520500"),
        (Scope(region="520100"), "520000"),
        (Scope(region="520502"), "520100"),
        (Scope(region="440000"), "520000"),
        (Scope(station_ids=frozenset({1})), "520103"),
    ],
)
def test_a_region_outside_the_scope_is_forbidden(world, scope, region):
    with pytest.raises(Forbidden):
        query.prepare(scope, region=region)


def test_a_manager_sees_only_their_stations(world, answer):
    yunyan = world["gy-yunyan-1"]
    scope = Scope(station_ids=frozenset({yunyan.id}))
    body = answer(scope, group_by="station")
    assert body["total"] == 3
    assert [g["key"] for g in body["groups"]] == ["gy-yunyan-1"]
    with pytest.raises(Forbidden):
        query.prepare(scope, station="bj-qxg-1")


def test_station_lookup_by_ref_or_id_and_its_errors(world, answer):
    assert answer(station="bj-qxg-1")["total"] == 5
    assert answer(station=str(world["bj-qxg-1"].id))["total"] == 5
    with pytest.raises(NotFound):
        query.prepare(ADMIN, station="nope")
    with pytest.raises(Forbidden):
        query.prepare(Scope(region="520100"), station="sz-nanshan-1")
    with pytest.raises(InvalidInput) as raised:
        query.prepare(ADMIN, region="520100", station="bj-qxg-1")
    assert raised.value.reason == "station"


@pytest.mark.parametrize(
    ("date_from", "date_to", "reason"),
    [
        ("2025-02-30", "2025-03-01", "date"),
        ("2025-3-1", "2025-03-02", "date"),
        ("2025-03-05", "2025-03-01", "order"),
        ("2022-03-09", "2025-03-10", "range"),
        ("1999-12-31", "2000-01-05", "window"),
        ("2100-12-30", "2101-01-01", "window"),
    ],
)
def test_bad_days_are_invalid_input_with_a_reason(ctx, date_from, date_to, reason):
    with pytest.raises(InvalidInput) as raised:
        query.make_period(date_from, date_to)
    assert raised.value.reason == reason


def test_a_bad_region_is_invalid_input(ctx):
    with pytest.raises(InvalidInput) as raised:
        query.prepare(ADMIN, region="52050")
    assert raised.value.reason == "region"


def test_three_years_is_the_longest_range(world, answer):
    period = query.make_period("2022-03-11", "2025-03-10")
    assert period.days == query.MAX_DAYS
    assert answer(date_from="2022-03-11", date_to="2025-03-10")["total"] == world_total(None)


def test_default_range_is_the_30_local_days_ending_today(ctx):
    # 16:30 UTC on 1 May is 00:30 on 2 May in Shanghai.
    with time_machine.travel(datetime(2024, 5, 1, 16, 30, tzinfo=UTC), tick=False):
        period = query.make_period()
    assert (period.first, period.last, period.tz.key) == (date(2024, 4, 3), date(2024, 5, 2), "Asia/Shanghai")
    assert period.previous() == query.Period(date(2024, 3, 4), date(2024, 4, 2), period.tz)


@pytest.mark.parametrize(
    ("scope", "region", "area", "kind"),
    [
        (ADMIN, None, NATIONAL, AreaSource),
        (ADMIN, "520502", "520502", AreaSource),
        (Scope(region="520100"), None, "520100", AreaSource),
        (Scope(station_ids=frozenset({7, 8})), None, None, StationSource),
    ],
)
def test_the_source_is_chosen_once_from_the_target(ctx, scope, region, area, kind):
    asked = query.prepare(scope, region=region)
    assert isinstance(asked.source, kind) and asked.source.area == area
    assert asked.source is asked.source
