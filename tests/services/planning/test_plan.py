"""A planning question: region in scope, radius from minutes and speed, and the time asked."""

from datetime import date, datetime

import pytest

from stationfinder.services.accounts import Scope
from stationfinder.services.errors import Forbidden, InvalidInput
from stationfinder.services.planning import plan


def test_defaults_are_fifteen_minutes_walking(ctx):
    asked = plan.make(Scope(region="520500"), None)
    assert (asked.region, asked.minutes, asked.speed_kmh, asked.radius_m, asked.at) == (
        "520500", 15.0, 4.5, 1125.0, None,
    )  # fmt: skip


def test_radius_is_minutes_times_speed(ctx):
    assert plan.make(Scope(), "520502", 10, 15).radius_m == pytest.approx(2500.0)


@pytest.mark.parametrize(
    ("scope", "region", "error"),
    [
        (Scope(region="520100"), "520500", Forbidden),
        (Scope(region="520502"), "520500", Forbidden),
        (Scope(station_ids=frozenset({1})), "520502", Forbidden),
        (Scope(station_ids=frozenset({1})), None, InvalidInput),
        (Scope(), None, InvalidInput),
        (Scope(), "52050", InvalidInput),
        (Scope(), "990000", InvalidInput),
    ],
)
def test_refusals(ctx, scope, region, error):
    with pytest.raises(error):
        plan.make(scope, region)


@pytest.mark.parametrize(("minutes", "speed"), [(0, 4.5), (-1, 4.5), (15, 0), (121, 4.5), (15, 61)])
def test_bad_walks_are_refused(ctx, minutes, speed):
    with pytest.raises(InvalidInput):
        plan.make(Scope(), "520502", minutes, speed)


def test_at_reads_a_clock_time_today_or_a_date_time(ctx):
    night = plan.parse_at("03:00", today=date(2025, 3, 10))
    assert (night.isoformat(), str(night.tzinfo)) == ("2025-03-10T03:00:00+08:00", "Asia/Shanghai")
    assert plan.parse_at("2025-03-10T19:30").hour == 19
    assert plan.parse_at("2025-03-10T11:30:00+00:00") == datetime.fromisoformat("2025-03-10T19:30:00+08:00")
    assert plan.parse_at(None) is None


@pytest.mark.parametrize("value", ["25:00", "3pm", "2025-13-01T00:00", "1899-01-01T00:00", "x" * 30])
def test_bad_times_are_refused(ctx, value):
    with pytest.raises(InvalidInput):
        plan.parse_at(value)
