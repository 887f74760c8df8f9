"""Units of work that commit: a check-in and its worker's fold cadence, and the fold loop itself."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import Checkin, CheckinRollup
from stationfinder.services import checkins
from stationfinder.services.posters import tokens as posters
from stationfinder.services.rollups import fold as rollup_fold
from tests.factories import StationFactory

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


def _record(app, n: int) -> None:
    """Record n check-ins, committed and left pending."""
    token = _poster(app)
    with app.app_context():
        for i in range(n):
            checkins.record(token, f"phone-{i}", None, now=T0 + timedelta(seconds=i))
        db.session.commit()


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


def test_a_failed_fold_keeps_the_checkin_and_the_next_fold_counts_it(app_factory, monkeypatch):
    app = app_factory(ROLLUP_FOLD_EVERY=1, ROLLUP_FOLD_SECONDS=3600.0)
    token, client = _poster(app), app.test_client()

    def broken(limit):
        raise sa.exc.OperationalError("fold", {}, Exception("the database went away"))

    monkeypatch.setattr(rollup_fold, "fold_chunk", broken)
    _tap(client, token, "a")
    assert _state(app) == (1, 1, 0)
    monkeypatch.undo()
    _tap(client, token, "b")
    assert _state(app) == (2, 0, 2)


def test_check_in_inside_a_transaction_commits_it(app_factory):
    app = app_factory(ROLLUP_FOLD_EVERY=1000, ROLLUP_FOLD_SECONDS=3600.0)
    token = _poster(app)
    with app.app_context():
        db.session.scalar(sa.select(1))  # a script that has read something first
        assert db.session().in_transaction()
        _, duplicate = units.check_in(token, "phone-1", None, now=T0)
        assert not db.session().in_transaction()
        db.session.rollback()
    assert not duplicate
    assert _state(app) == (1, 1, 0)


def test_a_fold_commits_chunk_by_chunk_until_nothing_is_pending(app, monkeypatch):
    _record(app, 5)
    monkeypatch.setattr(rollup_fold, "CHUNK", 2)
    with app.app_context():
        assert units.fold() == 5
    assert _state(app) == (5, 0, 5)


def test_concurrent_folds_count_each_checkin_once(app):
    _record(app, 200)
    counts, errors = [], []

    def worker():
        try:
            with app.app_context():
                counts.append(units.fold())
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


def _fold_beside_a_writer(app, wait: bool) -> tuple[list, float]:
    """Run units.fold in another thread while this one holds the rollup writer lock; return its answer."""
    answers: list = []

    def other():
        with app.app_context():
            answers.append(units.fold(wait=wait))
            db.session.remove()

    with app.app_context():
        assert rollup_fold.lock()
        started = time.monotonic()
        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=10)
        took = time.monotonic() - started
        db.session.rollback()
    thread.join()
    return answers, took


@pytest.mark.parametrize("wait", [True, False])
def test_folding_nothing_takes_no_lock_and_writes_nothing(app, wait):
    answers, took = _fold_beside_a_writer(app, wait)
    assert answers == [0] and took < 5


def test_a_fold_that_may_not_wait_gives_way_to_another_writer(app, database):
    if database["backend"] != "postgresql":
        # SQLite has one write lock, taken at BEGIN IMMEDIATE and waited for (busy_timeout):
        # there is no try-lock, so a fold that may not wait still takes it.
        with app.app_context():
            assert rollup_fold.lock(wait=False) is True
            assert db.session().in_transaction()
            db.session.rollback()
        return
    _record(app, 1)
    answers, took = _fold_beside_a_writer(app, wait=False)
    assert answers == [None] and took < 5
    assert _state(app) == (1, 1, 0)
