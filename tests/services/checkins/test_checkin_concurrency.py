"""No check-in lost or counted twice under concurrent requests to a real gunicorn with 4 workers.

Runs on the session's database: SQLite (WAL, BEGIN IMMEDIATE) or PostgreSQL (ON CONFLICT).
"""

import random
from collections import Counter

import pytest
import sqlalchemy as sa

from benchmarks.liveserver import Gunicorn, blast, run_load
from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import Checkin, CheckinRollup, DeviceDay, DevicePresence
from stationfinder.services.posters import tokens as posters
from tests.conftest import make_config
from tests.factories import StationFactory

URL = "/api/v1/checkins"


@pytest.fixture(scope="module")
def gunicorn(database):
    """Run one gunicorn (4 workers) on the session's database for the whole module.

    Each worker folds its check-ins into the rollups every 5, so folds race each other and the
    check-ins still arriving.
    """
    config = make_config(database, ROLLUP_FOLD_EVERY=5, ROLLUP_FOLD_SECONDS=3600.0)
    with Gunicorn(workers=4, config=config) as running:
        yield running


@pytest.fixture
def server(app, gunicorn):
    """Return (server, poster tokens of three fresh stations); the app fixture wipes rows afterwards."""
    with app.app_context():
        tokens = [posters.current_poster(StationFactory(region_code="520502")).token for _ in range(3)]
        db.session.commit()
    return gunicorn, tokens


def pending(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Checkin).where(Checkin.pending))


def totals(app) -> dict:
    with app.app_context():
        units.fold()
        checkins = db.session.scalar(sa.select(sa.func.count()).select_from(Checkin))
        rollup = db.session.execute(
            sa.select(
                sa.func.coalesce(sa.func.sum(CheckinRollup.count), 0),
                sa.func.coalesce(sa.func.sum(CheckinRollup.u_station), 0),
                sa.func.coalesce(sa.func.sum(CheckinRollup.u_all), 0),
            )
        ).one()
        presence = db.session.scalar(sa.select(sa.func.count()).select_from(DevicePresence))
        everywhere = db.session.scalar(
            sa.select(sa.func.count()).select_from(DeviceDay).where(DeviceDay.scope == "*")
        )
    return {
        "checkins": checkins,
        "count": rollup[0],
        "u_station": rollup[1],
        "u_all": rollup[2],
        "presence": presence,
        "devices": everywhere,
    }


def test_one_device_tapping_at_once_is_counted_exactly_once(app, server):
    running, tokens = server
    jobs = [("POST", URL, {"token": tokens[0], "device_id": "same-phone"})] * 32
    results = run_load(running.port, jobs, concurrency=32, barrier=True)
    statuses = Counter(status for status, _, _ in results)
    assert statuses == {201: 1, 200: 31}, results[:3]
    assert len({body["checkin"]["id"] for _, body, _ in results}) == 1
    assert totals(app) == dict(checkins=1, count=1, u_station=1, u_all=1, presence=1, devices=1)


def test_many_devices_at_once_lose_nothing(app, server):
    running, tokens = server
    jobs = [("POST", URL, {"token": tokens[n % 3], "device_id": f"phone-{n}"}) for n in range(300)]
    results = run_load(running.port, jobs, concurrency=24, barrier=True)
    assert Counter(status for status, _, _ in results) == {201: 300}
    assert len({body["checkin"]["id"] for _, body, _ in results}) == 300
    # The workers folded as they went: only the last few of each worker can still wait.
    assert pending(app) < 100
    assert totals(app) == dict(checkins=300, count=300, u_station=300, u_all=300, presence=300, devices=300)


def test_mixed_repeats_and_stations_count_each_device_once_per_station(app, server):
    running, tokens = server
    rng = random.Random(7)
    # 40 phones, each tapping 3 times at each of the 3 stations, all shuffled together.
    jobs = [
        ("POST", URL, {"token": t, "device_id": f"phone-{n}"})
        for n in range(40)
        for t in tokens
        for _ in range(3)
    ]
    rng.shuffle(jobs)
    results = run_load(running.port, jobs, concurrency=24, barrier=True)
    assert Counter(status for status, _, _ in results) == {201: 120, 200: 240}
    # Unique per station: every phone once at each station; unique overall: once per phone.
    assert totals(app) == dict(checkins=120, count=120, u_station=120, u_all=40, presence=120, devices=40)


def test_anonymous_taps_without_device_ids_all_count(app, server):
    running, tokens = server
    jobs = [("POST", URL, {"token": tokens[1]})] * 100
    results = run_load(running.port, jobs, concurrency=20, barrier=True)
    assert Counter(status for status, _, _ in results) == {201: 100}
    assert totals(app) == dict(checkins=100, count=100, u_station=0, u_all=0, presence=0, devices=0)


def test_one_connection_per_tap_as_the_benchmark_sends_them(app, server):
    # The throughput benchmark's generator: prepared requests, a new connection for each.
    running, tokens = server
    jobs = [("POST", URL, {"token": tokens[n % 3], "device_id": f"phone-{n % 150}"}) for n in range(200)]
    jobs.append(("POST", URL, {"token": "no-such-poster", "device_id": "phone-1"}))
    results = blast(running.port, jobs, concurrency=16)
    assert [status for status, _ in results[-1:]] == [404]
    # Phones 0-49 come back to the same station (n and n + 150 share n % 3): duplicates.
    assert Counter(status for status, _ in results[:-1]) == {201: 150, 200: 50}
    assert totals(app) == dict(checkins=150, count=150, u_station=150, u_all=150, presence=150, devices=150)
