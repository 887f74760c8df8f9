"""Station management service: permissions, validation, audit entries and the dataset version."""

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from stationfinder.amenities import to_mask
from stationfinder.extensions import db
from stationfinder.geo.coords import from_wgs84, to_wgs84
from stationfinder.models import AuditEntry, Station
from stationfinder.services import dataset
from stationfinder.services.errors import Forbidden
from stationfinder.services.stations import admin as station_admin
from stationfinder.services.stations import placement
from tests.factories import StationFactory, UserFactory
from tests.staff import station_form

LONG_AGO = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def form(**changes) -> dict:
    """Return a complete, valid form for a station in 七星关区, with numbers as numbers."""
    return station_form(seats=12, area_m2=160, lat=27.3009, lon=105.2863) | changes


def audits() -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)))


def test_staff_create_inside_their_region(ctx):
    staff = UserFactory(region_code="520500")
    version = dataset.current()
    station = station_admin.create_station(staff, form())
    assert station.id and station.region_code == "520502"
    assert station.amenity_mask == to_mask(["air_conditioning", "seating"])
    assert station.last_verified_at is not None
    assert dataset.current() == version + 1
    (entry,) = audits()
    assert (entry.user_id, entry.station_id, entry.action) == (staff.id, station.id, "create")
    assert entry.changes["name"] == [None, "毕城驿站"]
    assert entry.changes["amenities"] == [None, ["air_conditioning", "seating"]]
    assert entry.changes["seats"] == [None, 12]


@pytest.mark.parametrize(
    ("region", "position"),
    [
        ("520102", {}),
        ("520100", {}),
        ("520000", {}),
        # Left empty, the code comes from the position: here 云岩区, outside 毕节市.
        ("", {"lat": 26.5930, "lon": 106.7130}),
        ("", {"lat": 29.0, "lon": 124.0}),  # at sea: no county, so no code at all
    ],
)
def test_staff_cannot_create_outside_their_region(ctx, region, position):
    staff = UserFactory(region_code="520500")
    with pytest.raises(station_admin.OutsideRegion):
        station_admin.create_station(staff, form(region_code=region, **position))
    assert db.session.scalar(sa.select(sa.func.count(Station.id))) == 0
    assert audits() == []


def test_staff_leaving_the_region_empty_get_the_county_of_the_position(ctx):
    staff = UserFactory(region_code="520500")
    station = station_admin.create_station(staff, form(region_code=""))
    assert station.region_code == "520502"
    assert station_admin.region_warning(station) is None
    (entry,) = audits()
    assert entry.changes["region_code"] == [None, "520502"]


def test_managers_cannot_create(ctx):
    manager = UserFactory(manager=True, stations=[StationFactory()])
    with pytest.raises(Forbidden):
        station_admin.create_station(manager, form())
    assert station_admin.may_create(UserFactory(admin=True))
    assert not station_admin.may_create(UserFactory(active=False))


def test_admin_creates_anywhere_even_without_a_region(ctx):
    admin = UserFactory(admin=True)
    # A code whose area is 2,500 km away is kept: a warning, not a refusal.
    far = station_admin.create_station(admin, form(region_code="650102"))
    assert far.region_code == "650102"
    warning = station_admin.region_warning(far)
    assert (warning.code, warning.county) == ("650102", "520502")
    assert warning.distance_m > 2_000_000
    assert station_admin.create_station(admin, form(region_code="")).region_code == "520502"
    at_sea = station_admin.create_station(admin, form(region_code="", lat=29.0, lon=124.0))
    assert at_sea.region_code is None
    assert station_admin.region_warning(at_sea) == placement.RegionWarning(None, None, None)


def test_update_records_only_changed_fields(ctx):
    staff = UserFactory(region_code="520500")
    station = StationFactory(region_code="520502", last_verified_at=LONG_AGO, **_columns(form()))
    version = dataset.current()
    entry = station_admin.update_station(
        staff, station, form(name="新名字", amenities=["wifi"], status="temporarily_closed", seats=None)
    )
    assert entry.action == "update" and entry.user_id == staff.id
    assert entry.changes == {
        "name": ["毕城驿站", "新名字"],
        "amenities": [["air_conditioning", "seating"], ["wifi"]],
        "seats": [12, None],
        "status": ["open", "temporarily_closed"],
    }
    assert station.status == "temporarily_closed" and station.amenities == ["wifi"]
    assert station.last_verified_at > LONG_AGO
    assert dataset.current() == version + 1


def _columns(data: dict) -> dict:
    return {
        "name": data["name"],
        "address": data["address"],
        "amenity_mask": to_mask(data["amenities"]),
        "opening_hours": data["opening_hours"],
        "phone": data["phone"],
        "seats": data["seats"],
        "area_m2": data["area_m2"],
        "lat": data["lat"],
        "lon": data["lon"],
    }


def _columns_of(station: Station) -> dict:
    return {column.key: getattr(station, column.key) for column in Station.__table__.columns}


def test_gcj02_position_is_stored_as_wgs84(ctx):
    admin = UserFactory(admin=True)
    station = StationFactory(region_code="520502")
    station_admin.update_station(admin, station, form(lat=27.2985, lon=105.2934, coord_system="gcj02"))
    lat, lon = to_wgs84(27.2985, 105.2934, "gcj02")
    assert station.lat == pytest.approx(lat, abs=1e-9) and station.lon == pytest.approx(lon, abs=1e-9)
    # The shift is hundreds of metres: storing the GCJ-02 numbers as they came would be wrong.
    assert abs(station.lon - 105.2934) > 1e-3


