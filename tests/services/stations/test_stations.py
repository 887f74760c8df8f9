"""Station look-up, listing, open-now and the API shape."""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest

from stationfinder.extensions import db
from stationfinder.services.errors import NotFound
from stationfinder.services.stations import lookup as stations
from tests.factories import StationFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Monday 2026-06-01 10:00 in Shanghai is 02:00 UTC.
MONDAY_10_LOCAL = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
SUNDAY_10_LOCAL = datetime(2026, 6, 7, 2, 0, tzinfo=UTC)
API_KEYS = {
    "id",
    "ref",
    "name",
    "address",
    "lat",
    "lon",
    "distance_m",
    "amenities",
    "open_now",
    "opening_hours",
    "region_code",
    "nav",
}


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def test_get_station_by_id_ref_and_digit_string(ctx):
    station = StationFactory(ref="gy-001")
    db.session.commit()
    assert stations.get_station(station.id) is station
    assert stations.get_station(str(station.id)) is station
    assert stations.get_station("gy-001") is station


@pytest.mark.parametrize(
    "key", [0, -1, 10**30, "999999", "9" * 40, "nope", "", "x" * 500, "１２", True, None, 3.0]
)
def test_get_station_unknown_raises_not_found(ctx, key):
    StationFactory()
    db.session.commit()
    with pytest.raises(NotFound):
        stations.get_station(key)


def test_list_filters_by_region_levels(ctx):
    bijie = StationFactory(region_code="520502", name="毕节一号")
    guiyang = StationFactory(region_code="520103", name="贵阳一号")
    chengdu = StationFactory(region_code="510107", name="成都一号")
    StationFactory(region_code=None, name="无区划")
    db.session.commit()

    def ids(**kwargs):
        return {s.id for s in stations.list_stations(**kwargs).items}

    assert ids(region="520502") == {bijie.id}
    assert ids(region="520500") == {bijie.id}
    assert ids(region="520000") == {bijie.id, guiyang.id}
    assert ids(region="510000") == {chengdu.id}
    assert ids(region="530000") == set()


def test_list_requires_every_amenity(ctx):
    water = StationFactory(amenity_mask=0b10)
    both = StationFactory(amenity_mask=0b11)
    StationFactory(amenity_mask=0b1)
    db.session.commit()
    page = stations.list_stations(amenities=["drinking_water"])
    assert {s.id for s in page.items} == {water.id, both.id}
    page = stations.list_stations(amenities=["air_conditioning", "drinking_water"])
    assert [s.id for s in page.items] == [both.id]


def test_list_name_search_is_case_insensitive_and_literal(ctx):
    hub = StationFactory(name="Rider HUB 毕城")
    StationFactory(name="Other")
    percent = StationFactory(name="100% 驿站")
    db.session.commit()
    assert [s.id for s in stations.list_stations(q="hub").items] == [hub.id]
    assert [s.id for s in stations.list_stations(q="毕城").items] == [hub.id]
    # LIKE wildcards in the query are matched literally.
    assert [s.id for s in stations.list_stations(q="%").items] == [percent.id]
    assert stations.list_stations(q="_").total == 0


def test_list_pages_and_counts_and_keeps_closed(ctx):
    made = [StationFactory(name=f"站 {i:02d}") for i in range(7)]
    made[3].status = "closed"
    db.session.commit()
    first = stations.list_stations(limit=3)
    assert first.total == 7
    assert [s.name for s in first.items] == ["站 00", "站 01", "站 02"]
    rest = stations.list_stations(limit=10, offset=3)
    assert [s.name for s in rest.items] == [f"站 {i:02d}" for i in range(3, 7)]
    assert rest.items[0].status == "closed"


@pytest.mark.parametrize(
    ("status", "hours", "now", "expected"),
    [
        ("open", "24/7", SUNDAY_10_LOCAL, True),
        ("open", "Mo-Fr 08:00-20:00", MONDAY_10_LOCAL, True),
        ("open", "Mo-Fr 08:00-20:00", SUNDAY_10_LOCAL, False),
        # 01:00 UTC Monday is 09:00 local, inside; 23:30 UTC Sunday is 07:30 local Monday, outside.
        ("open", "Mo-Fr 08:00-20:00", datetime(2026, 6, 1, 1, 0, tzinfo=UTC), True),
        ("open", "Mo-Fr 08:00-20:00", datetime(2026, 5, 31, 23, 30, tzinfo=UTC), False),
        ("temporarily_closed", "24/7", MONDAY_10_LOCAL, False),
        ("closed", "24/7", MONDAY_10_LOCAL, False),
        ("open", "not hours", MONDAY_10_LOCAL, False),
    ],
)
def test_is_open_now_uses_local_time(ctx, status, hours, now, expected):
    station = StationFactory.build(status=status, opening_hours=hours)
    assert stations.is_open_now(station, now) is expected
    assert stations.is_open_now(station, now, SHANGHAI) is expected


def test_is_open_now_follows_the_configured_zone(app_factory):
    app = app_factory(TIMEZONE="UTC")
    with app.app_context():
        station = StationFactory.build(status="open", opening_hours="Mo-Fr 08:00-20:00")
        # 02:00 UTC is outside 08-20 in UTC, inside in Shanghai.
        assert stations.is_open_now(station, MONDAY_10_LOCAL) is False
        assert stations.is_open_now(station, MONDAY_10_LOCAL, "Asia/Shanghai") is True


def test_to_dict_has_the_api_shape(ctx):
    station = StationFactory(
        ref="bj-1",
        name="毕城红骑手服务中心",
        address="奥莱国际广场",
        lat=27.2966,
        lon=105.2958,
        region_code="520502",
        amenity_mask=0b1011,
        opening_hours="Mo-Su 08:00-22:00",
        area_m2=160,
        last_verified_at=datetime(2026, 5, 1, 4, 0, tzinfo=UTC),
    )
    db.session.commit()
    out = stations.to_dict(station, distance_m=123.456, now=MONDAY_10_LOCAL)
    assert set(out) >= API_KEYS
    assert out["id"] == station.id and out["ref"] == "bj-1"
    assert (out["lat"], out["lon"]) == (27.2966, 105.2958)
    assert out["distance_m"] == 123.5
    assert out["amenities"] == ["air_conditioning", "drinking_water", "seating"]
    assert out["open_now"] is True
    assert out["region_code"] == "520502"
    assert out["status"] == "open"
    assert out["area_m2"] == 160 and out["seats"] is None
    assert out["last_verified_at"] == "2026-05-01T04:00:00Z"
    assert set(out["nav"]) == {"amap", "baidu", "apple", "amap_marker", "baidu_marker"}
    amap = parse_qs(urlsplit(out["nav"]["amap_marker"]).query)
    assert amap["position"] == ["105.2958,27.2966"] and amap["name"] == ["毕城红骑手服务中心"]
    # Open 08:00-22:00 and it is 10:00: the closing is 12 hours away.
    assert (out["closes_at"], out["closes_in_min"]) == ("22:00", 720)
    assert stations.to_dict(station)["distance_m"] is None
