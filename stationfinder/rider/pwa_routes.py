"""The installable rider app: its service worker, manifest and icons, and the pages it shows offline.

The worker is rendered from templates/rider/sw.js so that what it precaches comes from url_for
(static file names may carry content hashes) and its version is a hash of those files, of the shell
pages' templates and of the app's version: any change installs a worker with new cache names.
"""

import hashlib
import json
import os
from functools import lru_cache
from importlib import metadata

from flask import abort, current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from stationfinder import vendor
from stationfinder.api.schemas import NEAREST_LIMIT_MAX
from stationfinder.rider import bp, icons
from stationfinder.rider.checkin_routes import group_choices

# What the rider pages need without a network; the rider scripts, checkin.js and offline.js load the rest.
STATIC_ASSETS = (
    "css/app.css",
    "css/report.css",
    "js/load_script.js",
    "js/rider_list.js",
    "js/rider_filters.js",
    "js/rider.js",
    "js/coords.js",
    "js/map.js",
    "js/report_list.js",
    "js/checkin.js",
    "js/offline.js",
    "js/offline_store.js",
    "js/hours.js",
)
VENDOR_ASSETS = (("leaflet", "leaflet.js"), ("leaflet", "leaflet.css"))
# The worker itself and the pages it precaches: a change to one must reach phones as well.
SHELL_TEMPLATES = (
    "rider/sw.js",
    "base.html",
    "rider/_layout.html",
    "rider/index.html",
    "rider/offline.html",
    "rider/checkin_offline.html",
    "rider/_offline.html",
)
# The rider's area kept on the phone for offline use (offline.js): the nearest search's largest answer.
OFFLINE_STATIONS = NEAREST_LIMIT_MAX
THEME_COLOR = "#b71c1c"  # --brand in static/css/app.css, the top bar
BACKGROUND_COLOR = "#ffffff"


def _app_version() -> str:
    try:
        return metadata.version("stationfinder")
    except metadata.PackageNotFoundError:  # run from a tree that was never installed
        return "0"


def _shell_files() -> list[str]:
    """Return the paths of every file whose content goes into the worker's version."""
    static = current_app.static_folder or ""
    paths = [os.path.join(static, name) for name in STATIC_ASSETS]
    paths += [os.path.join(vendor.PACKAGES[package].BASE_DIR, name) for package, name in VENDOR_ASSETS]
    loader = current_app.jinja_env.loader
    for name in SHELL_TEMPLATES:
        _source, filename, _uptodate = loader.get_source(current_app.jinja_env, name)
        paths.append(filename)
    return paths


@lru_cache(maxsize=8)
def _digest(stamp: tuple[tuple[str, int, int], ...], app_version: str) -> str:
    """Hash the files named in ``stamp`` (path, mtime, size); cached until one of them changes."""
    h = hashlib.sha256(app_version.encode())
    for path, _mtime, _size in stamp:
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()[:16]


def worker_version() -> str:
    """Return the version the worker's cache names carry: a hash of what it keeps and of the app."""
    stamp = []
    for path in _shell_files():
        st = os.stat(path)
        stamp.append((path, st.st_mtime_ns, st.st_size))
    return _digest(tuple(stamp), _app_version())


bp.add_app_template_global(OFFLINE_STATIONS, "offline_stations")


@bp.app_template_global()
def pwa_icon_url(name: str) -> str:
    """Return the URL of an app icon; it changes with the drawing, so it may be cached for good."""
    return url_for("rider.app_icon", name=name, v=hashlib.sha256(icons.png(name)).hexdigest()[:12])


def _prefix(endpoint: str, **values: str) -> str:
    """Return the path of a one-segment page without that segment ("/stations/"), for the worker."""
    return url_for(endpoint, **values).rsplit("/", 1)[0] + "/"


@bp.get("/sw.js")
def service_worker():
    """Return the rider pages' service worker (scope: the whole site, as it is served at the root)."""
    assets = [url_for("static", filename=name) for name in STATIC_ASSETS]
    assets += [vendor.vendor_url(package, name) for package, name in VENDOR_ASSETS]
    # A kept page is shown in the language it was saved in (its <html lang>): one note for each.
    kept_note = {}
    for lang, locale in (("zh-CN", "zh_Hans_CN"), ("en", "en")):
        with force_locale(locale):
            kept_note[lang] = _("Offline · page saved at %(time)s", time="%(time)s")
    body = render_template(
        "rider/sw.js",
        kept_note=kept_note,
        version=worker_version(),
        assets=assets,
        store_js=url_for("static", filename="js/offline_store.js"),
        index=url_for("rider.index"),
        offline=url_for("rider.offline_page"),
        checkin_shell=url_for("rider.offline_checkin"),
        station_prefix=_prefix("rider.station", key="x"),
        checkin_prefix=_prefix("rider.checkin_page", token="x"),
    )
    response = current_app.response_class(body, mimetype="text/javascript")
    # Browsers check the worker for updates on every navigation; never answer from an HTTP cache.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """Return the web app manifest: what "添加到主屏幕" installs."""
    # The app is Chinese first and a home screen shows one name: the existing zh-CN one.
    with force_locale("zh_Hans_CN"):
        name = _("Rider rest stations")
        description = _("Find the nearest rest station, ride there and check in, even without a signal.")
    data = {
        "id": url_for("rider.index"),
        "name": name,
        "short_name": name,
        "description": description,
        "lang": "zh-CN",
        "dir": "ltr",
        "start_url": url_for("rider.index"),
        "scope": url_for("rider.index"),
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": pwa_icon_url("icon-192"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": pwa_icon_url("icon-512"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": pwa_icon_url("maskable-512"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    response = current_app.response_class(
        json.dumps(data, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/icons/<name>.png")
def app_icon(name: str):
    """Return one app icon as PNG."""
    if name not in icons.SIZES:
        abort(404)
    response = current_app.response_class(icons.png(name), mimetype="image/png")
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.cache_control.immutable = True
    return response


def _offline_response(page: str):
    response = current_app.make_response(page)
    # Precached by the worker and refreshed with it; a browser cache must not keep an older one.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline_page():
    """Show what the worker answers for a rider page it has not kept: the list still works offline."""
    return _offline_response(render_template("rider/offline.html"))


@bp.get("/offline/checkin")
def offline_checkin():
    """Show the check-in shell the worker answers for any /c/<token> without a network."""
    return _offline_response(render_template("rider/checkin_offline.html", groups=group_choices()))
