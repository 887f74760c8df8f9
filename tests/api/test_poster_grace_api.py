"""POST /api/v1/checkins with a replaced poster: counted during the grace period, then 410."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from stationfinder.services import checkins as checkin_service
from stationfinder.services.checkins.recording import POSTERS
from stationfinder.services.posters import tokens as posters
from tests.api.test_checkins_api import URL, assert_problem, counted
from tests.factories import StationFactory

T0 = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
IN_GRACE = T0 + timedelta(hours=23, minutes=59)
AFTER = T0 + timedelta(hours=24)


@pytest.fixture
def rotated(app, client):
    """Check in once (the worker learns the poster), rotate it at T0; return (old token, station id)."""
    with app.app_context():
        station = StationFactory()
        token = posters.current_poster(station).token
        db.session.commit()
        station_id = station.id
    with time_machine.travel(T0, tick=False):
        assert client.post(URL, json={"token": token, "device_id": "phone-0"}).status_code == 201
        with app.app_context():
            posters.rotate(db.session.get(Station, station_id), None)
            db.session.commit()
    return token, station_id


def forget_posters(app):
    """Forget what this worker learnt of posters, as a freshly started worker has."""
    POSTERS.clear(app)


def test_the_old_token_counts_during_the_grace_period_remembered_or_read_afresh(app, client, rotated):
    token, station_id = rotated
    with time_machine.travel(IN_GRACE, tick=False):
        # PostgreSQL: the poster is remembered, and the check-in's own statement checks the grace period.
        response = client.post(URL, json={"token": token, "device_id": "phone-1"})
        assert response.status_code == 201 and response.get_json()["checkin"]["station"]["id"] == station_id
        forget_posters(app)
        assert client.post(URL, json={"token": token, "device_id": "phone-2"}).status_code == 201
        assert client.post(URL, json={"token": token}).status_code == 201
    assert counted(app) == (4, 4)


def test_duplicates_and_the_service_honour_the_grace_period_too(app, client, rotated):
    token, _ = rotated
    with time_machine.travel(IN_GRACE, tick=False):
        first = client.post(URL, json={"token": token, "device_id": "phone-1"}).get_json()
    # Inside the dedupe window the same check-in comes back.
    with time_machine.travel(IN_GRACE + timedelta(seconds=30), tick=False):
        response = client.post(URL, json={"token": token, "device_id": "phone-1"})
        assert response.status_code == 200 and response.get_json()["checkin"] == first["checkin"]
    with app.app_context():
        checkin, duplicate = checkin_service.record(token, "phone-3", None, now=IN_GRACE)
        db.session.commit()
        assert not duplicate and checkin.poster_id is not None
    assert counted(app) == (3, 3)


def test_after_the_grace_period_the_old_token_answers_410_remembered_or_not(app, client, rotated):
    token, _ = rotated
    with time_machine.travel(IN_GRACE, tick=False):
        assert client.post(URL, json={"token": token, "device_id": "phone-1"}).status_code == 201
    with time_machine.travel(AFTER, tick=False):
        # Known to the worker (PostgreSQL): the check-in's statement notices; then looked up afresh.
        body = assert_problem(client.post(URL, json={"token": token, "device_id": "phone-2"}), 410)
        assert body["type"].endswith("poster-retired")
        forget_posters(app)
        assert_problem(client.post(URL, json={"token": token, "device_id": "phone-3"}), 410)
        assert_problem(client.post(URL, json={"token": token}), 410)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Checkin)) == 2
