"""The one check-in path as the views call it (``units.check_in``, one transaction each), at chosen times.

Each call below writes in a transaction of its own, as in production: on SQLite
it takes the write lock at BEGIN, on PostgreSQL it is one guarded statement in
autocommit. ``now`` moves the
check-in to just before and just after local midnight and across the dedupe window.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import Checkin, DeviceDay, DevicePresence
from stationfinder.services import checkins
from stationfinder.services.posters import tokens as posters
from stationfinder.services.rollups import counting as rollups
from tests.factories import StationFactory

MIDNIGHT = datetime(2025, 3, 10, 16, 0, tzinfo=UTC)  # 00:00 on 11 March in Shanghai
WINDOW = timedelta(minutes=30)
EVERY_SCOPE = 0b11111


@pytest.fixture
def token(app):
    with app.app_context():
        value = posters.current_poster(StationFactory(region_code="520502")).token
        db.session.commit()
        yield value


def tap(token, device="phone-1", at=MIDNIGHT):
    # End the test's own reads: a request starts outside any transaction, so check_in writes in its own.
    db.session.commit()
    return units.check_in(token, device, None, now=at)


def stored(checkin_id: int) -> Checkin:
    return db.session.get(Checkin, checkin_id, populate_existing=True)


@pytest.mark.parametrize("offset", [timedelta(microseconds=-1), timedelta(0)])
def test_a_first_tap_on_either_side_of_midnight_counts_on_its_local_day(token, offset):
    checkin, duplicate = tap(token, at=MIDNIGHT + offset)
    assert not duplicate and checkin.unique_mask == EVERY_SCOPE
    day = date(2025, 3, 10) if offset else date(2025, 3, 11)
    assert stored(checkin.id).local_day == day
    assert stored(checkin.id).device_hash == checkins.device_hash("phone-1", day)
    assert db.session.scalars(sa.select(DeviceDay.local_day).distinct()).all() == [day]


@pytest.mark.parametrize(
    ("before", "after", "duplicate"),
    [
        # Yesterday's hash is looked up too: the window holds across midnight.
        (timedelta(microseconds=-1), timedelta(0), True),
        (-WINDOW + timedelta(seconds=1), timedelta(seconds=1), True),
        (-WINDOW, timedelta(0), True),
        # Just past the window: a new visit, and the first of the new day in every scope.
        (-WINDOW, timedelta(microseconds=1), False),
        (timedelta(minutes=-1), WINDOW - timedelta(minutes=1) + timedelta(microseconds=1), False),
    ],
)
def test_the_dedupe_window_across_local_midnight(token, before, after, duplicate):
    first, _ = tap(token, at=MIDNIGHT + before)
    again, was_duplicate = tap(token, at=MIDNIGHT + after)
    assert was_duplicate is duplicate
    if duplicate:
        assert again.id == first.id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Checkin)) == 1
    else:
        assert again.id != first.id and again.local_day == date(2025, 3, 11)
        assert again.device_hash != first.device_hash and again.unique_mask == EVERY_SCOPE


@pytest.mark.parametrize(
    ("after", "duplicate"),
    [(timedelta(seconds=1), True), (WINDOW, True), (WINDOW + timedelta(microseconds=1), False)],
)
def test_the_dedupe_window_within_a_day(token, after, duplicate):
    noon = MIDNIGHT - timedelta(hours=12)
    first, _ = tap(token, at=noon)
    again, was_duplicate = tap(token, at=noon + after)
    assert was_duplicate is duplicate and (again.id == first.id) is duplicate
    if not duplicate:
        # Counted again, but the device was already seen in every scope today.
        assert again.unique_mask == 0 and again.device_hash == first.device_hash
        presence = db.session.scalar(sa.select(DevicePresence.last_at))
        assert presence == noon + after


def test_a_presence_without_its_checkin_counts_the_next_tap_and_restarts_the_window(token):
    first, _ = tap(token)
    # Edited by hand: the check-in went, its presence stayed.
    db.session.execute(sa.delete(Checkin).where(Checkin.id == first.id))
    db.session.commit()
    again, duplicate = tap(token, at=MIDNIGHT + timedelta(minutes=1))
    assert not duplicate and stored(again.id).created_at == MIDNIGHT + timedelta(minutes=1)
    assert db.session.scalar(sa.select(DevicePresence.last_at)) == MIDNIGHT + timedelta(minutes=1)
    assert tap(token, at=MIDNIGHT + timedelta(minutes=2))[0].id == again.id


def test_anonymous_taps_each_count_and_claim_nothing(token):
    made = {tap(token, device=None)[0].id for _ in range(3)}
    assert len(made) == 3
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DevicePresence)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(DeviceDay)) == 0


def test_the_unique_bits_come_from_the_scopes_the_device_is_new_in(token):
    first, _ = tap(token)
    other = posters.current_poster(StationFactory(region_code="520503")).token  # same city, other county
    db.session.commit()
    second, _ = tap(other, at=MIDNIGHT + timedelta(minutes=1))
    assert first.unique_mask == EVERY_SCOPE
    assert second.unique_mask == rollups.UNIQUE_STATION | rollups.UNIQUE_COUNTY
