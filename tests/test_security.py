"""The CSP lets map tiles in from the configured tile host only; staff pages are never cached."""

import pytest

from stationfinder.extensions import db
from stationfinder.security import content_security_policy
from tests.factories import StationFactory, UserFactory
from tests.staff import login

AMAP = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"


def img_src(url: str) -> str:
    (directive,) = [d for d in content_security_policy(url).split("; ") if d.startswith("img-src")]
    return directive


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        (AMAP, "https://*.is.autonavi.com"),
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("http://tiles.internal:8080/{z}/{x}/{y}.png", "http://tiles.internal:8080"),
        ("https://tiles.example.cn/{s}/{z}/{x}/{y}.png", "https://tiles.example.cn"),
    ],
)
def test_tile_host_is_allowed(url, expected):
    assert img_src(url) == f"img-src 'self' data: blob: {expected}"


@pytest.mark.parametrize("url", ["/tiles/{z}/{x}/{y}.png", "https://a{s}.com/{z}/{x}/{y}.png"])
def test_no_wide_or_empty_tile_source(url):
    assert img_src(url) == "img-src 'self' data: blob:"


def test_amap_tiles_reach_the_header(app_factory):
    app = app_factory(MAP_TILE_URL=AMAP, MAP_TILE_CRS="gcj02")
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob: https://*.is.autonavi.com" in csp
    assert "script-src 'self'" in csp


STAFF_PAGES = [
    "/login",
    "/dashboard/",
    "/dashboard/?from=2025-03-01&to=2025-03-10&region=520000",
    "/dashboard/export/days.csv",
    "/dashboard/export/summary.xlsx",
    "/dashboard/?from=0001-01-01",
    "/manage/",
    "/manage/?page=2",
    "/manage/stations/new",
    "/manage/stations/{id}",
    "/manage/stations/{id}/history",
    "/manage/stations/{id}/poster",
    "/manage/stations/{id}/poster.svg",
    "/manage/stations/999999",
    "/manage/posters",
    "/account/password",
]


def test_staff_pages_are_never_cached(app, client):
    with app.app_context():
        UserFactory(username="root", admin=True)
        station_id = StationFactory().id
        db.session.commit()
    # Anonymous: the log-in page and the redirects to it.
    for path in ("/login", "/dashboard/", "/manage/"):
        response = client.get(path)
        assert response.headers.get("Cache-Control") == "private, no-store", path
    assert login(client, "root").headers.get("Cache-Control") == "private, no-store"
    for path in STAFF_PAGES:
        response = client.get(path.format(id=station_id))
        assert response.status_code < 500, path
        assert response.headers.get("Cache-Control") == "private, no-store", path
    assert client.post("/logout").headers.get("Cache-Control") == "private, no-store"


SECURITY_HEADERS = (
    "Content-Security-Policy",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Permissions-Policy",
)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/api/v1/stations/nearest?lat=26.58&lon=106.71",
        "/api/v1/stations/nearest?lat=999&lon=0",  # problem+json
        "/api/v1/stations/999999",
        "/no-such-page",
        "/sw.js",
        "/login",
    ],
)
def test_every_answer_carries_each_security_header_once(client, path):
    response = client.get(path)
    assert response.status_code < 500, path
    for name in SECURITY_HEADERS:
        assert len(response.headers.getlist(name)) == 1, (path, name)


def test_a_view_keeps_its_own_headers_and_gets_the_missing_ones(app_factory):
    app = app_factory()

    @app.route("/own-headers")
    def own_headers():
        return "", 204, {"Content-Security-Policy": "default-src 'none'", "x-frame-options": "SAMEORIGIN"}

    response = app.test_client().get("/own-headers")
    assert response.headers.getlist("Content-Security-Policy") == ["default-src 'none'"]
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # development


def test_production_adds_hsts(app_factory):
    app = app_factory(APP_ENV="production", SESSION_COOKIE_SECURE=True)
    response = app.test_client().get("/api/v1/stations/nearest?lat=26.58&lon=106.71")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_a_staff_view_keeps_its_own_cache_policy(app, client):
    # The hook adds it where a staff view said nothing, and never a second one.
    response = client.get("/login")
    assert response.headers.getlist("Cache-Control") == ["private, no-store"]
    assert client.get("/").headers.get("Cache-Control") != "private, no-store"
