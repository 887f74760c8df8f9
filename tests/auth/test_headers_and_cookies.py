"""Staff pages carry the security headers; cookies are HttpOnly, SameSite, and Secure in production."""

import pytest

from stationfinder.extensions import db
from tests.factories import StationFactory, UserFactory
from tests.staff import login


def seed(app) -> int:
    with app.app_context():
        UserFactory(username="root", admin=True)
        station_id = StationFactory().id
        db.session.commit()
    return station_id


def cookie(response, name: str) -> str:
    (value,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    return value


@pytest.mark.parametrize(
    "path", ["/login", "/manage/", "/manage/stations/new", "/manage/stations/{id}", "/logout"]
)
def test_staff_pages_carry_security_headers(app, client, path):
    station_id = seed(app)
    if path != "/login":
        login(client, "root")
    response = client.get(path.format(id=station_id))
    assert response.status_code in (200, 405)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "form-action 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_use_no_inline_scripts(app, client):
    station_id = seed(app)
    login(client, "root")
    for path in (
        "/login",
        "/manage/",
        f"/manage/stations/{station_id}",
        f"/manage/stations/{station_id}/history",
    ):
        body = client.get(path).get_data(as_text=True)
        for tag in body.split("<script")[1:]:
            assert tag.split(">", 1)[0].strip().startswith("src="), (path, tag[:80])
        assert " onclick=" not in body and "javascript:" not in body


def test_development_cookies_are_httponly_and_samesite(app, client):
    seed(app)
    session = cookie(login(client, "root"), "session")
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert "Secure" not in session


def test_production_cookies_are_secure(app_factory):
    app = app_factory(APP_ENV="production")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    seed(app)
    response = login(app.test_client(), "root", remember="y")
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        value = cookie(response, name)
        assert "Secure" in value and "HttpOnly" in value and "SameSite=Lax" in value, value
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
