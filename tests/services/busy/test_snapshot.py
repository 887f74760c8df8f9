"""Busy-now snapshots at frozen times: riders present, 30 days of data, the 30-second refresh."""

from datetime import date, timedelta

import numpy as np
import pytest
import sqlalchemy as sa
import time_machine

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import Checkin, utcnow
from stationfinder.services import busy, checkins
from stationfinder.services.busy import counting, snapshot
from stationfinder.services.busy.levels import MIN_CHECKINS
from stationfinder.services.nearest import search as nearest
from tests.busy_world import T0, arrive, give_history, token_of
from tests.factories import StationFactory

TODAY = date(2025, 3, 10)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def level(station) -> str:
    return busy.current().level(station.id, station.status)


def test_six_riders_fill_a_four_seat_station_and_41_minutes_later_it_is_no_longer_full(ctx, clock):
    station = StationFactory(seats=4)
    give_history(station)
    arrive(station, 6)
    assert level(station) == "full"
    # DWELL_MINUTES (40): a rider who checked in 40 minutes ago still counts, one minute later not.
    clock.shift(timedelta(minutes=40))
    assert level(station) == "full"
    clock.shift(timedelta(minutes=1))
    assert level(station) == "quiet"


def test_a_snapshot_answers_for_30_seconds_then_is_read_again(ctx, clock):
    station = StationFactory(seats=4)
    give_history(station)
    arrive(station, 1)
    assert level(station) == "quiet"
    clock.shift(timedelta(seconds=10))
    arrive(station, 2, now=T0 + timedelta(seconds=10), first=1)
    clock.shift(timedelta(seconds=19))
    assert level(station) == "quiet"  # 29 s old: still the snapshot of T0
    clock.shift(timedelta(seconds=1))
    assert level(station) == "busy"  # 3 riders of 4 seats


def test_fewer_than_20_checkins_in_30_days_is_unknown_however_crowded(ctx, clock):
    station = StationFactory(seats=4)
    # The 30 days are today and the 29 local days before it: 30 days ago no longer counts.
    give_history(station, n=MIN_CHECKINS, days_ago=30)
    give_history(station, n=MIN_CHECKINS - 7, days_ago=29)
    arrive(station, 6)
    assert level(station) == "unknown"  # 13 + 6 = 19 check-ins
    clock.shift(timedelta(seconds=30))
    arrive(station, 1, now=T0 + timedelta(seconds=30), first=6)
    assert level(station) == "full"  # the 20th check-in, today


def test_no_data_at_all_is_unknown(ctx, clock):
    station = StationFactory()
    db.session.commit()
    assert level(station) == "unknown"
    assert busy.current().level(10**9, "open") == "unknown"


@pytest.mark.parametrize("seats", [None, 0])
def test_seats_unknown_means_a_capacity_of_5(ctx, clock, seats):
    station = StationFactory(seats=seats)
    give_history(station)
    arrive(station, 2)
    assert level(station) == "quiet"
    clock.shift(timedelta(seconds=30))
    arrive(station, 1, now=T0 + timedelta(seconds=30), first=2)
    assert level(station) == "busy"
    clock.shift(timedelta(seconds=30))
    arrive(station, 2, now=T0 + timedelta(seconds=60), first=3)
    assert level(station) == "full"


def test_a_rider_tapping_again_in_the_window_counts_once_and_anonymous_taps_each_count(ctx, clock):
    station = StationFactory(seats=4)
    give_history(station)
    arrive(station, 2)
    # 35 minutes on, past the dedupe window (30): the same two riders tap again and get new rows.
    clock.shift(timedelta(minutes=35))
    arrive(station, 2, now=T0 + timedelta(minutes=35))
    rows = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Checkin)
        .where(Checkin.created_at >= T0, Checkin.station_id == station.id)
    )
    assert rows == 4
    assert level(station) == "busy"  # two riders, not four check-ins
    clock.shift(timedelta(seconds=30))
    arrive(station, 2, now=T0 + timedelta(minutes=35, seconds=30), device=False)
    assert level(station) == "full"  # and two riders without a device id


def test_an_undone_checkin_no_longer_counts(ctx, clock):
    station = StationFactory(seats=4)
    give_history(station)
    token = token_of(station)
    made = [checkins.record(token, f"phone-{i}", None)[0] for i in range(4)]
    db.session.commit()
    assert level(station) == "full"
    checkins.undo(made[0].id, "phone-0")
    db.session.commit()
    clock.shift(timedelta(seconds=30))
    assert level(station) == "busy"


def test_dwell_minutes_is_a_setting(app_factory):
    app = app_factory(DWELL_MINUTES=10)
    with app.app_context(), time_machine.travel(T0, tick=False) as clock:
        station = StationFactory(seats=4)
        give_history(station)
        arrive(station, 6)
        clock.shift(timedelta(minutes=10))
        assert level(station) == "full"
        clock.shift(timedelta(minutes=1))
        assert level(station) == "quiet"


