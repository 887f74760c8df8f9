"""Sessions end when they should: a copied session or remember cookie dies with each ending event."""

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import User
from tests.factories import UserFactory
from tests.staff import login

NEW_PASSWORD = "Tea-kettle-on-the-7th-floor"


@pytest.fixture
def gy(app):
    with app.app_context():
        UserFactory(username="gy")
        db.session.commit()
    return "gy"


def log_in_remembered(app, username="gy"):
    """Log in with "keep me logged in"; return the client and copies of both cookies."""
    client = app.test_client()
    assert login(client, username, remember="y").status_code == 302
    return client, client.get_cookie("session").value, client.get_cookie("remember_token").value


def replay(app, name: str, value: str) -> bool:
    """Return whether a browser holding only this cookie (same User-Agent) is logged in."""
    other = app.test_client()
    other.set_cookie(name, value)
    return other.get("/manage/").status_code == 200


def logout(app, client):
    assert client.post("/logout").status_code == 302


def disable_then_enable(app, client):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "disable", "gy"]).exit_code == 0
    assert runner.invoke(args=["users", "enable", "gy"]).exit_code == 0


def set_password(app, client):
    result = app.test_cli_runner().invoke(args=["users", "set-password", "gy"], input=NEW_PASSWORD)
    assert result.exit_code == 0, result.output


def revoke_tokens(app, client):
    assert app.test_cli_runner().invoke(args=["users", "revoke-tokens", "gy"]).exit_code == 0


@pytest.mark.parametrize("event", [logout, disable_then_enable, set_password, revoke_tokens])
def test_old_session_and_remember_cookies_die_with_the_event(app, gy, event):
    client, session_cookie, remember_cookie = log_in_remembered(app)
    # The control: before the event, each copied cookie alone logs a browser in.
    assert replay(app, "session", session_cookie)
    assert replay(app, "remember_token", remember_cookie)
    event(app, client)
    assert not replay(app, "session", session_cookie)
    assert not replay(app, "remember_token", remember_cookie)
    other = app.test_client()
    other.set_cookie("session", session_cookie)
    other.set_cookie("remember_token", remember_cookie)
    assert other.get("/manage/").status_code == 302


def test_logout_ends_the_sessions_on_other_devices_too(app, gy):
    phone, _, _ = log_in_remembered(app)
    desk, _, _ = log_in_remembered(app)
    logout(app, desk)
    assert phone.get("/manage/").status_code == 302


def test_logout_deletes_the_remember_cookie(app, gy):
    client, _, _ = log_in_remembered(app)
    response = client.post("/logout")
    (cleared,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]
    assert "Expires=Thu, 01 Jan 1970" in cleared
    assert client.get_cookie("remember_token") is None


def test_a_new_login_after_the_event_works(app, gy):
    client, _, _ = log_in_remembered(app)
    set_password(app, client)
    assert login(app.test_client(), "gy").status_code == 200  # the old password is gone
    fresh = app.test_client()
    assert login(fresh, "gy", NEW_PASSWORD).status_code == 302
    assert fresh.get("/manage/").status_code == 200


def test_each_event_bumps_the_session_version_once(app, gy):
    def version() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(User.session_version).where(User.username == "gy"))

    client, _, _ = log_in_remembered(app)
    start = version()
    logout(app, client)
    assert version() == start + 1
    revoke_tokens(app, None)
    assert version() == start + 2


@pytest.mark.parametrize("stored_id", ["{id}", "{id}:", "{id}:0", "{id}:x", ":1", "{id}:1:1", "{id}:١"])
def test_sessions_without_the_current_version_are_anonymous(app, client, gy, stored_id):
    with app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.username == "gy"))
    login(client, "gy")
    with client.session_transaction() as session:
        assert session["_user_id"] == f"{user_id}:1"
        session["_user_id"] = stored_id.format(id=user_id)
    assert client.get("/manage/").status_code == 302


def test_the_api_refuses_an_ended_session(app, gy):
    client, session_cookie, _ = log_in_remembered(app)
    assert replay(app, "session", session_cookie)
    logout(app, client)
    other = app.test_client()
    other.set_cookie("session", session_cookie)
    assert other.get("/api/v1/stats/checkins").status_code == 401
