"""The installable rider app: the worker, the manifest, the icons, the offline pages and their headers."""

import io
import json
import os
import re
import shutil

import pytest
from flask import url_for
from PIL import Image

from stationfinder.api.schemas import NEAREST_LIMIT_MAX
from stationfinder.extensions import db
from stationfinder.rider import pwa_routes
from stationfinder.services import dataset
from stationfinder.services.planning import demand
from stationfinder.vendor import vendor_url
from tests.factories import StationFactory


def static_url(app, name: str) -> str:
    """Return url_for's address of a static file (it may carry a content hash)."""
    with app.test_request_context():
        return url_for("static", filename=name)


def worker_settings(body: str) -> dict:
    """Return the values the worker template was given (its `var NAME = <json>;` lines)."""
    found = re.findall(r"^var ([A-Z_]+) = (.+);$", body, re.M)
    return {name: json.loads(value) for name, value in found if not value.startswith('"sf-')}


def test_the_worker_is_served_from_the_root_as_javascript_never_from_a_cache(app, client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Set-Cookie" not in response.headers
    body = response.get_data(as_text=True)
    assert body.startswith("/* The rider pages' service worker")
    assert f'importScripts("{static_url(app, "js/offline_store.js")}");' in body


def test_the_worker_precaches_the_shell_from_url_for(app, client):
    settings = worker_settings(client.get("/sw.js").get_data(as_text=True))
    assert re.fullmatch(r"[0-9a-f]{16}", settings["VERSION"])
    with app.test_request_context():
        expected = [url_for("static", filename=name) for name in pwa_routes.STATIC_ASSETS]
        expected += [vendor_url("leaflet", "leaflet.js"), vendor_url("leaflet", "leaflet.css")]
    assert settings["ASSETS"] == expected
    assert static_url(app, "js/rider.js") in settings["ASSETS"]
    assert (settings["INDEX"], settings["OFFLINE"], settings["CHECKIN_SHELL"]) == (
        "/",
        "/offline",
        "/offline/checkin",
    )
    assert (settings["STATION_PREFIX"], settings["CHECKIN_PREFIX"]) == ("/stations/", "/c/")
    # A kept station page is marked in the language it was saved in.
    assert settings["KEPT_NOTE"] == {
        "zh-CN": "离线 · 页面保存于 %(time)s",
        "en": "Offline · page saved at %(time)s",
    }
    # Every precached file is served.
    for url in settings["ASSETS"] + [settings["INDEX"], settings["OFFLINE"], settings["CHECKIN_SHELL"]]:
        with client.get(url) as response:
            assert response.status_code == 200, url


def test_the_worker_never_keeps_api_staff_or_session_pages(client):
    body = client.get("/sw.js").get_data(as_text=True)
    # It serves rider pages only, and keeps nothing marked no-store or private.
    assert "/api" not in body and "/manage" not in body and "/dashboard" not in body
    assert 'if (kind === "checkin" ||' in body and "no-store|private" in body


def test_the_version_follows_the_app_version_and_the_files(app, client, monkeypatch, tmp_path):
    first = worker_settings(client.get("/sw.js").get_data(as_text=True))["VERSION"]
    assert worker_settings(client.get("/sw.js").get_data(as_text=True))["VERSION"] == first
    monkeypatch.setattr(pwa_routes, "_app_version", lambda: "99.0")
    assert worker_settings(client.get("/sw.js").get_data(as_text=True))["VERSION"] != first
    monkeypatch.undo()
    # A changed asset (here: a copy of the static folder with rider.js edited) changes the version.
    static = tmp_path / "static"
    for name in pwa_routes.STATIC_ASSETS:
        (static / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(os.path.join(app.static_folder, name), static / name)
    monkeypatch.setattr(app, "static_folder", str(static))
    assert worker_settings(client.get("/sw.js").get_data(as_text=True))["VERSION"] == first
    (static / "js/rider.js").write_text("/* changed */", encoding="utf-8")
    assert worker_settings(client.get("/sw.js").get_data(as_text=True))["VERSION"] != first


def test_the_manifest(app, client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data(as_text=True))
    assert manifest["name"] == manifest["short_name"] == "骑手驿站"
    assert manifest["description"] == "找到最近的驿站，一键导航，扫码签到；没有信号也能用。"
    assert manifest["lang"] == "zh-CN"
    assert manifest["start_url"] == manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#b71c1c"
    with open(os.path.join(app.static_folder, "css/app.css"), encoding="utf-8") as css:
        assert "--brand: #b71c1c;" in css.read(), "the top bar's colour"
    purposes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert purposes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}
    for icon in manifest["icons"]:
        answer = client.get(icon["src"])
        assert answer.status_code == 200 and answer.mimetype == "image/png"
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        image = Image.open(io.BytesIO(answer.data))
        assert f"{image.width}x{image.height}" == icon["sizes"]
        if icon["purpose"] == "maskable":
            # A launcher may crop it to any shape: no transparent corner may show.
            assert image.convert("RGBA").getpixel((0, 0))[3] == 255


def test_the_manifest_is_the_same_in_english(client):
    zh = client.get("/manifest.webmanifest").get_data(as_text=True)
    assert client.get("/manifest.webmanifest?lang=en").get_data(as_text=True) == zh


def test_an_unknown_icon_is_404(client):
    assert client.get("/icons/icon-1024.png").status_code == 404


def test_rider_pages_link_the_manifest_staff_pages_do_not(client):
    body = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in body
    assert re.search(r'<link rel="apple-touch-icon" href="/icons/icon-192.png\?v=[0-9a-f]{12}">', body)
    assert "manifest" not in client.get("/login").get_data(as_text=True)


def test_the_rider_page_carries_the_offline_settings(app, client):
    body = client.get("/").get_data(as_text=True)
    box = re.search(r'<div hidden id="offline"(.*?)></div>', body, re.S).group(1)
    attrs = dict(re.findall(r'data-([a-z-]+)="([^"]*)"', box))
    assert attrs["js"] == static_url(app, "js/offline.js")
    assert attrs["store-js"] == static_url(app, "js/offline_store.js")
    assert attrs["hours-js"] == static_url(app, "js/hours.js")
    assert attrs["sw"] == "/sw.js"
    assert attrs["nearest"] == "/api/v1/stations/nearest"
    assert attrs["limit"] == str(NEAREST_LIMIT_MAX) == "200"
    assert attrs["zone"] == "Asia/Shanghai"
    assert attrs["note"] == "离线 · 数据更新于 %(time)s"
    assert 'id="offline-note"' in body


@pytest.mark.parametrize("path", ["/offline", "/offline/checkin"])
def test_offline_pages_hold_no_session_and_are_revalidated(client, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    assert "Set-Cookie" not in response.headers
    assert "csrf_token" not in response.get_data(as_text=True)


def test_the_check_in_shell_has_the_form_without_an_action(app, client):
    body = client.get("/offline/checkin").get_data(as_text=True)
    assert re.search(r'<form class="checkin-form" method="post" data-checkin-form>', body)
    # Opened at this address (not a poster's), checkin.js hides the form: nothing to check in to.
    assert 'data-checkin-shell="/offline/checkin"' in body
    assert "没有网络。照样点“签到”" in body
    assert 'value="courier"' in body
    assert f'data-offline-store="{static_url(app, "js/offline_store.js")}"' in body


def test_the_check_in_page_tells_the_shell_its_station(app, client):
    from stationfinder.services.posters import tokens as posters

    with app.app_context():
        station = StationFactory(name="毕城驿站", address="毕节市七星关区")
        token = posters.current_poster(station).token
        db.session.commit()
    body = client.get(f"/c/{token}").get_data(as_text=True)
    assert f'data-poster="/c/{token}"' in body
    assert 'data-station-name="毕城驿站" data-station-address="毕节市七星关区"' in body
    assert "data-offline-notice" in body


def test_csp_names_the_worker_and_manifest_sources(client):
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp
    assert "script-src 'self'" in csp and "default-src 'self'" in csp


def test_the_offline_copy_is_not_counted_as_a_rider_search(app, client):
    with app.app_context():
        StationFactory()
        dataset.bump()
        db.session.commit()
    answer = client.get("/api/v1/stations/nearest?lat=26.5&lon=106.7&limit=200&prefetch=true")
    assert answer.status_code == 200 and len(answer.get_json()["stations"]) == 1
    assert sum(demand.tally(app).counts.values()) == 0
    client.get("/api/v1/stations/nearest?lat=26.5&lon=106.7")
    assert sum(demand.tally(app).counts.values()) == 1
