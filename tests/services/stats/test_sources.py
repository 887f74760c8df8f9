"""The two sources: each reads its own tables, and both agree on the same stations' check-ins."""

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from stationfinder.services.accounts import Scope
from stationfinder.services.regions import codes as regions
from stationfinder.services.stats import dashboard as stats_dashboard
from stationfinder.services.stats import groups
from stationfinder.services.stats.query import make_period, prepare
from stationfinder.services.stats.sources import AreaSource, StationSource, prefix_range
from tests.stats_world import DAY, world_total

ADMIN = Scope()
WEEK_AGO = (DAY - timedelta(days=9)).isoformat()


@pytest.mark.parametrize("region", [None, "520000", "520100", "520103", "520502"])
def test_heatmap_and_hours_of_day_equal_the_raw_checkins_at_every_level(world, region):
    # National, province and city read the area-hour table, summed by weekday or hour in SQL;
    # a county reads its stations' hourly rollup. Both must match the raw rows exactly.
    shanghai = ZoneInfo("Asia/Shanghai")
    query = prepare(ADMIN, WEEK_AGO, DAY.isoformat(), region=region)
    expected, by_hour = [[0] * 24 for _ in range(7)], Counter()
    inside = regions.prefix(region) if region else ""
    station_ids = {s.id for s in world.values() if s.region_code.startswith(inside)}
    for created in db.session.scalars(
        sa.select(Checkin.created_at).where(Checkin.station_id.in_(station_ids))
    ):
        local = created.astimezone(shanghai)
        if WEEK_AGO <= local.date().isoformat() <= DAY.isoformat():
            expected[local.weekday()][local.hour] += 1
            by_hour[f"{local.hour:02d}"] += 1
    assert sum(map(sum, expected)) > 0
    assert stats_dashboard.heatmap(query) == expected
    by_hour_groups = groups.groups(query, "hour")
    assert {g["key"]: g["count"] for g in by_hour_groups if g["count"]} == dict(by_hour)


@pytest.mark.parametrize("county", ["520102", "520103", "520502"])
def test_a_county_and_the_set_of_its_stations_count_the_same(world, county):
    period = make_period(WEEK_AGO, DAY.isoformat())
    area = AreaSource(county)
    ids = frozenset(db.session.scalars(sa.select(Station.id).where(area.station_clause())))
    stations = StationSource(ids)
    assert area.totals(period)[0] == stations.totals(period)[0] == world_total(county)
    for by in ("category", "day"):
        assert {k: c for k, (c, _u) in area.counts(period, by).items() if c} == {
            k: c for k, (c, _u) in stations.counts(period, by).items() if c
        }
    assert {k: c for k, (c, _u) in area.hours(period).items()} == {
        k: c for k, (c, _u) in stations.hours(period).items()
    }


def test_per_station_totals_agree_between_the_sources(world):
    period = make_period(WEEK_AGO, DAY.isoformat())
    area = AreaSource("520000")
    ids = frozenset(db.session.scalars(sa.select(Station.id).where(area.station_clause())))

    def totals(source):
        found = source.station_totals(period)
        return {r.station_id: (int(r.count), int(r.uniq)) for r in db.session.execute(sa.select(found))}

    assert totals(area) == totals(StationSource(ids))
    assert sum(c for c, _u in totals(area).values()) == world_total("520000")


def test_an_empty_station_set_counts_nothing(ctx):
    period = make_period("2025-03-01", "2025-03-10")
    empty = StationSource(frozenset())
    assert empty.totals(period) == (0, 0)
    assert empty.hours(period) == {}
    assert db.session.scalar(sa.select(sa.func.count()).where(empty.station_clause())) == 0


@pytest.mark.parametrize(
    ("prefix", "inside", "outside"),
    [
        ("52", ["520000", "529999"], ["510000", "530000"]),
        ("5299", ["529900"], ["530000"]),
        ("9", ["999999"], []),
    ],
)
def test_prefix_range_is_starts_with(prefix, inside, outside):
    column = sa.column("code", sa.String)
    condition = prefix_range(column, prefix)
    table = sa.table("codes", column)
    with sa.create_engine("sqlite://").connect() as conn:
        conn.execute(sa.text("CREATE TABLE codes (code TEXT)"))
        conn.execute(sa.text("INSERT INTO codes VALUES (:code)"), [{"code": c} for c in inside + outside])
        found = conn.execute(sa.select(column).select_from(table).where(condition)).scalars().all()
    assert sorted(found) == sorted(inside)
