"""TRUSTED_PROXIES: with n proxies each client has its own buckets; with 0, X-Forwarded-For is unused."""

import uuid

import pytest
from flask import request

from stationfinder.config import ConfigError, from_environ
from stationfinder.extensions import db
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory
from tests.staff import login

CHECKINS = "/api/v1/checkins"


def limited(app_factory, proxies: int):
    return app_factory(
        TRUSTED_PROXIES=proxies,
        RATELIMIT_ENABLED=True,
        RATELIMIT_KEY_PREFIX=f"sf-test-{uuid.uuid4().hex[:12]}:",
        RATELIMIT_LOGIN_IP="2 per 15 minutes",
        RATELIMIT_CHECKIN_IP="2 per hour",
        RATELIMIT_CHECKIN_DEVICE="100 per hour",
    )


def via(client, forwarded_for: str):
    client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client


def poster_token(app) -> str:
    with app.app_context():
        token = posters.current_poster(StationFactory()).token
        db.session.commit()
    return token


def checkin(client, token: str) -> int:
    return client.post(CHECKINS, json={"token": token, "device_id": uuid.uuid4().hex}).status_code


def test_behind_one_proxy_each_forwarded_client_has_its_own_login_bucket(app_factory):
    app = limited(app_factory, proxies=1)
    first = via(app.test_client(), "198.51.100.1")
    assert [login(first, f"u{n}", "wrong password!").status_code for n in range(3)] == [200, 200, 429]
    second = via(app.test_client(), "198.51.100.2")
    assert login(second, "u9", "wrong password!").status_code == 200


def test_behind_one_proxy_each_forwarded_client_has_its_own_checkin_bucket(app_factory):
    app = limited(app_factory, proxies=1)
    token = poster_token(app)
    first = via(app.test_client(), "198.51.100.1")
    assert [checkin(first, token) for _ in range(3)] == [201, 201, 429]
    assert checkin(via(app.test_client(), "198.51.100.2"), token) == 201


def test_a_client_cannot_prepend_its_own_forwarded_for(app_factory):
    app = limited(app_factory, proxies=1)
    client = app.test_client()
    # The proxy appends the address it saw; only that last entry is trusted.
    statuses = [
        login(via(client, f"10.0.0.{n}, 198.51.100.1"), f"u{n}", "wrong password!").status_code
        for n in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_without_trusted_proxies_a_spoofed_forwarded_for_does_not_escape_the_limits(app_factory):
    app = limited(app_factory, proxies=0)
    token = poster_token(app)
    client = app.test_client()
    logins = [login(via(client, f"198.51.100.{n}"), f"u{n}", "wrong password!").status_code for n in range(3)]
    assert logins == [200, 200, 429]
    assert [checkin(via(client, f"198.51.100.{n}"), token) for n in range(3)] == [201, 201, 429]


@pytest.mark.parametrize(
    ("proxies", "address", "scheme"), [(0, "127.0.0.1", "http"), (1, "198.51.100.1", "https")]
)
def test_client_address_and_scheme(app_factory, proxies, address, scheme):
    app = app_factory(TRUSTED_PROXIES=proxies)
    app.add_url_rule("/_probe", "probe", lambda: f"{request.remote_addr} {request.scheme} {request.host}")
    headers = {
        "X-Forwarded-For": "198.51.100.1",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "evil.test",
    }
    body = app.test_client().get("/_probe", headers=headers).get_data(as_text=True)
    assert body == f"{address} {scheme} localhost"  # X-Forwarded-Host is never trusted


def test_trusted_proxies_comes_from_the_environment():
    assert from_environ({"TRUSTED_PROXIES": "2"})["TRUSTED_PROXIES"] == 2
    with pytest.raises(ConfigError):
        from_environ({"TRUSTED_PROXIES": "yes"})


def test_a_negative_count_is_refused(app_factory):
    with pytest.raises(ConfigError, match="TRUSTED_PROXIES"):
        app_factory(TRUSTED_PROXIES=-1)
