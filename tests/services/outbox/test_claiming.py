"""Claims lease one due message to one worker; results retry with backoff, then give up."""

from datetime import timedelta

import pytest

from stationfinder.extensions import db
from stationfinder.models import OutboxMessage
from stationfinder.services import reports
from stationfinder.services.accounts import Scope
from stationfinder.services.outbox import claiming, listing
from tests.services.outbox.conftest import T0, hook

LEASE = 60


@pytest.fixture
def message(station):
    """Return the id of one pending message, due at T0."""
    hook("520502", "http://127.0.0.1:9/hook")
    reports.file_report("station", "no_water", station_id=station.id, now=T0)
    db.session.commit()
    return db.session.query(OutboxMessage).one().id


def _finish(claim, ok, now, max_tries=12):
    return claiming.finish(
        claim, ok=ok, status=200 if ok else 500, error="" if ok else "HTTP 500", now=now,
        max_tries=max_tries, first_retry_seconds=30,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("tries", "seconds"), [(1, 30), (2, 60), (3, 120), (4, 240), (10, 15360), (11, 21600), (12, 21600)]
)
def test_backoff_doubles_from_the_first_wait_up_to_six_hours(tries, seconds):
    assert claiming.backoff(tries, 30) == timedelta(seconds=seconds)


def test_a_claimed_message_is_not_claimed_again_while_leased(message):
    first = claiming.claim_next(T0, LEASE)
    db.session.commit()
    assert first.id == message and first.tries == 1
    assert claiming.claim_next(T0 + timedelta(seconds=LEASE - 1), LEASE) is None
    db.session.rollback()


def test_a_message_not_yet_due_is_not_claimed(message):
    assert claiming.claim_next(T0 - timedelta(seconds=1), LEASE) is None
    db.session.rollback()


def test_an_expired_lease_is_claimed_again_and_the_old_result_is_refused(message):
    lost = claiming.claim_next(T0, LEASE)
    db.session.commit()
    again = claiming.claim_next(T0 + timedelta(seconds=LEASE), LEASE)
    db.session.commit()
    assert again.id == message and again.tries == 2 and again.token != lost.token
    assert _finish(lost, True, T0 + timedelta(seconds=LEASE + 1)) is None
    db.session.commit()
    assert _finish(again, True, T0 + timedelta(seconds=LEASE + 2)) == "delivered"
    db.session.commit()
    row = db.session.get(OutboxMessage, message)
    assert row.status == "delivered" and row.lease_token is None and row.tries == 2


def test_a_failure_is_due_again_after_the_backoff(message):
    claim = claiming.claim_next(T0, LEASE)
    assert _finish(claim, False, T0) == "pending"
    db.session.commit()
    row = db.session.get(OutboxMessage, message)
    assert (
        row.due_at == T0 + timedelta(seconds=30) and row.last_status == 500 and row.last_error == "HTTP 500"
    )
    assert claiming.claim_next(T0 + timedelta(seconds=29), LEASE) is None
    assert claiming.claim_next(T0 + timedelta(seconds=30), LEASE).tries == 2
    db.session.rollback()


def test_a_message_is_abandoned_after_the_last_try_and_can_be_sent_again(message):
    now = T0
    for _ in range(2):
        claim = claiming.claim_next(now, LEASE)
        outcome = _finish(claim, False, now, max_tries=2)
        db.session.commit()
        now += timedelta(hours=7)
    assert outcome == "abandoned"
    assert claiming.claim_next(now, LEASE) is None
    db.session.rollback()
    assert [m.id for m in listing.abandoned(Scope())] == [message]
    assert listing.counts(Scope()) == {"pending": 0, "delivered": 0, "abandoned": 1}
    assert listing.abandoned(Scope(region="520100")) == []
    listing.retry(message, Scope(region="520000"), now=now)
    db.session.commit()
    row = db.session.get(OutboxMessage, message)
    assert (row.status, row.tries, row.due_at) == ("pending", 0, now)
    assert claiming.pending_count(now) == 1


def test_retry_outside_the_scope_or_of_a_pending_message_is_refused(message):
    from stationfinder.services.errors import Conflict, NotFound

    with pytest.raises(NotFound):
        listing.retry(message, Scope(region="520100"))
    with pytest.raises(NotFound):
        listing.retry(message, Scope(station_ids=frozenset({1})))
    with pytest.raises(Conflict):
        listing.retry(message, Scope())
