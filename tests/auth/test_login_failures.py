"""The per-(address, username) login limit counts failures only, in the real Redis on 127.0.0.1:6379.

Nothing here skips: with Redis down these tests fail, as production would.
"""

import uuid

import pytest
import redis

from stationfinder.extensions import db
from tests.factories import UserFactory
from tests.staff import login

REDIS_URL = "redis://127.0.0.1:6379/0"
WRONG = "wrong password!"


@pytest.fixture
def limited_app(app_factory):
    """Return an app limiting logins in Redis (3 failures per address and username); clean up its keys."""
    client = redis.Redis.from_url(REDIS_URL)
    client.ping()  # Raises (fails the test) when Redis is down.
    prefix = f"sf-test-{uuid.uuid4().hex[:12]}:"
    app = app_factory(
        RATELIMIT_ENABLED=True,
        REDIS_URL=REDIS_URL,
        RATELIMIT_KEY_PREFIX=prefix,
        RATELIMIT_LOGIN="3 per 15 minutes",
        RATELIMIT_LOGIN_IP="100 per 15 minutes",
    )
    with app.app_context():
        UserFactory(username="bj_staff")
        UserFactory(username="gy_staff")
        db.session.commit()
    yield app
    keys = list(client.scan_iter(match=f"*{prefix}*"))
    for key in keys:
        client.delete(key)
    client.close()


def log_in_and_out(client, username="bj_staff", password=None):
    response = login(client, username) if password is None else login(client, username, password)
    if response.status_code == 302:
        client.post("/logout")
    return response.status_code


def test_good_logins_do_not_count_toward_the_lockout(limited_app):
    client = limited_app.test_client()
    # The case: 9 good logins, then one typo, used to lock the account out for 15 minutes.
    assert [log_in_and_out(client) for _ in range(9)] == [302] * 9
    assert log_in_and_out(client, password=WRONG) == 200
    assert log_in_and_out(client) == 302


def test_repeated_failures_lock_out_even_the_right_password(limited_app):
    client = limited_app.test_client()
    assert [log_in_and_out(client, password=WRONG) for _ in range(3)] == [200, 200, 200]
    response = login(client, "bj_staff")
    assert response.status_code == 429 and "登录尝试次数过多" in response.get_data(as_text=True)
    # Only that username from that address waits.
    assert log_in_and_out(client, "gy_staff") == 302


def test_a_successful_login_clears_the_users_failures(limited_app):
    client = limited_app.test_client()
    assert [log_in_and_out(client, password=WRONG) for _ in range(2)] == [200, 200]
    assert log_in_and_out(client) == 302
    # Without the clearing these would be failures 3 and 4 of 3 allowed: the next login would wait.
    assert [log_in_and_out(client, password=WRONG) for _ in range(2)] == [200, 200]
    assert log_in_and_out(client) == 302
    assert [log_in_and_out(client, password=WRONG) for _ in range(3)] == [200, 200, 200]
    assert log_in_and_out(client) == 429


def test_a_success_does_not_clear_the_per_address_failures(limited_app):
    client = limited_app.test_client()
    limited_app.config["RATELIMIT_LOGIN_IP"] = "3 per 15 minutes"
    # Guesses at other accounts from one address are not forgiven by logging in to one's own.
    assert [log_in_and_out(client, f"guess-{n}", WRONG) for n in range(2)] == [200, 200]
    assert log_in_and_out(client, "gy_staff") == 302
    assert log_in_and_out(client, "guess-9", WRONG) == 200
    assert log_in_and_out(client, "bj_staff") == 429
