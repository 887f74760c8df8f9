"""Serve third-party browser libraries from their installed xstatic packages (never a CDN)."""

import os

import xstatic.pkg.leaflet as leaflet_pkg
import xstatic.pkg.leaflet_markercluster as markercluster_pkg
from flask import Blueprint, abort, url_for
from werkzeug.security import safe_join

from stationfinder import static_files
from stationfinder.public_reads import public_read

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

PACKAGES = {
    "leaflet": leaflet_pkg,
    "markercluster": markercluster_pkg,
}


def _send(package, filename: str):
    # vendor_url() puts the package version in the address, so an upgrade changes it: kept a year.
    path = safe_join(package.BASE_DIR, filename)
    if path is None or not os.path.isfile(path):
        abort(404)
    return static_files.send(path, static_files.file_entry(path), immutable=True)


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
