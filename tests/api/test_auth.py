"""API authentication: CLI bearer tokens work, and stop working when revoked or the user is disabled."""

import pytest

from stationfinder.api.auth import current_api_user
from stationfinder.extensions import db
from tests.factories import UserFactory
from tests.staff import login

WHOAMI = "/api/v1/_test/whoami"


@pytest.fixture
def app(app_factory):
    """An app with a tiny route that only answers authenticated callers."""
    app = app_factory()

    @app.get(WHOAMI)
    def whoami():
        return {"username": current_api_user().username}

    with app.app_context():
        UserFactory(username="gy")
        db.session.commit()
    return app


def new_token(runner, username="gy") -> str:
    result = runner.invoke(args=["users", "token", username])
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()[-1]


def call(client, token=None, scheme="Bearer"):
    headers = {"Authorization": f"{scheme} {token}"} if token is not None else {}
    return client.get(WHOAMI, headers=headers)


def assert_401(response):
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 401
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_a_cli_token_authenticates(client, runner):
    token = new_token(runner)
    response = call(client, token)
    assert response.status_code == 200 and response.get_json() == {"username": "gy"}
    assert call(client, token, scheme="bearer").status_code == 200


@pytest.mark.parametrize("header", [None, "", "nonsense", "x" * 300])
def test_missing_or_unknown_tokens_are_401(client, runner, header):
    new_token(runner)
    assert_401(call(client, header))


def test_basic_auth_is_not_a_token(client, runner):
    token = new_token(runner)
    assert_401(call(client, token, scheme="Basic"))


def test_revoke_tokens_makes_them_401(client, runner):
    first, second = new_token(runner), new_token(runner)
    assert call(client, first).status_code == 200
    assert runner.invoke(args=["users", "revoke-tokens", "gy"]).exit_code == 0
    assert_401(call(client, first))
    assert_401(call(client, second))
    fresh = new_token(runner)
    assert call(client, fresh).status_code == 200


def test_disable_makes_tokens_and_sessions_401(app, runner):
    token = new_token(runner)
    browser = app.test_client()
    assert login(browser, "gy").status_code == 302
    assert browser.get(WHOAMI).status_code == 200  # a logged-in session works without a token
    assert runner.invoke(args=["users", "disable", "gy"]).exit_code == 0
    assert_401(call(app.test_client(), token))
    assert_401(browser.get(WHOAMI))