def test_checkins_still_pending_count_once_before_and_after_the_fold(ctx):
    station = StationFactory()
    give_history(station, n=10, days_ago=3)
    give_history(station, n=5, days_ago=2, fold=False)
    arrive(station, 4)  # today, pending too
    first, last = TODAY - timedelta(days=29), TODAY

    def counts():
        with db.engine.connect() as conn:
            ids, totals = counting.checkins_per_station(conn, first, last)
        return dict(zip(ids.tolist(), totals.tolist(), strict=True))

    assert counts() == {station.id: 19}
    units.fold()
    assert counts() == {station.id: 19}
    with db.engine.connect() as conn:
        ids, totals = counting.checkins_per_station(conn, TODAY, TODAY)
    assert (ids.tolist(), totals.tolist()) == ([station.id], [4])


def test_the_earlier_days_are_read_once_per_local_day(ctx, clock, monkeypatch):
    station = StationFactory(seats=4)
    give_history(station)
    asked = []
    original = counting.checkins_per_station

    def spy(conn, first, last):
        asked.append((first, last))
        return original(conn, first, last)

    monkeypatch.setattr(counting, "checkins_per_station", spy)
    busy.current()
    assert asked == [(TODAY - timedelta(days=29), TODAY - timedelta(days=1)), (TODAY, TODAY)]
    asked.clear()
    clock.shift(timedelta(seconds=30))
    busy.current()
    assert asked == [(TODAY, TODAY)]
    asked.clear()
    clock.shift(timedelta(days=1))
    assert level(station) == "quiet"  # yesterday's 20 still count
    tomorrow = TODAY + timedelta(days=1)
    assert asked == [(tomorrow - timedelta(days=29), TODAY), (tomorrow, tomorrow)]


def test_a_station_that_is_not_open_has_no_level(ctx, clock):
    station = StationFactory(seats=4)
    give_history(station)
    arrive(station, 6)
    assert busy.current().level(station.id, "open") == "full"
    assert busy.current().level(station.id, "temporarily_closed") == "unknown"
    assert busy.current().level(station.id, "closed") == "unknown"


def test_levels_over_the_index_rows_are_kept_per_index(ctx, clock):
    full = StationFactory(seats=4, lat=26.58, lon=106.71)
    quiet = StationFactory(seats=4, lat=26.59, lon=106.71)
    paused = StationFactory(seats=4, lat=26.60, lon=106.71, status="temporarily_closed")
    other = StationFactory(lat=26.61, lon=106.71)
    for station in (full, quiet):
        give_history(station)
    arrive(full, 4)
    index = nearest.get_index()
    snapshot = busy.current()
    rows = snapshot.for_index(index)
    assert snapshot.for_index(index) is rows
    by_id = dict(zip(index.ids.tolist(), rows.codes.tolist(), strict=True))
    assert [busy.LEVELS[by_id[s.id]] for s in (full, quiet, paused, other)] == [
        "full",
        "quiet",
        "unknown",
        "unknown",
    ]
    assert np.flatnonzero(rows.full).tolist() == [index.ids.tolist().index(full.id)]
    clock.shift(timedelta(minutes=41))
    assert busy.current().for_index(index).full is None  # nobody full: the search is not filtered at all


def test_a_failed_read_answers_unknown_until_the_next_try(ctx, clock, monkeypatch, caplog):
    station = StationFactory(seats=4)
    give_history(station)
    arrive(station, 6)

    def broken(*args):
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection lost"))

    monkeypatch.setattr(counting, "riders_present", broken)
    assert level(station) == "unknown"
    assert "busy-now snapshot failed" in caplog.text
    monkeypatch.undo()
    assert level(station) == "unknown"  # not retried on every request
    clock.shift(timedelta(seconds=30))
    assert level(station) == "full"


def test_a_served_worker_renews_the_snapshot_before_any_request_finds_it_old(app_factory, monkeypatch):
    import stationfinder

    # A served app (not a test app) starts the keeper; it would also freeze the test process's heap.
    monkeypatch.setattr(stationfinder, "settle_memory", lambda app: None)
    # Renew at every look, and look often: the test must not wait 25 s of real time.
    monkeypatch.setattr(snapshot, "_RENEW_AT", timedelta(0))
    monkeypatch.setattr(snapshot, "KEEPER_TICK_SECONDS", 0.02)
    app = app_factory(TESTING=False)
    with app.app_context():
        station = StationFactory(seats=4)
        give_history(station, now=utcnow())
        first = busy.current()
        board = snapshot.board()
        try:
            assert board.keeper is not None and board.keeper.is_alive()
            assert first.level(station.id, "open") == "quiet"
            arrive(station, 6, now=utcnow())
            # Nothing asks for a level meanwhile: only the keeper can notice the riders.
            for _ in range(500):
                latest = board.snapshot
                if latest is not first and latest.level(station.id, "open") == "full":
                    break
                board.stop.wait(0.02)
            assert board.snapshot.level(station.id, "open") == "full"
        finally:
            board.stop.set()
            board.keeper.join(10)
        assert not board.keeper.is_alive()


def test_the_keeper_leaves_a_young_snapshot_alone_and_renews_an_old_one(ctx, clock):
    station = StationFactory(seats=4)
    give_history(station)
    board = snapshot.board()
    young = busy.current()
    arrive(station, 6)
    board.renew(T0 + timedelta(seconds=24))
    assert board.snapshot is young
    board.renew(T0 + timedelta(seconds=25))
    assert board.snapshot is not young
    assert board.snapshot.at == T0 + timedelta(seconds=25)
    assert board.snapshot.level(station.id, "open") == "full"
    # A test app never starts a keeper: its clock is moved by hand.
    assert board.keeper is None
