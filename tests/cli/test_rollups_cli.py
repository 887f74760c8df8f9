"""``rollups fold`` through the CLI runner: what a timer or a worker runs."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Checkin, CheckinRollup
from stationfinder.services import checkins
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory

T0 = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)


def _pending_and_counted(app) -> tuple[int, int]:
    with app.app_context():
        pending = db.session.scalar(sa.select(sa.func.count()).select_from(Checkin).where(Checkin.pending))
        counted = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(CheckinRollup.count), 0)))
    return pending, counted


def test_fold_counts_what_is_pending_and_says_how_many(app, runner):
    with app.app_context():
        token = posters.current_poster(StationFactory(region_code="520502")).token
        for i in range(2):
            checkins.record(token, f"phone-{i}", None, now=T0 + timedelta(seconds=i))
        db.session.commit()
    result = runner.invoke(args=["rollups", "fold"])
    assert result.exit_code == 0, result.output
    assert result.output == "counted 2 pending check-ins into the rollups\n"
    assert _pending_and_counted(app) == (0, 2)
    again = runner.invoke(args=["rollups", "fold"])
    assert again.exit_code == 0 and again.output == "counted 0 pending check-ins into the rollups\n"


def test_fold_has_help_and_the_old_checkins_fold_is_gone(runner):
    result = runner.invoke(args=["rollups", "fold", "--help"])
    assert result.exit_code == 0 and "Count every pending check-in" in result.output
    assert runner.invoke(args=["checkins", "fold"]).exit_code != 0
