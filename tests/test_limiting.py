"""Per-view rate limits: counting, keys, scopes, conditional counting, and no work for other views."""

import pytest
from flask import Flask, request

from stationfinder.limiting import Limiter, RateLimitExceeded

limiter = Limiter()


def build(**config):
    """Return a small app with limited views, answering a breach with 429 and its Retry-After."""
    app = Flask(__name__)
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", AMOUNT="2 per hour")
    app.config.update(config)
    limiter.init_app(app)

    def key():
        return request.headers.get("X-Key", "anyone")

    shared = limiter.limit(lambda: app.config["AMOUNT"], key_func=key, scope="shared")
    own = limiter.limit(lambda: app.config["AMOUNT"], key_func=key)
    posts = limiter.limit(lambda: app.config["AMOUNT"], key_func=key, methods=("POST",))
    exempt = limiter.limit(
        lambda: app.config["AMOUNT"], key_func=key, exempt_when=lambda: "X-Exempt" in request.headers
    )
    failures = limiter.limit(
        lambda: app.config["AMOUNT"], key_func=key, deduct_when=lambda r: r.status_code != 200
    )
    app.add_url_rule("/a", "a", shared(lambda: "a"))
    app.add_url_rule("/b", "b", shared(lambda: "b"))
    app.add_url_rule("/own1", "own1", own(lambda: "own"))
    app.add_url_rule("/own2", "own2", own(lambda: "own"))
    app.add_url_rule("/post", "post", posts(lambda: "post"), methods=["GET", "POST"])
    app.add_url_rule("/exempt", "exempt", exempt(lambda: "exempt"))
    app.add_url_rule("/login", "login", failures(lambda: ("no", 401) if request.args.get("bad") else "yes"))
    # Like a successful login: the view forgets what its own request counted.
    app.add_url_rule("/reset", "reset", own(lambda: (request.args.get("ok") and own.clear(), "reset")[1]))
    app.add_url_rule("/free", "free", lambda: "free")

    @app.errorhandler(RateLimitExceeded)
    def breached(error):
        return "slow down", 429, {"Retry-After": str(error.retry_after)}

    return app


def codes(client, path, n, **kwargs):
    return [client.open(path, **kwargs).status_code for _ in range(n)]


def test_a_limit_refuses_the_request_past_its_amount_with_the_wait_until_its_window_ends():
    client = build().test_client()
    assert codes(client, "/a", 3) == [200, 200, 429]
    response = client.get("/a")
    assert 0 < int(response.headers["Retry-After"]) <= 3600
    # Another key has its own count.
    assert codes(client, "/a", 2, headers={"X-Key": "other"}) == [200, 200]


def test_a_scoped_limit_is_shared_by_its_views_and_an_unscoped_one_counts_per_view():
    client = build().test_client()
    assert [client.get("/a").status_code, client.get("/b").status_code, client.get("/a").status_code] == [
        200,
        200,
        429,
    ]
    assert codes(client, "/own1", 3) == [200, 200, 429]
    assert codes(client, "/own2", 2) == [200, 200]


def test_the_amount_is_read_from_the_config_on_every_request():
    app = build()
    client = app.test_client()
    app.config["AMOUNT"] = "1 per hour"
    assert codes(client, "/own1", 2) == [200, 429]


def test_methods_exemptions_and_the_switch_leave_requests_uncounted():
    app = build()
    client = app.test_client()
    assert codes(client, "/post", 5, method="GET") == [200] * 5
    assert codes(client, "/post", 3, method="POST") == [200, 200, 429]
    assert codes(client, "/exempt", 5, headers={"X-Exempt": "1"}) == [200] * 5
    assert codes(client, "/exempt", 3) == [200, 200, 429]
    app.config["RATELIMIT_ENABLED"] = False
    assert codes(client, "/exempt", 3) == [200] * 3


def test_a_conditional_limit_counts_only_the_answers_it_is_told_to():
    client = build().test_client()
    assert codes(client, "/login", 5) == [200] * 5  # successes are not counted
    assert codes(client, "/login?bad=1", 3) == [401, 401, 429]
    # Used up: even a right answer waits now.
    assert client.get("/login").status_code == 429


def test_clear_forgets_what_the_requesting_key_used_at_that_view():
    client = build().test_client()
    assert codes(client, "/own1", 1) == [200]
    assert [client.get("/reset").status_code, client.get("/reset?ok=1").status_code] == [200, 200]
    assert codes(client, "/reset", 3) == [200, 200, 429]
    # Another view's count, and another key's, are left alone.
    assert codes(client, "/own1", 2) == [200, 429]
    assert client.get("/reset", headers={"X-Key": "other"}).status_code == 200


def test_a_view_without_a_limit_never_touches_the_counter_store():
    app = build()
    client = app.test_client()
    assert codes(client, "/free", 5) == [200] * 5
    assert not app.extensions["limiter"].storage.storage
    client.get("/a")
    assert app.extensions["limiter"].storage.storage


@pytest.mark.parametrize("amount", ["2 per hour", "2/hour"])
def test_both_spellings_of_an_amount_are_understood(amount):
    client = build(AMOUNT=amount).test_client()
    assert codes(client, "/own1", 3) == [200, 200, 429]
