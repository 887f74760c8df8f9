"""Purging old closed reports: photos, exact positions and device hashes go; tickets and counts stay."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report, ReportConfirmation, ReportEvent, ReportPhoto
from stationfinder.services import reports
from stationfinder.services.errors import InvalidInput
from tests.factories import UserFactory
from tests.photos import phone_jpeg
from tests.services.reports.conftest import NANMING, T0


def test_purge_forgets_what_identifies_and_keeps_the_counts(station):
    staff = UserFactory(admin=True)
    old = reports.file_report(
        "community",
        "blocked_passage",
        lat=NANMING[0],
        lon=NANMING[1],
        device_id="a",
        photo=phone_jpeg(),
        now=T0,
    )[0]
    old_station = reports.file_report(
        "station", "dirty", station_id=station.id, device_id="a", photo=phone_jpeg()
    )[0]
    reports.file_report("station", "dirty", station_id=station.id, device_id="b")
    recent = reports.file_report(
        "community", "road_hazard", lat=NANMING[0], lon=NANMING[1], device_id="a", photo=phone_jpeg(), now=T0
    )[0]
    still_open = reports.file_report(
        "community", "illegal_ads", lat=NANMING[0], lon=NANMING[1], photo=phone_jpeg(), now=T0
    )[0]
    for report, closed in ((old, T0 + timedelta(days=1)), (old_station, T0 + timedelta(days=2))):
        reports.change(report, staff, status="fixed", note="done", now=closed)
    reports.change(recent, staff, status="fixed", note="done", now=T0 + timedelta(days=29))
    updated = old.updated_at
    db.session.commit()

    removed = reports.purge(30, now=T0 + timedelta(days=33))
    db.session.commit()
    assert removed == {"photos": 2, "positions": 1, "devices": 3}
    old, old_station = db.session.get(Report, old.id), db.session.get(Report, old_station.id)
    assert (old.lat, old.lon, old.device_hash) == (None, None, None)
    assert old_station.device_hash is None and old_station.confirmations == 2
    assert (old.region_code, old.category, old.status, old.updated_at) == (
        "520102",
        "blocked_passage",
        "fixed",
        updated,
    )
    assert db.session.get(ReportPhoto, old.id) is None and db.session.get(ReportPhoto, old_station.id) is None
    # Histories stay; recent and open reports keep everything.
    assert db.session.scalar(sa.select(sa.func.count()).where(ReportEvent.report_id == old.id)) == 2
    for kept in (recent, still_open):
        kept = db.session.get(Report, kept.id)
        assert kept.lat is not None and db.session.get(ReportPhoto, kept.id) is not None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportConfirmation)) == 1
    assert reports.purge(30, now=T0 + timedelta(days=33)) == {"photos": 0, "positions": 0, "devices": 0}


@pytest.mark.parametrize("days", [0, -1, "7", 1.5])
def test_purge_needs_a_whole_number_of_days(ctx, days):
    with pytest.raises(InvalidInput):
        reports.purge(days)
