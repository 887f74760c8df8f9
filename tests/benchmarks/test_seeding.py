"""flask bench-data: seeds plausible stations and check-ins, and builds rollups equal to apply()'s."""

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Checkin, DatasetVersion, Station
from stationfinder.services.regions import codes as regions
from stationfinder.services.rollups import counting as rollups
from tests.services.rollups.test_rollups import ROLLUP_MODELS
from tests.stats_world import expected_rollups, stored_rollups


def test_bench_data_seeds_and_its_bulk_rollups_equal_apply(app, runner):
    result = runner.invoke(args=["bench-data", "--stations", "60", "--checkins", "1500", "--days", "40"])
    assert result.exit_code == 0, result.output
    assert "seeded 60 stations and 1500 check-ins" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Checkin.id))) == 1500
        codes = db.session.scalars(sa.select(Station.region_code)).all()
        assert len(codes) == 60 and all(regions.level(c) == "county" for c in codes)
        lats = db.session.scalars(sa.select(Station.lat)).all()
        assert all(17 < lat < 54 for lat in lats)  # inside China's box
        assert db.session.scalar(sa.select(DatasetVersion.version)) >= 1
        days = db.session.scalars(sa.select(Checkin.local_day).distinct()).all()
        assert 30 <= len(days) <= 40
        masks = db.session.scalars(sa.select(Checkin.unique_mask)).all()
        assert any(m == 31 for m in masks) and all(m & 1 for m in masks if m & 16)

        bulk = stored_rollups()
        assert bulk == expected_rollups()
        for model in ROLLUP_MODELS:
            db.session.execute(sa.delete(model))
        for checkin in db.session.scalars(sa.select(Checkin).order_by(Checkin.id)):
            rollups.apply(checkin, +1)
        db.session.commit()
        assert stored_rollups() == bulk


def test_bench_data_refuses_to_seed_twice_and_bad_sizes(app, runner):
    assert runner.invoke(args=["bench-data", "--stations", "5", "--checkins", "10"]).exit_code == 0
    again = runner.invoke(args=["bench-data", "--stations", "5", "--checkins", "10"])
    assert again.exit_code != 0 and "already" in again.output
    assert runner.invoke(args=["bench-data", "--stations", "0"]).exit_code != 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Station.id))) == 5
