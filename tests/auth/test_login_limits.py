"""Login throttling per address across usernames, and limiter keys that hold no address or username."""

import hashlib
import uuid

import pytest
import redis

from stationfinder.extensions import db
from tests.factories import UserFactory
from tests.staff import login

REDIS_URL = "redis://127.0.0.1:6379/0"
ADDRESS = "203.0.113.7"


def make_app(app_factory, users=True, **overrides):
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_KEY_PREFIX": f"sf-test-{uuid.uuid4().hex[:12]}:",
        "RATELIMIT_LOGIN": "10 per 15 minutes",
        "RATELIMIT_LOGIN_IP": "5 per 15 minutes",
        **overrides,
    }
    app = app_factory(**config)
    if not users:
        return app
    with app.app_context():
        for name in ("gy", "bj", "zy"):
            UserFactory(username=name)
        db.session.commit()
    return app


def test_failed_logins_are_throttled_per_address_across_usernames(app_factory):
    app = make_app(app_factory)
    client = app.test_client()
    for n in range(5):
        assert login(client, f"guess-{n}", "wrong password!").status_code == 200
    response = login(client, "gy")  # a sixth username, even with the right password, waits
    assert response.status_code == 429
    assert "登录尝试次数过多" in response.get_data(as_text=True)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    assert login(other, "gy").status_code == 302


def test_successful_logins_do_not_use_up_the_address_limit(app_factory):
    app = make_app(app_factory, RATELIMIT_LOGIN_IP="2 per 15 minutes")
    client = app.test_client()
    # Staff of one station behind one NAT address log in one after another.
    for _ in range(3):
        for name in ("gy", "bj", "zy"):
            assert login(client, name).status_code == 302
            client.post("/logout")
    assert login(client, "gy", "wrong password!").status_code == 200
    assert login(client, "bj", "wrong password!").status_code == 200
    assert login(client, "zy").status_code == 429


def test_the_per_username_limit_still_holds(app_factory):
    app = make_app(app_factory, RATELIMIT_LOGIN="2 per 15 minutes", RATELIMIT_LOGIN_IP="30 per 15 minutes")
    client = app.test_client()
    assert [login(client, "gy", "wrong password!").status_code for _ in range(2)] == [200, 200]
    assert login(client, "gy").status_code == 429
    assert login(client, "bj").status_code == 302


@pytest.fixture
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Raises (fails the test) when Redis is down.
    yield client
    client.close()


def stored_keys(app, redis_client) -> list[str]:
    prefix = app.config["RATELIMIT_KEY_PREFIX"]
    keys = [k.decode() for k in redis_client.scan_iter(match=f"*{prefix}*")]
    for key in keys:
        redis_client.delete(key)
    return keys


def test_limiter_keys_are_keyed_hashes_of_the_address_and_username(app_factory, redis_client):
    found = []
    for secret in ("first-secret-0123456789abcdef", "second-secret-0123456789abcdef"):
        app = make_app(app_factory, users=False, REDIS_URL=REDIS_URL, SECRET_KEY=secret)
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = ADDRESS
        assert login(client, "GY", "wrong password!").status_code == 200
        keys = stored_keys(app, redis_client)
        assert len(keys) == 2, keys  # per (address, username) and per address
        found.append(keys)
    plain = [
        ADDRESS,
        hashlib.sha256(ADDRESS.encode()).hexdigest()[:32],
        hashlib.sha256(f"{ADDRESS}|gy".encode()).hexdigest()[:32],  # the old, unkeyed login key
        "gy",
        "GY",
    ]
    for keys in found:
        assert not [k for k in keys for p in plain if p in k.lower().split("/", 1)[1]], keys
    # Under another SECRET_KEY the same address and username make other keys: they are HMACs.
    strip = [{k.split(":", 1)[1] for k in keys} for keys in found]
    assert strip[0].isdisjoint(strip[1])
