"""Folding pending check-ins, one chunk in the caller's transaction: the writer lock, undo under it."""

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import Checkin, CheckinAreaDay, CheckinRollup
from stationfinder.services import checkins
from stationfinder.services.posters import tokens as posters
from stationfinder.services.rollups import fold
from tests.factories import StationFactory

T0 = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _pending_and_counted() -> tuple[int, int]:
    pending = db.session.scalar(sa.select(sa.func.count()).select_from(Checkin).where(Checkin.pending))
    counted = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(CheckinRollup.count), 0)))
    return pending, counted


def _recorded(n: int) -> None:
    token = posters.current_poster(StationFactory(region_code="520502")).token
    for i in range(n):
        checkins.record(token, f"phone-{i}", None, now=T0 + timedelta(seconds=i))
    db.session.commit()


def test_a_chunk_counts_in_the_callers_transaction_and_commits_nothing(app):
    with app.app_context():
        _recorded(3)
        assert fold.any_pending()
        assert fold.lock()
        assert fold.fold_chunk(2) == 2
        assert _pending_and_counted() == (1, 2)
        db.session.rollback()
        assert _pending_and_counted() == (3, 0)
        assert fold.lock()
        assert [fold.fold_chunk(2), fold.fold_chunk(2), fold.fold_chunk(2)] == [2, 1, 0]
        db.session.commit()
        assert _pending_and_counted() == (0, 3)
        assert not fold.any_pending()


def test_undo_takes_a_counted_checkin_out_and_a_pending_one_never_in(app):
    with app.app_context():
        station = StationFactory(region_code="520502")
        token = posters.current_poster(station).token
        counted, _ = checkins.record(token, "phone-1", None, now=T0)
        db.session.commit()
        assert units.fold() == 1
        pending, _ = checkins.record(token, "phone-2", None, now=T0 + timedelta(seconds=1))
        db.session.commit()
        checkins.undo(counted.id, "phone-1", now=T0 + timedelta(minutes=1))
        checkins.undo(pending.id, "phone-2", now=T0 + timedelta(minutes=1))
        db.session.commit()
        assert units.fold() == 0
        assert db.session.scalar(sa.select(sa.func.sum(CheckinRollup.count))) == 0
        days = db.session.execute(sa.select(CheckinAreaDay.count, CheckinAreaDay.uniq)).all()
        assert days and all(row == (0, 0) for row in days)


def test_the_fold_lock_belongs_to_one_schema():
    """Apps in other schemas of one PostgreSQL database never wait for, or skip, each other's folds."""
    from stationfinder import create_app
    from tests.conftest import make_config

    url = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    admin = sa.create_engine(url)
    schemas = [f"t_lock_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with admin.begin() as conn:
        for schema in schemas:
            conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))

    def app_on(schema):
        options = {"connect_args": {"options": f"-csearch_path={schema}"}}
        return create_app(make_config({"url": url, "engine_options": options}))

    holder, same, other = app_on(schemas[0]), app_on(schemas[0]), app_on(schemas[1])
    try:
        with holder.app_context():
            assert fold.lock(wait=False)
            with same.app_context():
                assert not fold.lock(wait=False)  # the one rollup writer of this schema is busy
                db.session.rollback()
            with other.app_context():
                assert fold.lock(wait=False)
                db.session.rollback()
            db.session.rollback()
    finally:
        for app in (holder, same, other):
            with app.app_context():
                db.engine.dispose()
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
