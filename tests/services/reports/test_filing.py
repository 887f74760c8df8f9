"""Filing reports: station and community kinds, regions, positions, photos, and "me too" merging."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.geo.coords import from_wgs84
from stationfinder.models import Report, ReportConfirmation, ReportEvent, ReportPhoto
from stationfinder.services import reports
from stationfinder.services.checkins import device_hash, local_day
from stationfinder.services.errors import Gone, InvalidInput, NotFound
from stationfinder.services.posters import tokens as posters
from stationfinder.services.reports import codes, photos
from tests.factories import StationFactory
from tests.photos import phone_jpeg
from tests.services.reports.conftest import NANMING, QIXINGGUAN, T0


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_station_report_takes_the_station_and_its_region(station):
    device = "rider-phone-7f3c"
    report, merged = reports.file_report(
        "station", "no_water", station_id=station.id, device_id=device, now=T0
    )
    db.session.commit()
    assert not merged
    assert (report.kind, report.category, report.status) == ("station", "no_water", "open")
    assert (report.station_id, report.region_code) == (station.id, "520103")
    assert (report.lat, report.lon) == (None, None)
    assert report.confirmations == 1 and report.created_at == T0
    assert codes.normalize(report.code) == report.code
    assert report.open_key == f"{station.id}:no_water"
    # The filer's device only as its daily keyed hash.
    assert report.device_hash == device_hash(device, local_day(T0))
    (event,) = db.session.scalars(sa.select(ReportEvent))
    assert (event.from_status, event.to_status, event.user_id, event.at) == (None, "open", None, T0)


def test_a_poster_token_names_the_station(station):
    token = posters.current_poster(station).token
    report, _ = reports.file_report("station", "dirty", token=token, now=T0)
    assert report.station_id == station.id


def test_a_replaced_poster_past_its_grace_is_gone_and_unknown_ones_not_found(station):
    token = posters.current_poster(station).token
    posters.rotate(station, None, grace=timedelta(0))
    db.session.commit()
    with pytest.raises(Gone):
        reports.file_report("station", "dirty", token=token)
    with pytest.raises(NotFound):
        reports.file_report("station", "dirty", token="A" * 24)
    with pytest.raises(NotFound):
        reports.file_report("station", "dirty", station_id=999_999)
    assert count(Report) == 0


def test_a_closed_station_can_be_reported(station):
    station.status = "temporarily_closed"
    db.session.commit()
    report, _ = reports.file_report("station", "station_closed", station_id=station.id)
    assert report.station_id == station.id


@pytest.mark.parametrize("coord", ["wgs84", "gcj02", "bd09"])
def test_a_community_report_takes_the_county_of_its_point_in_wgs84(ctx, coord):
    lat, lon = from_wgs84(*NANMING, coord)
    report, merged = reports.file_report(
        "community", "blocked_passage", lat=lat, lon=lon, coord=coord, description="  消防通道被堵  "
    )
    assert not merged
    assert report.region_code == "520102"
    assert report.lat == pytest.approx(NANMING[0], abs=1e-7)
    assert report.lon == pytest.approx(NANMING[1], abs=1e-7)
    assert report.station_id is None and report.open_key is None
    assert report.description == "消防通道被堵"


def test_community_reports_never_merge(ctx):
    first, _ = reports.file_report("community", "road_hazard", lat=QIXINGGUAN[0], lon=QIXINGGUAN[1])
    second, merged = reports.file_report("community", "road_hazard", lat=QIXINGGUAN[0], lon=QIXINGGUAN[1])
    assert not merged and first.id != second.id
    assert first.region_code == second.region_code == "520502"


def test_emergency_is_a_community_category(ctx):
    report, _ = reports.file_report("community", "emergency", lat=NANMING[0], lon=NANMING[1])
    assert report.category == "emergency"


@pytest.mark.parametrize(
    "point", [(35.0, 140.0), (51.5, -0.12), (0.0, 0.0)], ids=["tokyo-sea", "london", "null-island"]
)
def test_a_point_outside_china_is_refused_with_a_reason(ctx, point):
    with pytest.raises(InvalidInput, match="not inside any county of China"):
        reports.file_report("community", "other", lat=point[0], lon=point[1])
    assert count(Report) == 0


@pytest.mark.parametrize(
    ("kind", "category", "fields"),
    [
        ("station", "blocked_passage", {"station_id": 1}),
        ("community", "no_water", {"lat": 26.5, "lon": 106.7}),
        ("station", "no_water", {}),
        ("station", "no_water", {"station_id": 1, "token": "x" * 24}),
        ("station", "no_water", {"station_id": 1, "lat": 26.5, "lon": 106.7}),
        ("community", "other", {"lat": 26.5}),
        ("community", "other", {"lat": 26.5, "lon": 106.7, "station_id": 1}),
        ("community", "other", {"lat": 26.5, "lon": 106.7, "coord": "utm"}),
        ("parcel", "other", {}),
        ("community", "other", {"lat": 26.5, "lon": 106.7, "description": "长" * 501}),
        ("community", "other", {"lat": 26.5, "lon": 106.7, "device_id": "  "}),
    ],
)
def test_invalid_input_is_refused(station, kind, category, fields):
    if fields.get("station_id"):
        fields = dict(fields, station_id=station.id)
    with pytest.raises(InvalidInput):
        reports.file_report(kind, category, **fields)
    assert count(Report) == 0


def test_a_photo_is_stored_cleaned(station):
    report, _ = reports.file_report("station", "dirty", station_id=station.id, photo=phone_jpeg())
    stored = db.session.get(ReportPhoto, report.id)
    assert stored.content_type == "image/jpeg" and b"Exif" not in stored.data


def test_a_bad_photo_files_nothing(station):
    with pytest.raises(photos.NotAnImage):
        reports.file_report("station", "dirty", station_id=station.id, photo=b"plain text")
    assert count(Report) == 0


def test_me_too_merges_into_the_open_report_and_counts_each_device_once_a_day(station):
    first, _ = reports.file_report("station", "no_water", station_id=station.id, device_id="a", now=T0)
    again, merged = reports.file_report(
        "station", "no_water", station_id=station.id, device_id="b", now=T0 + timedelta(minutes=5)
    )
    assert merged and again.id == first.id and again.confirmations == 2
    # The same device again that day ("A" is "a" respelt): merged, not counted.
    _, merged = reports.file_report("station", "no_water", station_id=station.id, device_id=" A ", now=T0)
    assert merged and first.confirmations == 2
    # Its hash changes the next local day, so it counts again then.
    reports.file_report(
        "station", "no_water", station_id=station.id, device_id="a", now=T0 + timedelta(days=1)
    )
    assert first.updated_at == T0 + timedelta(days=1)
    # Without a device id, every report counts (the per-address limit bounds them).
    reports.file_report("station", "no_water", station_id=station.id, now=T0 + timedelta(days=2))
    db.session.commit()
    assert count(Report) == 1
    assert db.session.get(Report, first.id).confirmations == 4
    assert count(ReportConfirmation) == 3


def test_me_too_keeps_the_riders_words_for_staff_and_a_first_photo(station):
    first, _ = reports.file_report("station", "ac_broken", station_id=station.id, now=T0)
    reports.file_report(
        "station", "ac_broken", station_id=station.id, description="空调不制冷", photo=phone_jpeg()
    )
    assert db.session.get(ReportPhoto, first.id) is not None
    notes = db.session.scalars(sa.select(ReportEvent).where(ReportEvent.note != "")).all()
    assert [(e.note, e.public, e.from_status, e.to_status) for e in notes] == [
        ("空调不制冷", False, "open", "open")
    ]


def test_another_category_or_station_opens_its_own_ticket(station):
    other = StationFactory(region_code="520103")
    a, _ = reports.file_report("station", "no_water", station_id=station.id)
    b, merged_b = reports.file_report("station", "no_power", station_id=station.id)
    c, merged_c = reports.file_report("station", "no_water", station_id=other.id)
    assert not merged_b and not merged_c and len({a.id, b.id, c.id}) == 3


def test_once_closed_a_new_report_opens_a_new_ticket(station):
    first, _ = reports.file_report("station", "full", station_id=station.id)
    first.status, first.open_key = "fixed", None
    db.session.flush()
    second, merged = reports.file_report("station", "full", station_id=station.id)
    assert not merged and second.id != first.id and second.open_key == f"{station.id}:full"


def test_a_deleted_stations_ticket_is_not_merged_into(station):
    first, _ = reports.file_report("station", "dirty", station_id=station.id)
    key = first.open_key
    db.session.delete(station)
    db.session.commit()
    db.session.refresh(first)
    assert first.station_id is None and first.open_key == key
    # A new station that got the same id (SQLite may reuse it) must get a ticket of its own.
    reborn = StationFactory(id=int(key.split(":")[0]), region_code="520103")
    second, merged = reports.file_report("station", "dirty", station_id=reborn.id)
    assert not merged and second.id != first.id
    assert db.session.get(Report, first.id).open_key is None
