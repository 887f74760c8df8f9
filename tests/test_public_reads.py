"""The anonymous read-only API answers without opening a session and without rate limits."""

from flask import session
from flask.sessions import NullSession, SecureCookieSession

from stationfinder.extensions import db
from tests.factories import StationFactory

PUBLIC = ("/api/v1/stations/nearest?lat=26.58&lon=106.71", "/api/v1/stations?limit=2")


def test_public_reads_get_the_null_session_and_the_rest_a_real_one(app):
    with app.app_context():
        station_id = StationFactory().id
        db.session.commit()
    for path in (*PUBLIC, f"/api/v1/stations/{station_id}"):
        with app.test_request_context(path):
            assert isinstance(session._get_current_object(), NullSession), path
    # A POST to a public path, another API, a wrong id form and a page keep the full session.
    for path, method in (
        (PUBLIC[0], "POST"),
        ("/api/v1/stats/checkins", "GET"),
        ("/api/v1/stations/abc", "GET"),
        ("/", "GET"),
    ):
        with app.test_request_context(path, method=method):
            assert isinstance(session._get_current_object(), SecureCookieSession), (method, path)


def test_a_riders_session_cookie_is_neither_read_nor_rewritten_by_public_reads(app):
    client = app.test_client()
    with client.session_transaction() as kept:
        kept["lang_hint"] = "zh"
    for path in PUBLIC:
        response = client.get(path)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
    # The page still sees the session the API left alone.
    with client.session_transaction() as kept:
        assert kept["lang_hint"] == "zh"


def test_public_reads_answer_an_address_that_used_up_its_limits(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_CHECKIN_IP="2 per hour")
    client = app.test_client()
    assert [client.get("/api/v1/reports/NOSUCHCODE").status_code for _ in range(3)] == [404, 404, 429]
    for path in PUBLIC:
        assert [client.get(path).status_code for _ in range(4)] == [200] * 4
