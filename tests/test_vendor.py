"""Leaflet and markercluster come from their installed packages, cached for a long time."""

import gzip

import pytest
import xstatic.pkg.leaflet as leaflet_pkg
import xstatic.pkg.leaflet_markercluster as markercluster_pkg
from flask import render_template_string

LEAFLET_FILES = ["leaflet.js", "leaflet.css", "images/marker-icon.png"]
CLUSTER_FILES = ["leaflet.markercluster.js", "MarkerCluster.css", "MarkerCluster.Default.css"]


def fetch(client, url):
    """Return a fully read response (file responses stream, and must be closed)."""
    with client.get(url) as response:
        response.get_data()
        return response


@pytest.mark.parametrize(
    ("prefix", "package", "name"),
    [("leaflet", leaflet_pkg, name) for name in LEAFLET_FILES]
    + [("markercluster", markercluster_pkg, name) for name in CLUSTER_FILES],
)
def test_files_are_served_from_the_installed_package(client, prefix, package, name):
    response = fetch(client, f"/vendor/{prefix}/{name}")
    assert response.status_code == 200
    with open(f"{package.BASE_DIR}/{name}", "rb") as f:
        assert response.data == f.read()
    cache = response.cache_control
    assert cache.public and cache.immutable and cache.max_age >= 30 * 24 * 3600
    expected = {"js": "text/javascript", "css": "text/css", "png": "image/png"}[name.rsplit(".", 1)[1]]
    assert response.mimetype == expected


def test_vendor_refuses_paths_outside_the_package(client):
    for url in (
        "/vendor/leaflet/../__init__.py",
        "/vendor/leaflet/%2e%2e/__init__.py",
        "/vendor/markercluster/..%2f..%2fleaflet/__init__.py",
        "/vendor/leaflet/nope.js",
    ):
        assert fetch(client, url).status_code == 404, url


def test_vendor_urls_carry_the_package_version(app):
    with app.test_request_context():
        url = render_template_string("{{ vendor_url('leaflet', 'leaflet.js') }}")
        cluster = render_template_string("{{ vendor_url('markercluster', 'MarkerCluster.css') }}")
    assert url == f"/vendor/leaflet/leaflet.js?v={leaflet_pkg.VERSION}"
    assert cluster == f"/vendor/markercluster/MarkerCluster.css?v={markercluster_pkg.VERSION}"


@pytest.mark.parametrize(
    ("url", "path", "mimetype"),
    [
        ("/vendor/leaflet/leaflet.js", f"{leaflet_pkg.BASE_DIR}/leaflet.js", "text/javascript"),
        ("/vendor/leaflet/leaflet.js.map", f"{leaflet_pkg.BASE_DIR}/leaflet.js.map", "application/json"),
        (
            "/vendor/markercluster/MarkerCluster.css",
            f"{markercluster_pkg.BASE_DIR}/MarkerCluster.css",
            "text/css",
        ),
    ],
)
def test_text_files_are_gzipped_for_weak_signals(client, url, path, mimetype):
    with client.get(url, headers={"Accept-Encoding": "gzip, deflate"}) as response:
        body = response.get_data()
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.mimetype == mimetype
    assert "Accept-Encoding" in response.vary
    with open(path, "rb") as f:
        original = f.read()
    assert gzip.decompress(body) == original
    assert len(body) < len(original) / 2
    assert response.cache_control.immutable and response.cache_control.max_age >= 30 * 24 * 3600

    with client.get(
        url, headers={"Accept-Encoding": "gzip", "If-None-Match": response.get_etag()[0]}
    ) as again:
        assert again.status_code == 304


def test_gzip_path_refuses_missing_and_outside_files(client):
    for url in ("/vendor/leaflet/nope.js", "/vendor/leaflet/../__init__.py", "/vendor/leaflet/%2e%2e/x.css"):
        with client.get(url, headers={"Accept-Encoding": "gzip"}) as response:
            assert response.status_code == 404, url
