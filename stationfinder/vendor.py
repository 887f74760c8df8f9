"""Serve third-party browser libraries from their installed xstatic packages (never a CDN)."""

import gzip
import hashlib
import mimetypes
import os
from functools import lru_cache

import xstatic.pkg.leaflet as leaflet_pkg
import xstatic.pkg.leaflet_markercluster as markercluster_pkg
from flask import Blueprint, abort, current_app, request, send_from_directory, url_for
from werkzeug.security import safe_join

from stationfinder.public_reads import public_read

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

# A year: vendor_url() puts the package version in the URL, so an upgrade changes the address.
CACHE_SECONDS = 365 * 24 * 3600
# Text files shrink to about a third; leaflet.js goes from 147 kB to 42 kB on a weak signal.
COMPRESSIBLE = (".js", ".css", ".map")

PACKAGES = {
    "leaflet": leaflet_pkg,
    "markercluster": markercluster_pkg,
}


@lru_cache(maxsize=16)
def _gzipped(path: str, mtime: float) -> tuple[bytes, str]:
    """Return a file's gzip bytes and their ETag (cached: these files only change on upgrade)."""
    with open(path, "rb") as f:
        body = gzip.compress(f.read(), compresslevel=9, mtime=0)
    return body, hashlib.sha256(body).hexdigest()[:32]


def _send(package, filename: str):
    if filename.endswith(COMPRESSIBLE) and request.accept_encodings["gzip"]:
        path = safe_join(package.BASE_DIR, filename)
        if path is None or not os.path.isfile(path):
            abort(404)
        body, etag = _gzipped(path, os.path.getmtime(path))
        kind = mimetypes.guess_type(path)[0] or "application/json"  # source maps are JSON
        response = current_app.response_class(body, mimetype=kind)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(etag)
        response.cache_control.max_age = CACHE_SECONDS
        response = response.make_conditional(request)
    else:
        response = send_from_directory(package.BASE_DIR, filename, max_age=CACHE_SECONDS)
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.get("/leaflet/<path:filename>")
@public_read
def leaflet(filename: str):
    """Serve a file of the installed Leaflet package."""
    return _send(leaflet_pkg, filename)


@bp.get("/markercluster/<path:filename>")
@public_read
def markercluster(filename: str):
    """Serve a file of the installed Leaflet.markercluster package."""
    return _send(markercluster_pkg, filename)


@bp.app_template_global()
def vendor_url(package: str, filename: str) -> str:
    """Return the versioned URL of a vendored file, e.g. vendor_url("leaflet", "leaflet.js")."""
    return url_for(f"vendor.{package}", filename=filename, v=PACKAGES[package].VERSION)
