"""Totals and groups: local days and hours, rider-days, every bucket listed, regions and stations."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.services import dataset
from stationfinder.services.accounts import Scope
from stationfinder.services.errors import InvalidInput
from stationfinder.services.stats import groups as stats
from stationfinder.services.stats.spans import split_months
from tests.factories import StationFactory
from tests.stats_world import DAY, IDLE_REF, checkin, world_total

ADMIN = Scope()


@pytest.mark.parametrize("target", ["region", "station"])
def test_days_and_hours_are_local_around_midnight(ctx, target):
    station = StationFactory(ref="mid", region_code="520502")
    db.session.commit()
    # 15:59:59 UTC is 23:59:59 in Shanghai; one second later it is the next local day.
    with time_machine.travel(datetime(2024, 5, 1, 15, 59, 59, tzinfo=UTC), tick=False):
        before = checkin(station, datetime.now(UTC), "a")
    with time_machine.travel(datetime(2024, 5, 1, 16, 0, 0, tzinfo=UTC), tick=False):
        after = checkin(station, datetime.now(UTC), "b")
    units.fold()
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
    units.fold()

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


def test_groups_list_every_bucket_with_zeros(answer):
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


def test_station_groups_use_the_ref_or_the_id_and_include_idle_stations(world, answer):
    groups = {g["key"]: g for g in answer(region="520103", group_by="station")["groups"]}
    assert groups[IDLE_REF]["count"] == 0
    assert groups[str(world["no-ref"].id)]["label"] == "驿站 without ref"
    assert groups["gy-yunyan-1"]["count"] == 3


def test_region_groups_go_one_level_down(answer):
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
    units.fold()
    days, months = split_months(date(2024, 1, 20), date(2024, 4, 10))
    assert days == [(date(2024, 1, 20), date(2024, 1, 31)), (date(2024, 4, 1), date(2024, 4, 10))]
    assert months == (date(2024, 2, 1), date(2024, 3, 1))
    for region in ("520502", "520500", "520000", None):
        whole = stats.checkin_stats(ADMIN, "2024-01-20", "2024-04-10", region=region, group_by="category")
        by_day = stats.checkin_stats(ADMIN, "2024-01-20", "2024-04-10", region=region, group_by="day")
        assert whole["total"] == sum(g["count"] for g in by_day["groups"]) == 12
        stations = stats.checkin_stats(ADMIN, "2024-01-20", "2024-04-10", region=region, group_by="station")
        assert {g["key"]: g["count"] for g in stations["groups"]} == {"long": 12}


def test_by_station_follows_stations_that_move_or_arrive(ctx):
    when = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)
    old_home = StationFactory(ref="mover", region_code="520502")
    StationFactory(ref="stayer", region_code="520502")
    db.session.commit()
    for device in ("a", "b"):
        checkin(old_home, when, device)
    units.fold()
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


def test_an_unknown_group_by_is_invalid_input(world):
    with pytest.raises(InvalidInput) as raised:
        stats.checkin_stats(ADMIN, "2025-03-01", "2025-03-02", group_by="month")
    assert raised.value.reason == "group_by"


def test_a_managers_region_groups_are_the_counties_of_their_stations(world, answer):
    ids = frozenset(world[ref].id for ref in ("gy-yunyan-1", "gy-nanming-1", "bj-qxg-1"))
    groups = answer(Scope(station_ids=ids), group_by="region")["groups"]
    # Busiest first; gy-nanming-1 has one of its county's two check-ins.
    assert [(g["key"], g["label"], g["count"]) for g in groups] == [
        ("520502", "七星关区", 5),
        ("520103", "云岩区", 3),
        ("520102", "南明区", 1),
    ]
