"""Folding pending check-ins into the rollups: when workers fold, reads fold first, failures lose nothing."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Checkin, CheckinAreaDay, CheckinRollup
from stationfinder.services import accounts, checkins
from stationfinder.services.posters import tokens as posters
from stationfinder.services.rollups import fold
from tests.factories import StationFactory, UserFactory

URL = "/api/v1/checkins"
T0 = datetime(2025, 3, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def _poster(app) -> str:
    with app.app_context():
        token = posters.current_poster(StationFactory(region_code="520502")).token
        db.session.commit()
    return token


def _state(app) -> tuple[int, int, int]:
    """Return (check-in rows, pending rows, check-ins counted in the rollups), folding nothing."""
    with app.app_context():
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Checkin))
        pending = db.session.scalar(sa.select(sa.func.count()).select_from(Checkin).where(Checkin.pending))
        counted = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(CheckinRollup.count), 0)))
        db.session.rollback()
    return rows, pending, counted


def _tap(client, token: str, device: str) -> None:
    assert client.post(URL, json={"token": token, "device_id": device}).status_code == 201


def test_a_worker_folds_every_n_checkins(app_factory):
    app = app_factory(ROLLUP_FOLD_EVERY=3, ROLLUP_FOLD_SECONDS=3600.0)
    token, client = _poster(app), app.test_client()
    _tap(client, token, "a")
    _tap(client, token, "b")
    assert _state(app) == (2, 2, 0)
    _tap(client, token, "c")
    assert _state(app) == (3, 0, 3)
    _tap(client, token, "d")
    assert _state(app) == (4, 1, 3)


def test_a_worker_folds_once_enough_time_has_passed(app_factory):
    app = app_factory(ROLLUP_FOLD_EVERY=1000, ROLLUP_FOLD_SECONDS=0.0)
    token, client = _poster(app), app.test_client()
    for device in ("a", "b"):
        _tap(client, token, device)
        assert _state(app)[1:] == (0, int(device == "b") + 1)


def test_duplicates_do_not_bring_a_fold_closer(app_factory):
    app = app_factory(ROLLUP_FOLD_EVERY=2, ROLLUP_FOLD_SECONDS=3600.0)
    token, client = _poster(app), app.test_client()
    _tap(client, token, "a")
    assert client.post(URL, json={"token": token, "device_id": "a"}).status_code == 200
    assert _state(app) == (1, 1, 0)


def test_statistics_count_pending_checkins_before_answering(app_factory):
    app = app_factory(ROLLUP_FOLD_EVERY=1000, ROLLUP_FOLD_SECONDS=3600.0)
    token, client = _poster(app), app.test_client()
    for device in ("a", "b", "c"):
        _tap(client, token, device)
    with app.app_context():
        bearer = accounts.issue_token(UserFactory(admin=True, username="root"))
        db.session.commit()
    assert _state(app) == (3, 3, 0)
    today = datetime.now(UTC).date().isoformat()
    response = client.get(
        "/api/v1/stats/checkins",
        query_string={"from": today, "to": today},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert response.status_code == 200
    assert response.get_json()["total"] == 3
    assert _state(app) == (3, 0, 3)


def test_a_failed_fold_keeps_the_checkin_and_the_next_fold_counts_it(app_factory, monkeypatch):
    app = app_factory(ROLLUP_FOLD_EVERY=1, ROLLUP_FOLD_SECONDS=3600.0)
    token, client = _poster(app), app.test_client()

    def broken(limit):
        raise sa.exc.OperationalError("fold", {}, Exception("the database went away"))

    monkeypatch.setattr(fold, "_fold_chunk", broken)
    _tap(client, token, "a")
    assert _state(app) == (1, 1, 0)
    monkeypatch.undo()
    _tap(client, token, "b")
    assert _state(app) == (2, 0, 2)


def test_undo_takes_a_counted_checkin_out_and_a_pending_one_never_in(app):
    with app.app_context():
        station = StationFactory(region_code="520502")
        token = posters.current_poster(station).token
        counted, _ = checkins.record(token, "phone-1", None, now=T0)
        db.session.commit()
        assert fold.fold() == 1
        pending, _ = checkins.record(token, "phone-2", None, now=T0 + timedelta(seconds=1))
        db.session.commit()
        checkins.undo(counted.id, "phone-1", now=T0 + timedelta(minutes=1))
        checkins.undo(pending.id, "phone-2", now=T0 + timedelta(minutes=1))
        db.session.commit()
        assert fold.fold() == 0
        assert db.session.scalar(sa.select(sa.func.sum(CheckinRollup.count))) == 0
        days = db.session.execute(sa.select(CheckinAreaDay.count, CheckinAreaDay.uniq)).all()
        assert days and all(row == (0, 0) for row in days)


def test_concurrent_folds_count_each_checkin_once(app):
    with app.app_context():
        station = StationFactory(region_code="520502")
        token = posters.current_poster(station).token
        db.session.commit()
        for n in range(200):
            checkins.record(token, f"phone-{n}", None, now=T0 + timedelta(seconds=n))
        db.session.commit()
    counts, errors = [], []

    def worker():
        try:
            with app.app_context():
                counts.append(fold.fold())
                db.session.remove()
        except Exception as exc:  # reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(counts) == 200
    assert _state(app) == (200, 0, 200)


def test_the_cli_folds_what_is_pending(app, runner):
    with app.app_context():
        token = posters.current_poster(StationFactory(region_code="520502")).token
        checkins.record(token, "phone-1", None, now=T0)
        db.session.commit()
    result = runner.invoke(args=["checkins", "fold"])
    assert result.exit_code == 0, result.output
    assert "counted 1 pending check-ins" in result.output
    assert _state(app) == (1, 0, 1)


@pytest.mark.parametrize("wait", [True, False])
def test_folding_nothing_writes_nothing(app, wait):
    with app.app_context():
        assert fold.fold(wait=wait) == 0


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