def test_a_position_sent_back_unchanged_in_gcj02_is_not_a_move(ctx):
    admin = UserFactory(admin=True)
    station = StationFactory(region_code="520502", **_columns(form()))
    lat, lon = from_wgs84(station.lat, station.lon, "gcj02")
    entry = station_admin.update_station(
        admin, station, form(lat=round(lat, 7), lon=round(lon, 7), coord_system="gcj02")
    )
    # Nothing changed, so saving is a confirmation.
    assert entry.action == "confirm"
    assert (station.lat, station.lon) == (27.3009, 105.2863)


def test_manager_edits_own_station_but_not_its_region(ctx):
    mine = StationFactory(region_code="520502")
    manager = UserFactory(manager=True, stations=[mine])
    entry = station_admin.update_station(manager, mine, form(region_code="520502", phone="123"))
    assert entry.changes["phone"] == ["", "123"]
    with pytest.raises(Forbidden):
        station_admin.update_station(manager, mine, form(region_code="520102"))
    assert mine.region_code == "520502"
    data = form()
    del data["region_code"]
    station_admin.update_station(manager, mine, data | {"name": "只改名字"})
    assert mine.name == "只改名字" and mine.region_code == "520502"


def test_nobody_edits_outside_their_scope(ctx):
    station = StationFactory(region_code="520102", name="贵阳站")
    other = StationFactory(region_code="520502")
    cases = [
        UserFactory(region_code="520500"),
        UserFactory(manager=True, stations=[other]),
        UserFactory(admin=True, active=False),
    ]
    for user in cases:
        with pytest.raises(Forbidden):
            station_admin.update_station(user, station, form(region_code="520102"))
        with pytest.raises(Forbidden):
            station_admin.confirm_station(user, station)
        with pytest.raises(Forbidden):
            station_admin.history(user, station)
    assert station.name == "贵阳站" and station.last_verified_at is None
    assert audits() == []


def test_staff_cannot_move_a_station_out_of_their_region(ctx):
    staff = UserFactory(region_code="520500")
    station = StationFactory(region_code="520502")
    with pytest.raises(station_admin.OutsideRegion):
        station_admin.update_station(staff, station, form(region_code="520102"))
    assert station.region_code == "520502"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"opening_hours": "always"}, "opening_hours"),
        ({"lat": 91}, "lat"),
        ({"lon": float("nan")}, "lon"),
        ({"phone": "call me"}, "phone"),
        ({"amenities": ["sauna"]}, "amenities"),
        ({"status": "gone"}, "status"),
        ({"seats": -1}, "seats"),
        ({"coord_system": "utm"}, "coord_system"),
        ({"region_code": "52"}, "region_code"),
        ({"ref": "X"}, "ref"),
    ],
)
def test_invalid_input_changes_nothing(ctx, changes, field):
    admin = UserFactory(admin=True)
    station = StationFactory(region_code="520502", **_columns(form()))
    before = _columns_of(station)
    with pytest.raises(station_admin.InvalidStation) as caught:
        station_admin.update_station(admin, station, form(**changes))
    assert field in caught.value.errors
    assert _columns_of(station) == before
    assert audits() == []


def test_confirm_sets_last_verified_at_and_is_audited(ctx):
    staff = UserFactory(region_code="520100")
    station = StationFactory(region_code="520102", last_verified_at=LONG_AGO)
    version = dataset.current()
    entry = station_admin.confirm_station(staff, station)
    assert station.last_verified_at > LONG_AGO
    assert entry.action == "confirm"
    assert entry.changes == {"last_verified_at": [LONG_AGO.isoformat(), station.last_verified_at.isoformat()]}
    assert dataset.current() == version + 1


def test_history_is_newest_first_with_usernames(ctx):
    admin = UserFactory(admin=True, username="root")
    station = station_admin.create_station(admin, form())
    station_admin.update_station(admin, station, form(name="改名"))
    db.session.add(AuditEntry(station_id=station.id, user_id=None, action="update", changes={}))
    db.session.flush()
    rows = station_admin.history(admin, station)
    assert [(e.action, name) for e, name in rows] == [
        ("update", None),
        ("update", "root"),
        ("create", "root"),
    ]


def test_list_is_scoped_searchable_and_paged(ctx):
    for n in range(25):
        StationFactory(name=f"贵阳{n:02d}", region_code="520102")
    StationFactory(name="毕节站", region_code="520502", address="七星关区 50%")
    gy_staff = UserFactory(region_code="520100")
    first = station_admin.list_stations(gy_staff, page=1, per_page=20)
    assert first.total == 25 and len(first.items) == 20
    assert len(station_admin.list_stations(gy_staff, page=2, per_page=20).items) == 5
    assert all(s.region_code == "520102" for s in first.items)
    assert station_admin.list_stations(gy_staff, q="毕节").total == 0
    admin = UserFactory(admin=True)
    assert station_admin.list_stations(admin).total == 26
    assert [s.name for s in station_admin.list_stations(admin, q="毕节").items] == ["毕节站"]
    assert [s.name for s in station_admin.list_stations(admin, q="50%").items] == ["毕节站"]
    assert station_admin.list_stations(admin, q="5%").total == 0
    assert station_admin.list_stations(admin, q="520502").total == 1
    # A page past the end (or beyond any database integer) is the last page; NUL matches nothing.
    for page in (99, 10**20):
        late = station_admin.list_stations(admin, page=page)
        assert (late.page, late.pages, len(late.items)) == (2, 2, 6)
    assert station_admin.list_stations(admin, q="毕\x00节").total == 0
