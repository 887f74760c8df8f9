"""``reports purge --closed-older-than DAYS`` through the CLI runner."""

from datetime import timedelta

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report, ReportPhoto, utcnow
from stationfinder.services import reports
from tests.factories import UserFactory
from tests.photos import phone_jpeg

NANMING = (26.58, 106.71)


def test_purge_removes_old_photos_and_positions_and_keeps_the_reports(app, runner):
    with app.app_context():
        staff = UserFactory(admin=True)
        now = utcnow()
        ids = []
        for closed_days_ago in (40, 10):
            report, _ = reports.file_report(
                "community", "road_hazard", lat=NANMING[0], lon=NANMING[1], device_id="a", photo=phone_jpeg()
            )
            reports.change(
                report, staff, status="fixed", note="ok", now=now - timedelta(days=closed_days_ago)
            )
            ids.append(report.id)
        db.session.commit()
    result = runner.invoke(args=["reports", "purge", "--closed-older-than", "30"])
    assert result.exit_code == 0, result.output
    assert result.output == (
        "removed 1 photos, 1 exact positions and 1 device confirmations of reports closed over 30 days ago; "
        "reports and their counts kept\n"
    )
    with app.app_context():
        old, recent = (db.session.get(Report, i) for i in ids)
        assert (old.lat, old.lon, old.confirmations, old.status) == (None, None, 1, "fixed")
        assert recent.lat is not None
        assert db.session.scalars(sa.select(ReportPhoto.report_id)).all() == [recent.id]


def test_purge_needs_days(runner):
    for args in ([], ["--closed-older-than", "0"], ["--closed-older-than", "x"]):
        result = runner.invoke(args=["reports", "purge", *args])
        assert result.exit_code != 0
    assert "at least 1 day" in runner.invoke(args=["reports", "purge", "--closed-older-than", "0"]).output
    assert "Days since closing" in runner.invoke(args=["reports", "purge", "--help"]).output
