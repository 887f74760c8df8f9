"""Recording, deduplicating, undoing and purging check-ins, and keeping the rollups exact."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import Checkin, CheckinRollup, DeviceDay, DevicePresence
from stationfinder.services import checkins
from stationfinder.services.errors import Closed, Forbidden, Gone, InvalidInput, NotFound
from stationfinder.services.posters import tokens as posters
from stationfinder.services.rollups import counting as rollups
from tests.factories import StationFactory

# 10:00 in Shanghai.
T0 = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def token_of(station) -> str:
    return posters.current_poster(station).token


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def rollup_totals() -> dict[str, int]:
    """Return the sums of the hourly rollup once every recorded check-in is counted."""
    units.fold()
    columns = ["count", *dict(rollups.UNIQUE_COLUMNS).values()]
    row = db.session.execute(
        sa.select(*[sa.func.coalesce(sa.func.sum(CheckinRollup.__table__.c[c]), 0) for c in columns])
    ).one()
    return dict(zip(columns, row, strict=True))


def test_first_checkin_counts_everywhere_and_stores_no_raw_id(ctx):
    station = StationFactory(region_code="520502")
    checkin, duplicate = checkins.record(token_of(station), "phone-1", "courier", now=T0)
    assert not duplicate
    assert checkin.station_id == station.id and checkin.category == "courier"
    assert checkin.local_day == date(2025, 3, 10)
    assert checkin.device_hash != "phone-1" and len(checkin.device_hash) == 64
    assert checkin.unique_mask == 0b11111
    scopes = set(db.session.scalars(sa.select(DeviceDay.scope)))
    assert scopes == {f"s:{station.id}", "d:520502", "c:520500", "p:520000", "*"}
    assert rollup_totals() == dict(count=1, u_station=1, u_county=1, u_city=1, u_province=1, u_all=1)


def test_same_device_same_station_inside_the_window_is_a_duplicate(ctx):
    token = token_of(StationFactory())
    first, _ = checkins.record(token, "phone-1", "courier", now=T0)
    again, duplicate = checkins.record(token, "phone-1", "other", now=T0 + timedelta(minutes=29, seconds=59))
    assert duplicate and again.id == first.id
    assert count(Checkin) == 1 and rollup_totals()["count"] == 1


def test_the_window_is_anchored_at_the_last_counted_checkin(ctx):
    token = token_of(StationFactory())
    checkins.record(token, "phone-1", None, now=T0)
    # Exactly 30 minutes later is still inside; a moment after is a new visit.
    assert checkins.record(token, "phone-1", None, now=T0 + timedelta(minutes=30))[1] is True
    second, duplicate = checkins.record(
        token, "phone-1", None, now=T0 + timedelta(minutes=30, microseconds=1)
    )
    assert not duplicate
    # The second visit is counted but not unique: the device was already seen today.
    assert second.unique_mask == 0
    assert rollup_totals()["count"] == 2 and rollup_totals()["u_station"] == 1


def test_dedupe_window_follows_the_setting(app_factory):
    app = app_factory(CHECKIN_DEDUPE_MINUTES=5)
    with app.app_context():
        token = token_of(StationFactory())
        checkins.record(token, "phone-1", None, now=T0)
        assert checkins.record(token, "phone-1", None, now=T0 + timedelta(minutes=5, seconds=1))[1] is False


def test_other_devices_and_other_stations_are_not_duplicates(ctx):
    a, b = StationFactory(region_code="520502"), StationFactory(region_code="520502")
    checkins.record(token_of(a), "phone-1", None, now=T0)
    _, dup_device = checkins.record(token_of(a), "phone-2", None, now=T0)
    other, dup_station = checkins.record(token_of(b), "phone-1", None, now=T0)
    assert not dup_device and not dup_station
    # Same county, city, province: only the station scope is new for phone-1 at b.
    assert other.unique_mask == rollups.UNIQUE_STATION
    assert rollup_totals() == dict(count=3, u_station=3, u_county=2, u_city=2, u_province=2, u_all=2)


def test_without_a_device_id_every_tap_counts_and_nothing_is_unique(ctx):
    token = token_of(StationFactory())
    made = [checkins.record(token, None, None, now=T0)[0] for _ in range(3)]
    assert len({c.id for c in made}) == 3
    assert all(c.device_hash is None and c.unique_mask == 0 for c in made)
    assert count(DevicePresence) == 0 and count(DeviceDay) == 0


def test_station_without_region_counts_in_station_and_country_only(ctx):
    checkin, _ = checkins.record(token_of(StationFactory(region_code=None)), "phone-1", None, now=T0)
    assert checkin.unique_mask == rollups.UNIQUE_STATION | rollups.UNIQUE_ALL


def test_city_coded_station_does_not_collide_with_the_city_scope(ctx):
    city_station, county_station = StationFactory(region_code="520500"), StationFactory(region_code="520502")
    checkins.record(token_of(county_station), "phone-1", None, now=T0)
    at_city, _ = checkins.record(token_of(city_station), "phone-1", None, now=T0)
    # A station filed under the city 520500 counts in that city (regions.ancestors), where the
    # device was counted already, and in no county: new only at the station itself.
    assert at_city.unique_mask == rollups.UNIQUE_STATION
    areas = {"d:520502", "c:520500", "p:520000", "*"}
    stations = {f"s:{county_station.id}", f"s:{city_station.id}"}
    assert set(db.session.scalars(sa.select(DeviceDay.scope))) == stations | areas


def test_hash_changes_at_local_midnight_in_shanghai(ctx):
    before = datetime(2025, 3, 10, 15, 59, 59, tzinfo=UTC)  # 23:59:59 in Shanghai
    after = datetime(2025, 3, 10, 16, 0, 0, tzinfo=UTC)  # 00:00:00 the next day
    assert checkins.local_day(before) == date(2025, 3, 10)
    assert checkins.local_day(after) == date(2025, 3, 11)
    same_day = {checkins.device_hash("phone-1", date(2025, 3, 10)) for _ in range(2)}
    assert len(same_day) == 1
    assert checkins.device_hash("phone-1", date(2025, 3, 11)) not in same_day
    assert checkins.device_hash("phone-2", date(2025, 3, 10)) not in same_day


def test_hash_depends_on_the_secret_key(app_factory):
    with app_factory().app_context():
        one = checkins.device_hash("phone-1", date(2025, 3, 10))
    with app_factory(SECRET_KEY="another-secret-key-0123456789abcdef").app_context():
        assert checkins.device_hash("phone-1", date(2025, 3, 10)) != one


def test_dedupe_holds_across_local_midnight_although_the_hash_changes(ctx):
    token = token_of(StationFactory())
    late = datetime(2025, 3, 10, 15, 50, tzinfo=UTC)  # 23:50 local
    first, _ = checkins.record(token, "phone-1", None, now=late)
    again, duplicate = checkins.record(token, "phone-1", None, now=late + timedelta(minutes=20))
    assert duplicate and again.id == first.id
    later, duplicate = checkins.record(token, "phone-1", None, now=late + timedelta(minutes=31))
    assert not duplicate and later.device_hash != first.device_hash
    # A new local day: the device is unique again in every scope.
    assert later.unique_mask == first.unique_mask != 0


def test_near_flag_keeps_only_whether_the_rider_was_within_300_m(ctx):
    station = StationFactory(lat=26.5, lon=106.7)
    token = token_of(station)
    near, _ = checkins.record(token, "a", None, near=(26.5 + 290 / 111_000, 106.7), now=T0)
    far, _ = checkins.record(token, "b", None, near=(26.5 + 320 / 111_000, 106.7), now=T0)
    unknown, _ = checkins.record(token, "c", None, now=T0)
    assert (near.near_station, far.near_station, unknown.near_station) == (True, False, None)


@pytest.mark.parametrize(
    ("device", "category", "near"),
    [
        ("", None, None),
        (" ", None, None),
        ("\u3000\t ", None, None),
        ("x" * 129, None, None),
        ("bad\nid", None, None),
        ("ok", "pilot", None),
        ("ok", None, (91, 0)),
    ],
)
def test_invalid_input_is_refused_and_nothing_is_written(ctx, device, category, near):
    token = token_of(StationFactory())
    with pytest.raises(InvalidInput):
        checkins.record(token, device, category, near=near, now=T0)
    assert count(Checkin) == 0 and count(DevicePresence) == 0


@pytest.mark.parametrize("respelt", ["PHONE-1", " phone-1 ", "ｐｈｏｎｅ－１", "Phone-1\u3000"])
def test_ids_differing_by_case_space_or_width_are_one_device(ctx, respelt):
    token = token_of(StationFactory())
    first, _ = checkins.record(token, "phone-1", None, now=T0)
    again, duplicate = checkins.record(token, respelt, None, now=T0 + timedelta(minutes=1))
    assert duplicate and again.id == first.id
    assert checkins.normalize_device_id(respelt) == "phone-1"
    # The undo accepts the id however it is spelt, since it is the same device.
    checkins.undo(first.id, respelt, now=T0 + timedelta(minutes=2))
    assert count(Checkin) == 0


@pytest.mark.parametrize("status", ["closed", "temporarily_closed"])
def test_a_closed_station_counts_nothing(ctx, status):
    station = StationFactory(status=status, region_code="520502")
    token = token_of(station)
    for device in ("phone-1", None):
        with pytest.raises(Closed):
            checkins.record(token, device, None, now=T0)
    assert count(Checkin) == 0 and count(DevicePresence) == 0 and count(DeviceDay) == 0
    assert rollup_totals()["count"] == 0


def test_unknown_and_rotated_posters(ctx):
    station = StationFactory()
    old = token_of(station)
    posters.rotate(station, None, grace=timedelta(0), now=T0)
    with pytest.raises(NotFound):
        checkins.record("no-such-token-000000000", "a", None, now=T0)
    with pytest.raises(Gone):
        checkins.record(old, "a", None, now=T0)
    assert count(Checkin) == 0


def test_undo_removes_the_checkin_from_every_count(ctx):
    token = token_of(StationFactory())
    checkin, _ = checkins.record(token, "phone-1", "courier", now=T0)
    checkins.undo(checkin.id, "phone-1", now=T0 + timedelta(minutes=4))
    assert count(Checkin) == 0 and count(DevicePresence) == 0 and count(DeviceDay) == 0
    assert all(value == 0 for value in rollup_totals().values())
    # Undone means forgotten: the next tap counts again, as unique.
    again, duplicate = checkins.record(token, "phone-1", "courier", now=T0 + timedelta(minutes=5))
    assert not duplicate and again.unique_mask == 0b11111


def test_undo_only_by_the_same_device_within_the_window(ctx):
    checkin, _ = checkins.record(token_of(StationFactory()), "phone-1", None, now=T0)
    with pytest.raises(Forbidden):
        checkins.undo(checkin.id, "phone-2", now=T0)
    with pytest.raises(Forbidden):
        checkins.undo(checkin.id, None, now=T0)
    with pytest.raises(Gone):
        checkins.undo(checkin.id, "phone-1", now=T0 + timedelta(minutes=5, seconds=1))
    with pytest.raises(NotFound):
        checkins.undo(checkin.id + 1000, "phone-1", now=T0)
    with pytest.raises(NotFound):
        checkins.undo(2**63, "phone-1", now=T0)
    assert count(Checkin) == 1 and rollup_totals()["count"] == 1


def test_undo_hands_unique_bits_to_the_next_checkin_in_the_same_scopes(ctx):
    a, b = StationFactory(region_code="520502"), StationFactory(region_code="520502")
    first, _ = checkins.record(token_of(a), "phone-1", None, now=T0)
    second, _ = checkins.record(token_of(b), "phone-1", None, now=T0 + timedelta(minutes=1))
    assert second.unique_mask == rollups.UNIQUE_STATION
    checkins.undo(first.id, "phone-1", now=T0 + timedelta(minutes=2))
    second = db.session.get(Checkin, second.id, populate_existing=True)
    assert second.unique_mask == 0b11111
    # The device is still one unique rider in its county, city, province and the country.
    assert rollup_totals() == dict(count=1, u_station=1, u_county=1, u_city=1, u_province=1, u_all=1)
    assert set(db.session.scalars(sa.select(DeviceDay.scope))) == {
        f"s:{b.id}",
        "d:520502",
        "c:520500",
        "p:520000",
        "*",
    }


def test_purge_removes_old_raw_rows_and_keeps_the_rollups(ctx):
    token = token_of(StationFactory())
    now = datetime(2025, 6, 1, 4, 0, tzinfo=UTC)
    for days in (120, 91, 89, 0):
        checkins.record(token, f"phone-{days}", "courier", now=now - timedelta(days=days))
    before = rollup_totals()
    removed = checkins.purge(90, now=now)
    assert removed == {"checkins": 2, "device_days": 10, "device_presence": 2}
    assert sorted(c.created_at for c in db.session.scalars(sa.select(Checkin))) == [
        now - timedelta(days=89),
        now,
    ]
    assert (
        rollup_totals() == before == dict(count=4, u_station=4, u_county=4, u_city=4, u_province=4, u_all=4)
    )


def test_purge_never_forgets_a_presence_inside_the_dedupe_window(app_factory):
    app = app_factory(CHECKIN_DEDUPE_MINUTES=3 * 24 * 60)
    with app.app_context():
        token = token_of(StationFactory())
        checkins.record(token, "phone-1", None, now=T0)
        checkins.purge(1, now=T0 + timedelta(days=2))
        assert count(DevicePresence) == 1


@pytest.mark.parametrize("days", [0, -5])
def test_purge_refuses_less_than_a_day(ctx, days):
    with pytest.raises(InvalidInput):
        checkins.purge(days)
