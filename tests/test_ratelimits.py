"""Check-in rate limits against the real Redis on 127.0.0.1:6379: per device first, per IP generously.

Nothing here skips: with Redis down these tests fail, as production would.
"""

import uuid

import pytest
import redis

from benchmarks.liveserver import Gunicorn, request
from stationfinder.extensions import db
from stationfinder.services.posters import tokens as posters
from tests.conftest import make_config
from tests.factories import StationFactory

REDIS_URL = "redis://127.0.0.1:6379/0"
URL = "/api/v1/checkins"


@pytest.fixture
def prefix():
    """Return a key prefix unique to this test, and remove its keys from Redis afterwards."""
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Raises (fails the test) when Redis is down.
    value = f"sf-test-{uuid.uuid4().hex[:12]}:"
    yield value
    for key in client.scan_iter(match=f"*{value}*"):
        client.delete(key)
    client.close()


def limited_config(prefix: str, **overrides) -> dict:
    return {
        "RATELIMIT_ENABLED": True,
        "REDIS_URL": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "RATELIMIT_CHECKIN_DEVICE": "3 per hour",
        "RATELIMIT_CHECKIN_IP": "1000 per hour",
        **overrides,
    }


@pytest.fixture
def token(app):
    with app.app_context():
        value = posters.current_poster(StationFactory()).token
        db.session.commit()
        return value


def test_device_limit_answers_429_problem_with_retry_after(app_factory, token, prefix):
    app = app_factory(**limited_config(prefix))
    client = app.test_client()
    statuses = [client.post(URL, json={"token": token, "device_id": "phone-1"}).status_code for _ in range(3)]
    assert statuses == [201, 200, 200]
    response = client.post(URL, json={"token": token, "device_id": "phone-1"})
    assert response.status_code == 429 and response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3601  # within the hour window (rounded up)
    # The same address with another phone is not locked out: riders share carrier-grade NAT.
    assert client.post(URL, json={"token": token, "device_id": "phone-2"}).status_code == 201
    keys = [k.decode() for k in redis.Redis.from_url(REDIS_URL).scan_iter(match=f"*{prefix}*")]
    assert keys and not [k for k in keys if "phone-1" in k or "phone-2" in k or "127.0.0.1" in k]


def test_a_busy_station_behind_one_address_is_never_locked_out(app_factory, token, prefix):
    app = app_factory(**limited_config(prefix))
    client = app.test_client()
    for n in range(60):
        response = client.post(URL, json={"token": token, "device_id": f"rider-{n}"})
        assert response.status_code == 201, n


def test_per_ip_limit_is_a_backstop(app_factory, token, prefix):
    app = app_factory(**limited_config(prefix, RATELIMIT_CHECKIN_IP="5 per hour"))
    client = app.test_client()
    statuses = [client.post(URL, json={"token": token, "device_id": f"d{n}"}).status_code for n in range(6)]
    assert statuses == [201] * 5 + [429]
    other_address = client.post(
        URL, json={"token": token, "device_id": "d9"}, environ_base={"REMOTE_ADDR": "10.9.8.7"}
    )
    assert other_address.status_code == 201


def test_page_taps_are_limited_per_device_cookie_with_a_friendly_page(app_factory, token, prefix):
    app = app_factory(**limited_config(prefix))
    client = app.test_client()
    client.get(f"/c/{token}")
    taps = [client.post(f"/c/{token}", data={}) for _ in range(3)]
    # A new check-in, then the same one again (303 to its confirmation: "/done/", then "/again/").
    assert [(t.status_code, t.location.split("/")[3]) for t in taps] == [
        (303, "done"),
        (303, "again"),
        (303, "again"),
    ]
    response = client.post(f"/c/{token}", data={})
    assert response.status_code == 429 and response.mimetype == "text/html"
    assert "Traceback" not in response.get_data(as_text=True)
    fresh = app.test_client()
    fresh.get(f"/c/{token}")
    assert "/done/" in fresh.post(f"/c/{token}", data={}).location


def test_limits_off_when_disabled(app_factory, token, prefix):
    app = app_factory(**limited_config(prefix, RATELIMIT_ENABLED=False))
    client = app.test_client()
    assert {client.post(URL, json={"token": token, "device_id": "p"}).status_code for _ in range(6)} == {
        200,
        201,
    }


def _alternate(servers, token: str, device: str, rounds: int) -> list[tuple[int, int]]:
    """POST the same device's check-in to the servers in turn; return (server index, status) pairs."""
    out = []
    connections = [server.connection() for server in servers]
    for n in range(rounds):
        index = n % len(servers)
        status, _ = request(connections[index], "POST", URL, {"token": token, "device_id": device})
        out.append((index, status))
    for conn in connections:
        conn.close()
    return out


def test_limit_holds_across_two_app_instances_sharing_redis(database, token, prefix):
    config = make_config(database, **limited_config(prefix))
    with Gunicorn(workers=1, config=config) as one, Gunicorn(workers=1, config=config) as two:
        assert one.port != two.port
        results = _alternate([one, two], token, "shared-phone", 6)
    assert [status for _, status in results[:3]] == [201, 200, 200]
    # Both instances refuse the fourth and later tries: they count in the same Redis.
    assert results[3:] == [(1, 429), (0, 429), (1, 429)]


def test_without_redis_each_instance_counts_alone(database, token, prefix):
    """The control for the test above: in-memory limits let a device through each instance separately."""
    config = make_config(database, **limited_config(prefix, REDIS_URL=None))
    with Gunicorn(workers=1, config=config) as one, Gunicorn(workers=1, config=config) as two:
        results = _alternate([one, two], token, "shared-phone", 6)
    assert [status for _, status in results] == [201, 200, 200, 200, 200, 200]


def test_anonymous_checkins_are_limited_per_poster_and_address(app_factory, token, prefix):
    app = app_factory(**limited_config(prefix, RATELIMIT_CHECKIN_ANONYMOUS="4 per hour"))
    client = app.test_client()
    statuses = [client.post(URL, json={"token": token}).status_code for _ in range(5)]
    assert statuses == [201] * 4 + [429]
    # The page without its cookie is the same anonymous tap and shares the bucket.
    page = app.test_client().post(f"/c/{token}", data={})
    assert page.status_code == 429 and page.mimetype == "text/html"
    # Riders with a device id at the same address, and anonymous riders elsewhere, are not held back.
    assert client.post(URL, json={"token": token, "device_id": "phone-1"}).status_code == 201
    elsewhere = client.post(URL, json={"token": token}, environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert elsewhere.status_code == 201
    with app.app_context():
        other = posters.current_poster(StationFactory()).token
        db.session.commit()
    assert client.post(URL, json={"token": other}).status_code == 201
    # An id that only respells "no id" is no way around it.
    assert client.post(URL, json={"token": token, "device_id": "   "}).status_code in (400, 429)
    keys = [k.decode() for k in redis.Redis.from_url(REDIS_URL).scan_iter(match=f"*{prefix}*anon*")]
    assert keys and not [k for k in keys if token in k or "127.0.0.1" in k]


def test_anonymous_limit_defaults_to_twenty_an_hour(app_factory, token, prefix):
    app = app_factory(**limited_config(prefix))
    assert app.config["RATELIMIT_CHECKIN_ANONYMOUS"] == "20 per hour"
    client = app.test_client()
    statuses = [client.post(URL, json={"token": token}).status_code for _ in range(21)]
    assert statuses == [201] * 20 + [429]
