"""Poster pages under /manage: who may print, download, rotate and bulk-print what."""

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Poster, User
from stationfinder.services.posters import tokens as posters
from tests.qr import hide_pdf_text_font
from tests.staff import MAY_MANAGE, STATIONS, USERS, csrf_token, login, make_world

# Printing follows the same rule as editing: whoever may manage a station may print its posters.
MAY_PRINT = MAY_MANAGE


@pytest.fixture
def world(app):
    return make_world(app)


def poster_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Poster))


@pytest.mark.parametrize("username", list(USERS))
@pytest.mark.parametrize("key", list(STATIONS))
@pytest.mark.parametrize("action", ["page", "pdf", "png", "svg", "rotate"])
def test_access_matrix(app, client, world, username, key, action):
    login(client, username)
    base = f"/manage/stations/{world[key]}/poster"
    if action == "page":
        response = client.get(base)
    elif action == "rotate":
        response = client.post(base + "/rotate", data={"understood": "yes"})
    else:
        response = client.get(f"{base}.{action}")
    if key in MAY_PRINT[username]:
        assert response.status_code == (303 if action == "rotate" else 200)
        assert poster_count(app) >= 1
    else:
        assert response.status_code == 403
        assert poster_count(app) == 0


@pytest.mark.parametrize(
    "path", ["/manage/stations/1/poster", "/manage/stations/1/poster.pdf", "/manage/posters"]
)
def test_anonymous_visitors_are_sent_to_login(client, world, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_station_and_format_are_404(client, world):
    login(client, "admin")
    assert client.get("/manage/stations/999999/poster").status_code == 404
    assert client.get("/manage/stations/99999999999/poster").status_code == 404
    assert client.get(f"/manage/stations/{world['gy']}/poster.gif").status_code == 404


def test_print_page_shows_everything_the_poster_needs(app, client, world):
    login(client, "manager_gy")
    html = client.get(f"/manage/stations/{world['gy']}/poster").get_data(as_text=True)
    with app.app_context():
        poster = db.session.scalars(sa.select(Poster)).one()
        url = posters.checkin_url(poster, "http://sf.test")
        code = posters.display_code(poster.short_code)
    assert "station-gy" in html and url in html and code in html
    assert "微信或浏览器扫码签到" in html and "<svg" in html
    assert "/static/css/poster." in html  # hashed: poster.<hash>.css


def test_downloads_have_the_right_types(client, world):
    login(client, "admin")
    base = f"/manage/stations/{world['gy']}/poster"
    for fmt, mimetype, magic in [
        ("pdf", "application/pdf", b"%PDF"),
        ("png", "image/png", b"\x89PNG"),
        ("svg", "image/svg+xml", b"<?xml"),
    ]:
        response = client.get(f"{base}.{fmt}")
        assert response.mimetype == mimetype and response.data.startswith(magic)
        assert f'filename="poster-{world["gy"]}.{fmt}"' in response.headers["Content-Disposition"]


@pytest.mark.parametrize("path", ["/manage/stations/{gy}/poster.pdf", "/manage/posters?region=520000"])
def test_pdf_without_its_fonts_is_a_503_page_not_a_crash(client, world, monkeypatch, caplog, path):
    login(client, "admin")
    hide_pdf_text_font(monkeypatch)
    response = client.get(path.format(gy=world["gy"]))
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "缺少 PDF 需要嵌入的字体" in response.get_data(as_text=True)
    assert "fonts-wqy-microhei" in caplog.text, "the log tells the administrator what to install"
    # The other formats need no embedded font and still download.
    assert client.get(f"/manage/stations/{world['gy']}/poster.png").status_code == 200


def test_rotate_makes_a_new_poster_and_the_old_token_answers_410(app, client, world):
    login(client, "manager_gy")
    client.get(f"/manage/stations/{world['gy']}/poster")
    with app.app_context():
        old = db.session.scalars(sa.select(Poster)).one().token
    response = client.post(
        f"/manage/stations/{world['gy']}/poster/rotate", data={"understood": "yes", "old_posters": "stop_now"}
    )
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert old not in page and "旧二维码已失效" in page
    assert client.get(f"/c/{old}").status_code == 410
    assert client.post("/api/v1/checkins", json={"token": old}).status_code == 410
    with app.app_context():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "poster_rotate")).one()
        assert entry.user_id == db.session.scalar(sa.select(User.id).where(User.username == "manager_gy"))


def test_rotate_needs_a_csrf_token(app_factory, world):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login(client, "admin", csrf=True)
    page = f"/manage/stations/{world['gy']}/poster"
    client.get(page)
    assert client.post(page + "/rotate").status_code == 400
    assert poster_count(app) == 1
    token = csrf_token(client, page + "/rotate")
    assert client.post(page + "/rotate", data={"csrf_token": token, "understood": "yes"}).status_code == 303
    assert poster_count(app) == 2


@pytest.mark.parametrize(
    ("username", "region", "status"),
    [
        ("admin", "520000", 200),
        ("staff_520000", "520500", 200),
        ("staff_520500", "520500", 200),
        ("staff_520500", "520502", 200),
        ("staff_520500", "520100", 403),
        ("staff_520500", "520000", 403),
        ("staff_520100", "520500", 403),
        ("manager_gy", "520100", 403),
        ("admin", "52050", 400),
        ("admin", "110000", 404),
    ],
)
def test_bulk_pdf_is_scope_checked(client, world, username, region, status):
    login(client, username)
    response = client.get("/manage/posters", query_string={"region": region})
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf"


def test_bulk_pdf_form_defaults_to_the_staff_region(client, world):
    login(client, "staff_520500")
    html = client.get("/manage/posters").get_data(as_text=True)
    assert 'value="520500"' in html


def test_station_page_links_to_its_poster(client, world):
    login(client, "manager_gy")
    html = client.get(f"/manage/stations/{world['gy']}").get_data(as_text=True)
    assert f'href="/manage/stations/{world["gy"]}/poster"' in html
    assert f"/manage/stations/{world['gy']}/poster.pdf" in html
