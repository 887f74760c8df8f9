"""Static files under content-hashed names, cached for a year; text answers compressed with brotli or gzip."""

import gzip
import hashlib
import os
import re

import brotli
import pytest
import xstatic.pkg.leaflet as leaflet_pkg
from flask import Response, url_for
from hypothesis import given
from hypothesis import strategies as st

from stationfinder import static_files
from stationfinder.config import from_environ
from stationfinder.extensions import db
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory, UserFactory
from tests.staff import login

YEAR = "public, max-age=31536000, immutable"


def static_url(app, name: str) -> str:
    with app.test_request_context():
        return url_for("static", filename=name)


def fetch(client, url, **kwargs):
    """Return a fully read response (file responses stream, and must be closed)."""
    with client.get(url, **kwargs) as response:
        response.get_data()
        return response


def original(app, name: str) -> bytes:
    with open(os.path.join(app.static_folder, name), "rb") as f:
        return f.read()


@pytest.fixture
def own_static(app, tmp_path):
    """Give the app a static folder of its own, so a test can add and change files."""
    folder = tmp_path / "static"
    (folder / "img").mkdir(parents=True)
    (folder / "img/dot.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    (folder / "notes.txt").write_text("骑手驿站 " * 200, encoding="utf-8")
    app.extensions["static_files"] = static_files.Digests(str(folder))
    return folder


def test_every_static_url_carries_the_hash_of_the_file(app):
    names = [
        os.path.relpath(os.path.join(root, name), app.static_folder)
        for root, _dirs, files in os.walk(app.static_folder)
        for name in files
    ]
    assert "js/rider.js" in names and "css/app.css" in names
    for name in names:
        digest = hashlib.sha256(original(app, name)).hexdigest()[:12]
        stem, suffix = name.rsplit(".", 1)
        assert static_url(app, name) == f"/static/{stem}.{digest}.{suffix}"


def test_a_hashed_file_is_cached_for_a_year_and_the_plain_name_is_revalidated(app, client):
    url = static_url(app, "js/rider.js")
    hashed = fetch(client, url)
    assert hashed.status_code == 200 and hashed.mimetype == "text/javascript"
    assert hashed.data == original(app, "js/rider.js")
    assert hashed.headers["Cache-Control"] == YEAR
    # One copy for every rider in a shared cache: no session, so no "Vary: Cookie" and no cookie.
    assert "Cookie" not in hashed.vary and "Set-Cookie" not in hashed.headers
    plain = fetch(client, "/static/js/rider.js")
    assert plain.status_code == 200 and plain.data == hashed.data
    assert plain.headers["Cache-Control"] == "no-cache"
    again = fetch(client, url, headers={"If-None-Match": hashed.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(
    "url",
    [
        # An old or made-up hash: today's file must not be cached under it.
        "/static/js/rider.000000000000.js",
        "/static/js/rider.2e5d9b7d4b5.js",
        "/static/js/nope.js",
        "/static/js/../../stationfinder/__init__.py",
        "/static/%2e%2e/pyproject.toml",
        "/static/..%2fpyproject.toml",
    ],
)
def test_a_wrong_hash_or_a_path_outside_is_not_found(client, url):
    assert fetch(client, url).status_code == 404


@given(
    st.lists(st.from_regex(r"[A-Za-z0-9_\-]{1,8}", fullmatch=True), min_size=1, max_size=3),
    st.lists(st.from_regex(r"[A-Za-z0-9]{1,5}", fullmatch=True), max_size=3),
    st.from_regex(r"[0-9a-f]{12}", fullmatch=True),
    st.booleans(),
)
def test_a_hashed_name_splits_back_into_the_name_and_the_hash(parts, suffixes, digest, dotfile):
    name = "/".join(parts[:-1] + [("." if dotfile else "") + ".".join([parts[-1], *suffixes])])
    hashed = static_files.hashed_name(name, digest)
    assert static_files.split_hashed(hashed) == (name, digest)
    assert hashed.count("/") == name.count("/")


def test_hashed_names_keep_the_suffix_last():
    assert static_files.hashed_name("js/rider.js", "0123456789ab") == "js/rider.0123456789ab.js"
    assert static_files.hashed_name("README", "0123456789ab") == "README.0123456789ab"
    assert static_files.hashed_name(".well-known", "0123456789ab") == ".well-known.0123456789ab"
    assert static_files.split_hashed("js/rider.js") is None
    assert static_files.split_hashed("js/rider.0123456789AB.js") is None


def test_a_name_that_looks_hashed_is_served_as_it_is(app, client, own_static):
    (own_static / "app.0123456789ab.css").write_text("body{}", encoding="utf-8")
    app.extensions["static_files"] = static_files.Digests(str(own_static))
    assert fetch(client, "/static/app.0123456789ab.css").data == b"body{}"
    hashed = fetch(client, static_url(app, "app.0123456789ab.css"))
    assert hashed.data == b"body{}" and hashed.headers["Cache-Control"] == YEAR


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("gzip, deflate", "gzip"),
        ("br;q=0.5, gzip", "gzip"),
        ("*", "br"),
        ("identity", None),
        (None, None),
    ],
)
def test_static_text_is_compressed_in_the_best_coding_the_browser_takes(app, client, accept, coding):
    headers = {"Accept-Encoding": accept} if accept else {}
    response = fetch(client, static_url(app, "js/rider.js"), headers=headers)
    assert response.headers.get("Content-Encoding") == coding
    assert "Accept-Encoding" in response.vary
    assert response.headers["Cache-Control"] == YEAR
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[coding]
    assert decode(response.data) == original(app, "js/rider.js")
    if coding:
        assert len(response.data) < len(original(app, "js/rider.js")) / 2
        assert response.headers["ETag"].endswith(f'-{coding}"'), "each coding is a different body"


def test_static_files_are_compressed_once_per_process(app, client, monkeypatch):
    calls = []
    real = brotli.compress
    monkeypatch.setattr(
        static_files.brotli, "compress", lambda data, **kw: calls.append(1) or real(data, **kw)
    )
    static_files._body.cache_clear()
    for _ in range(3):
        fetch(client, static_url(app, "css/app.css"), headers={"Accept-Encoding": "br"})
    assert len(calls) == 1


def test_small_files_and_images_are_not_compressed(app, client, own_static):
    (own_static / "tiny.js").write_text("var a = 1;", encoding="utf-8")
    app.extensions["static_files"] = static_files.Digests(str(own_static))
    tiny = fetch(client, static_url(app, "tiny.js"), headers={"Accept-Encoding": "br, gzip"})
    assert "Content-Encoding" not in tiny.headers and tiny.data == b"var a = 1;"
    image = fetch(client, static_url(app, "img/dot.png"), headers={"Accept-Encoding": "br, gzip"})
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert "Content-Encoding" not in image.headers
    assert image.headers["Cache-Control"] == YEAR
    assert image.data == (own_static / "img/dot.png").read_bytes()


def test_a_range_of_a_streamed_file_is_never_compressed(app, client, own_static, monkeypatch):
    # Big files stream from disk; a range of one must be the file's own bytes, not of a compressed copy.
    monkeypatch.setattr(static_files, "MAX_IN_MEMORY", 0)
    body = (own_static / "notes.txt").read_bytes()
    response = fetch(
        client, static_url(app, "notes.txt"), headers={"Accept-Encoding": "gzip, br", "Range": "bytes=3-20"}
    )
    assert response.status_code == 206
    assert "Content-Encoding" not in response.headers
    assert response.data == body[3:21]


def test_debug_mode_notices_an_edited_file(app, client, own_static):
    app.debug = True
    before = static_url(app, "notes.txt")
    (own_static / "notes.txt").write_text("changed", encoding="utf-8")
    after = static_url(app, "notes.txt")
    assert after != before
    assert fetch(client, before).status_code == 404
    assert fetch(client, after).data == b"changed"
    (own_static / "new.css").write_text("a{}", encoding="utf-8")
    assert re.fullmatch(r"/static/new\.[0-9a-f]{12}\.css", static_url(app, "new.css"))


def test_without_debug_the_hashes_are_read_once(app, client, own_static):
    before = static_url(app, "notes.txt")
    (own_static / "new.css").write_text("a{}", encoding="utf-8")
    assert static_url(app, "notes.txt") == before
    assert static_url(app, "new.css") == "/static/new.css"


def test_pages_are_revalidated_and_compressed(client):
    plain = fetch(client, "/")
    assert plain.headers["Cache-Control"] == "no-cache"
    for accept, decode in (("gzip", gzip.decompress), ("br, gzip", brotli.decompress)):
        page = fetch(client, "/", headers={"Accept-Encoding": accept})
        assert page.headers["Content-Encoding"] == accept.split(",")[0]
        assert "Accept-Encoding" in page.vary
        assert decode(page.data) == plain.data
        assert page.headers["Cache-Control"] == "no-cache"


def test_pages_that_set_their_own_cache_rule_keep_it(app, client):
    with app.app_context():
        token = posters.current_poster(StationFactory()).token
        db.session.commit()
    assert fetch(client, f"/c/{token}").headers["Cache-Control"] == "no-store"


def test_api_answers_are_compressed_and_small_ones_are_not(client):
    big = fetch(client, "/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert big.status_code == 200 and big.headers["Content-Encoding"] == "gzip"
    small = fetch(client, "/api/v1/stations/nope", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 404 and len(small.data) < 500
    assert "Content-Encoding" not in small.headers
    assert small.mimetype == "application/problem+json"


def test_staff_pages_are_not_compressed(app, client):
    # BREACH: their CSRF token must not be guessable from compressed lengths.
    with app.app_context():
        UserFactory(username="root", admin=True)
        db.session.commit()
    login(client, "root")
    page = fetch(client, "/manage/", headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200 and len(page.data) > 500
    assert "Content-Encoding" not in page.headers
    assert page.headers["Cache-Control"] == "private, no-store"


def test_streamed_answers_are_not_compressed(app_factory):
    app = app_factory()
    app.add_url_rule(
        "/stream", "stream", lambda: Response((b"x" * 1000 for _ in range(3)), mimetype="text/plain")
    )
    response = fetch(app.test_client(), "/stream", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in response.headers and response.data == b"x" * 3000


def test_vendor_files_are_compressed_once_not_twice(client):
    # Vendored files take the static files' path: brotli where accepted, and flask-compress leaves them.
    response = fetch(client, "/vendor/leaflet/leaflet.css", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "br"
    with open(os.path.join(leaflet_pkg.BASE_DIR, "leaflet.css"), "rb") as f:
        assert brotli.decompress(response.data) == f.read()


def test_compression_can_be_left_to_a_proxy(app_factory):
    app = app_factory(COMPRESS_RESPONSES=False)
    client = app.test_client()
    for url in ("/", static_url(app, "js/rider.js"), "/api/v1/openapi.json", "/vendor/leaflet/leaflet.js"):
        response = fetch(client, url, headers={"Accept-Encoding": "gzip, br"})
        assert response.status_code == 200 and "Content-Encoding" not in response.headers, url
    assert fetch(client, static_url(app, "js/rider.js")).headers["Cache-Control"] == YEAR


@pytest.mark.parametrize(("raw", "value"), [("false", False), ("0", False), ("true", True), ("on", True)])
def test_the_environment_turns_compression_off(raw, value):
    assert from_environ({"COMPRESS_RESPONSES": raw}) == {"COMPRESS_RESPONSES": value}
