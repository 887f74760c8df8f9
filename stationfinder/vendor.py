"""Serve third-party browser libraries from their installed xstatic packages (never a CDN)."""

import xstatic.pkg.leaflet as leaflet_pkg
import xstatic.pkg.leaflet_markercluster as markercluster_pkg
from flask import Blueprint, send_from_directory, url_for

bp = Blueprint("vendor", __name__, url_prefix="/vendor")

# A year: vendor_url() puts the package version in the URL, so an upgrade changes the address.
CACHE_SECONDS = 365 * 24 * 3600

PACKAGES = {
    "leaflet": leaflet_pkg,
    "markercluster": markercluster_pkg,
}


def _send(package, filename: str):
    response = send_from_directory(package.BASE_DIR, filename, max_age=CACHE_SECONDS)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response


@bp.get("/leaflet/<path:filename>")
def leaflet(filename: str):
    """Serve a file of the installed Leaflet package."""
    return _send(leaflet_pkg, filename)


@bp.get("/markercluster/<path:filename>")
def markercluster(filename: str):
    """Serve a file of the installed Leaflet.markercluster package."""
    return _send(markercluster_pkg, filename)


@bp.app_template_global()
def vendor_url(package: str, filename: str) -> str:
    """Return the versioned URL of a vendored file, e.g. vendor_url("leaflet", "leaflet.js")."""
    return url_for(f"vendor.{package}", filename=filename, v=PACKAGES[package].VERSION)
