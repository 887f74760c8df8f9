"""The stats service: scoping, local-day and local-hour buckets, groups, and the dashboard figures."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
import time_machine
from hypothesis import given, settings
from hypothesis import strategies as st

from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from stationfinder.services import dataset
from stationfinder.services.accounts import Scope
from stationfinder.services.errors import Forbidden, InvalidInput, NotFound
from stationfinder.services.regions import codes as regions
from stationfinder.services.stats import dashboard as stats_dashboard
from stationfinder.services.stats import groups as stats
from stationfinder.services.stats import ranking as stats_rank
from stationfinder.services.stats.spans import split_months, station_spans
from tests.factories import StationFactory
from tests.stats_world import DAY, IDLE_REF, build_world, checkin, refs_in, world_total

ADMIN = Scope()
WEEK_AGO = (DAY - timedelta(days=9)).isoformat()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def world(ctx):
    return build_world()


def answer(scope=ADMIN, **kwargs):
    kwargs.setdefault("date_from", WEEK_AGO)
    kwargs.setdefault("date_to", DAY.isoformat())
    return stats.checkin_stats(scope, **kwargs)


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
def test_totals_cover_exactly_the_region_asked(world, scope, region, expected):
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
        answer(scope, region=region)


def test_a_manager_sees_only_their_stations(world):
    yunyan = world["gy-yunyan-1"]
    scope = Scope(station_ids=frozenset({yunyan.id}))
    body = answer(scope, group_by="station")
    assert body["total"] == 3
    assert [g["key"] for g in body["groups"]] == ["gy-yunyan-1"]
    with pytest.raises(Forbidden):
        answer(scope, station="bj-qxg-1")


def test_station_lookup_by_ref_or_id_and_its_errors(world):
    assert answer(station="bj-qxg-1")["total"] == 5
    assert answer(station=str(world["bj-qxg-1"].id))["total"] == 5
    with pytest.raises(NotFound):
        answer(station="nope")
    with pytest.raises(Forbidden):
        answer(Scope(region="520100"), station="sz-nanshan-1")
    with pytest.raises(InvalidInput):
        answer(region="520100", station="bj-qxg-1")


@pytest.mark.parametrize(
    ("date_from", "date_to", "group_by"),
    [
        ("2025-02-30", "2025-03-01", None),
        ("2025-3-1", "2025-03-02", None),
        ("2025-03-05", "2025-03-01", None),
        ("2022-03-09", "2025-03-10", None),
        ("2025-03-01", "2025-03-02", "month"),
    ],
)
def test_bad_questions_are_invalid_input(world, date_from, date_to, group_by):
    with pytest.raises(InvalidInput):
        stats.checkin_stats(ADMIN, date_from, date_to, group_by=group_by)


def test_three_years_is_the_longest_range(world):
    body = stats.checkin_stats(ADMIN, "2022-03-11", "2025-03-10")
    assert body["total"] == world_total(None)


def test_default_range_is_the_30_local_days_ending_today(ctx):
    # 16:30 UTC on 1 May is 00:30 on 2 May in Shanghai.
    with time_machine.travel(datetime(2024, 5, 1, 16, 30, tzinfo=UTC), tick=False):
        body = stats.checkin_stats(ADMIN)
    assert (body["from"], body["to"], body["timezone"]) == ("2024-04-03", "2024-05-02", "Asia/Shanghai")


@pytest.mark.parametrize("target", ["region", "station"])
def test_days_and_hours_are_local_around_midnight(ctx, target):
    station = StationFactory(ref="mid", region_code="520502")
    db.session.commit()
    # 15:59:59 UTC is 23:59:59 in Shanghai; one second later it is the next local day.
    with time_machine.travel(datetime(2024, 5, 1, 15, 59, 59, tzinfo=UTC), tick=False):
        before = checkin(station, datetime.now(UTC), "a")
    with time_machine.travel(datetime(2024, 5, 1, 16, 0, 0, tzinfo=UTC), tick=False):
        after = checkin(station, datetime.now(UTC), "b")
    db.session.commit()
    assert (before.local_day, after.local_day) == (date(2024, 5, 1), date(2024, 5, 2))
    where = {"region": "520502"} if target == "region" else {"station": "mid"}

    def counts(group_by):
        body = stats.checkin_stats(ADMIN, "2024-05-01", "2024-05-02", group_by=group_by, **where)
        return {g["key"]: (g["count"], g["unique_devices"]) for g in body["groups"] if g["count"]}

    assert counts("day") == {"2024-05-01": (1, 1), "2024-05-02": (1, 1)}
    assert counts("hour") == {"23": (1, 1), "00": (1, 1)}
    assert counts("weekday") == {"3": (1, 1), "4": (1, 1)}  # Wednesday, Thursday
    # The UTC day would put both on 1 May: the local days must hold one each.
    single = stats.checkin_stats(ADMIN, "2024-05-02", "2024-05-02", **where)
    assert single["total"] == 1


def test_unique_devices_are_rider_days_in_the_scope_asked(ctx):
    one = StationFactory(ref="one", region_code="520502")
    two = StationFactory(ref="two", region_code="520502")
    other_city = StationFactory(ref="three", region_code="520102")
    db.session.commit()
    start = datetime(2024, 6, 3, 1, 0, tzinfo=UTC)  # 09:00 local
    checkin(one, start, "rider")
    checkin(two, start + timedelta(hours=2), "rider")
    checkin(other_city, start + timedelta(hours=4), "rider")
    checkin(one, start + timedelta(days=1), "rider")  # another day, another rider-day
    db.session.commit()

    def figures(**kwargs):
        body = stats.checkin_stats(ADMIN, "2024-06-03", "2024-06-04", **kwargs)
        return body["total"], body["unique_devices"], {g["key"]: g["unique_devices"] for g in body["groups"]}

    assert figures(region="520502")[:2] == (3, 2)  # county: once on each of two days
    assert figures(region="520000")[:2] == (4, 2)  # province: still once a day
    assert figures()[:2] == (4, 2)
    assert figures(station="one")[:2] == (2, 2)
    total, unique, groups = figures(region="520502", group_by="station")
    assert groups == {"one": 2, "two": 1}  # per station: the rider counts at each
    _, _, by_city = figures(region="520000", group_by="region")
    assert by_city == {"520500": 2, "520100": 1}
    _, _, by_hour = figures(region="520502", group_by="hour")
    assert by_hour["09"] == 2 and by_hour["11"] == 0  # in the hour of the day's first check-in


def test_groups_list_every_bucket_with_zeros(world):
    days = answer(group_by="day")["groups"]
    assert [g["key"] for g in days] == [(DAY - timedelta(days=9 - i)).isoformat() for i in range(10)]
    assert [g["key"] for g in answer(group_by="hour")["groups"]] == [f"{h:02d}" for h in range(24)]
    weekdays = answer(group_by="weekday", lang="en")["groups"]
    assert [(g["key"], g["label"]) for g in weekdays][:2] == [("1", "Monday"), ("2", "Tuesday")]
    categories = {g["key"]: g for g in answer(group_by="category")["groups"]}
    assert set(categories) == {
        "food_delivery",
        "courier",
        "ride_hailing",
        "truck_driver",
        "other",
        "unspecified",
    }
    assert categories["food_delivery"]["label"] == "外卖骑手"
    assert sum(g["count"] for g in categories.values()) == world_total(None)


def test_station_groups_use_the_ref_or_the_id_and_include_idle_stations(world):
    groups = {g["key"]: g for g in answer(region="520103", group_by="station")["groups"]}
    assert groups[IDLE_REF]["count"] == 0
    assert groups[str(world["no-ref"].id)]["label"] == "驿站 without ref"
    assert groups["gy-yunyan-1"]["count"] == 3


def test_region_groups_go_one_level_down(world):
    def regions(region, lang="zh"):
        return {
            g["key"]: (g["label"], g["count"])
            for g in answer(region=region, group_by="region", lang=lang)["groups"]
        }

    assert regions(None, "en") == {
        "520000": ("Guizhou", 10),
        "440000": ("Guangdong", 7),
        "110000": ("Beijing", 11),
    }
    assert regions("520000") == {"520100": ("贵阳市", 5), "520500": ("毕节市", 5)}
    assert regions("520100") == {"520102": ("南明区", 2), "520103": ("云岩区", 3)}
    assert regions("520502") == {"520502": ("七星关区", 5)}


def test_whole_months_read_the_month_rollups_and_agree_with_days(ctx):
    station = StationFactory(ref="long", region_code="520502")
    db.session.commit()
    start = datetime(2024, 1, 15, 4, 0, tzinfo=UTC)
    for i in range(0, 120, 7):
        checkin(station, start + timedelta(days=i), f"dev-{i}", "courier")
    db.session.commit()
    days, months = split_months(date(2024, 1, 20), date(2024, 4, 10))
    assert days == [(date(2024, 1, 20), date(2024, 1, 31)), (date(2024, 4, 1), date(2024, 4, 10))]
    assert months == (date(2024, 2, 1), date(2024, 3, 1))
    for region in ("520502", "520500", "520000", None):
        whole = stats.checkin_stats(ADMIN, "2024-01-20", "2024-04-10", region=region, group_by="category")
        by_day = stats.checkin_stats(ADMIN, "2024-01-20", "2024-04-10", region=region, group_by="day")
        assert whole["total"] == sum(g["count"] for g in by_day["groups"]) == 12
        stations = stats.checkin_stats(ADMIN, "2024-01-20", "2024-04-10", region=region, group_by="station")
        assert {g["key"]: g["count"] for g in stations["groups"]} == {"long": 12}


def test_summary_compares_with_the_previous_period_of_the_same_length(world):
    query = stats.prepare(ADMIN, "2025-03-06", "2025-03-10")
    summary = stats_dashboard.summary(query)
    assert (summary["previous_from"], summary["previous_to"]) == (date(2025, 3, 1), date(2025, 3, 5))
    current = stats.checkin_stats(ADMIN, "2025-03-06", "2025-03-10")["total"]
    previous = stats.checkin_stats(ADMIN, "2025-03-01", "2025-03-05")["total"]
    assert (summary["count"], summary["previous_count"]) == (current, previous)
    assert summary["change_pct"] == round((current - previous) * 100 / previous, 1)
    assert summary["stations"] == len(world)


def test_heatmap_puts_each_checkin_in_its_local_weekday_and_hour(world):
    matrix = stats_dashboard.heatmap(stats.prepare(ADMIN, WEEK_AGO, DAY.isoformat()))
    assert sum(map(sum, matrix)) == world_total(None)
    # NOW is Monday 10:00 in Shanghai; the world's first check-in of each county is then.
    assert matrix[0][10] >= len({"520102", "520103", "520502", "440305", "110105"})


@pytest.mark.parametrize("region", [None, "520000", "520100", "520103", "520502"])
def test_heatmap_and_hours_of_day_equal_the_raw_checkins_at_every_level(world, region):
    # National, province and city read the area-hour table, summed by weekday or hour in SQL;
    # a county reads its stations' hourly rollup. Both must match the raw rows exactly.
    shanghai = ZoneInfo("Asia/Shanghai")
    query = stats.prepare(ADMIN, WEEK_AGO, DAY.isoformat(), region=region)
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
    groups = stats.groups(query, "hour")
    assert {g["key"]: g["count"] for g in groups if g["count"]} == dict(by_hour)


@pytest.mark.parametrize("scan_limit", [10_000, 0])
def test_rankings_include_idle_stations_and_skip_closed_ones(world, monkeypatch, scan_limit):
    # scan_limit 0 forces the national-scale algorithms (threshold and probing) on the small world.
    monkeypatch.setattr(stats_rank, "SCAN_LIMIT", scan_limit)
    StationFactory(ref="gone", region_code="520103", status="closed")
    db.session.commit()
    busiest, least = stats_dashboard.rankings(stats.prepare(ADMIN, WEEK_AGO, DAY.isoformat()), limit=3)
    assert [(r["key"], r["count"]) for r in busiest] == [
        ("bj-chaoyang-1", 11),
        ("sz-nanshan-1", 7),
        ("bj-qxg-1", 5),
    ]
    assert [r["count"] for r in least][:2] == [0, 0]
    assert {r["key"] for r in least[:2]} == {IDLE_REF, str(world["no-ref"].id)}
    assert "gone" not in {r["key"] for r in least}
    region_busiest, _ = stats_dashboard.rankings(
        stats.prepare(Scope(region="520100"), WEEK_AGO, DAY.isoformat())
    )
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
    db.session.commit()
    query = stats.prepare(ADMIN, "2025-01-01", "2025-04-30", region=region)
    scan = stats_rank._busiest_scan(query.target, query.period, 2)
    monkeypatch.setattr(stats_rank, "CANDIDATES", 4)
    threshold = stats_rank._busiest_threshold(query.target, query.period, 2)
    assert [(r.id, r.count) for r in threshold] == [(r.id, r.count) for r in scan]
    assert scan[0].count == 24 and scan[0].ref in {f"r-{n}" for n in range(32, 36)}


def test_map_shows_stations_or_regions_when_there_are_many(world, monkeypatch):
    query = stats.prepare(ADMIN, WEEK_AGO, DAY.isoformat())
    points = stats_dashboard.map_points(query)
    assert points["mode"] == "stations" and len(points["points"]) == len(world)
    monkeypatch.setattr(stats_dashboard, "MAP_STATION_LIMIT", 3)
    regions = stats_dashboard.map_points(query, "en")
    assert regions["mode"] == "regions"
    assert {p["key"]: p["count"] for p in regions["points"]} == {"520000": 10, "440000": 7, "110000": 11}
    guizhou = next(p for p in regions["points"] if p["key"] == "520000")
    lats = db.session.scalars(sa.select(Station.lat).where(Station.region_code.like("52%"))).all()
    assert guizhou["lat"] == pytest.approx(sum(lats) / len(lats))


@settings(max_examples=300, deadline=None)
@given(first=st.dates(date(2023, 1, 1), date(2027, 12, 31)), length=st.integers(0, 3 * 366))
def test_station_spans_add_up_to_exactly_the_days_asked(first, length):
    last = first + timedelta(days=length)
    weight: Counter = Counter()
    for table, runs, sign in station_spans(first, last):
        for a, b in runs:
            if table == "day":
                starts = [a + timedelta(days=n) for n in range((b - a).days + 1)]
                spans = [(d, d) for d in starts]
            else:
                size = {"month": 1, "quarter": 3, "year": 12}[table]
                spans = []
                month = a
                while month <= b:
                    end_month = _plus_months(month, size)
                    spans.append((month, end_month - timedelta(days=1)))
                    month = end_month
            for start, end in spans:
                for n in range((end - start).days + 1):
                    weight[start + timedelta(days=n)] += sign
    asked = {first + timedelta(days=n) for n in range(length + 1)}
    assert {day for day, w in weight.items() if w} == asked
    assert all(weight[day] == 1 for day in asked)


def _plus_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def test_a_year_to_today_reads_the_calendar_year_whole_minus_what_is_still_to_come():
    spans = station_spans(date(2025, 11, 28), date(2026, 11, 27))
    assert ("year", [(date(2026, 1, 1), date(2026, 1, 1))], 1) in spans
    assert ("month", [(date(2026, 12, 1), date(2026, 12, 1))], -1) in spans
    assert ("day", [(date(2026, 11, 28), date(2026, 11, 30))], -1) in spans
    assert sum(len(runs) for _, runs, _ in spans) == 5


def test_by_station_follows_stations_that_move_or_arrive(ctx):
    when = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)
    old_home = StationFactory(ref="mover", region_code="520502")
    StationFactory(ref="stayer", region_code="520502")
    db.session.commit()
    for device in ("a", "b"):
        checkin(old_home, when, device)
    db.session.commit()
    dataset.bump()
    db.session.commit()

    def by_station(region):
        body = stats.checkin_stats(Scope(region=region), "2025-03-01", "2025-03-31", group_by="station")
        return {g["key"]: g["count"] for g in body["groups"]}

    assert by_station("520502") == {"mover": 2, "stayer": 0}
    old_home.region_code = "440305"
    StationFactory(ref="newcomer", region_code="520502")
    dataset.bump()
    db.session.commit()
    # Its counts stay where they were made; its new region lists it, with nothing counted there.
    assert by_station("520502") == {"mover": 2, "stayer": 0, "newcomer": 0}
    assert by_station("440000") == {"mover": 0}
