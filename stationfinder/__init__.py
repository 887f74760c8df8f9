"""stationfinder: rest stations for China's delivery riders, couriers and drivers."""

import gc
import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from stationfinder import config as settings
from stationfinder.geo import counties

_PACKAGE = Path(__file__).resolve().parent


def _resource_dir(name: str) -> str:
    """Return a top-level resource folder: beside the package in a checkout, inside it in a wheel."""
    inside = _PACKAGE / name
    return str(inside if inside.is_dir() else _PACKAGE.parent / name)


def create_app(test_config=None) -> Flask:
    """Create and configure the stationfinder app."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=_resource_dir("templates"),
        static_folder=_resource_dir("static"),
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(settings.defaults(app.instance_path))
    app.config.from_mapping(settings.from_environ())
    if test_config is not None:
        app.config.from_mapping(test_config)
    settings.finalize(app.config, app.instance_path)
    counties.use_cache_dir(app.instance_path)

    register_extensions(app)
    register_caches(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_static(app)
    register_security(app)
    register_delivery(app)
    trust_proxies(app)
    settle_memory(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Take the client address and scheme from the TRUSTED_PROXIES reverse proxies in front.

    Each proxy appends to X-Forwarded-For, so only the last n entries are trustworthy; with
    n = 0 the headers are ignored, as any client can send them. X-Forwarded-Host and -Port stay
    unused: links in posters come from PUBLIC_BASE_URL, and proxies pass the Host header on.
    """
    count = app.config["TRUSTED_PROXIES"]
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def settle_memory(app: Flask) -> None:
    """Keep the objects made at start-up out of every later garbage collection.

    They live as long as the worker. Without this each full collection walks all of
    them again: every third 16,000-station statistics answer took ~150 ms longer.
    Tests make many apps in one process, so they skip it.
    """
    if app.testing:
        return
    gc.collect()
    gc.freeze()


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to the app."""
    from stationfinder import i18n, public_reads
    from stationfinder.extensions import api, csrf, db, limiter, login, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=_resource_dir("migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    public_reads.init_app(app)
    login.init_app(app)
    i18n.init_app(app)
    api.init_app(app)

    from stationfinder.services import accounts

    accounts.init_login(app)

    from stationfinder.db import init_app as init_db

    init_db(app)


def register_caches(app: Flask) -> None:
    """Give each per-worker cache (``caching.WorkerCache``) its store, and the demand tally, in this app."""
    from stationfinder.services import busy
    from stationfinder.services.checkins.recording import POSTERS
    from stationfinder.services.nearest.search import INDEX
    from stationfinder.services.planning import coverage as planning_coverage
    from stationfinder.services.planning import demand
    from stationfinder.services.stats.coverage import CACHES as STATS_CACHES

    for cache in (INDEX, POSTERS, *STATS_CACHES, planning_coverage.CACHE, busy.CACHE):
        cache.init_app(app)
    demand.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Register one blueprint per audience."""
    from stationfinder.api import register as register_api
    from stationfinder.auth import bp as auth_bp
    from stationfinder.dashboard import bp as dashboard_bp
    from stationfinder.manage import bp as manage_bp
    from stationfinder.open311 import register as register_open311
    from stationfinder.rider import bp as rider_bp
    from stationfinder.vendor import bp as vendor_bp

    register_api(app)
    register_open311(app)
    app.register_blueprint(rider_bp)
    app.register_blueprint(vendor_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(manage_bp)
    app.register_blueprint(dashboard_bp)


def register_errorhandlers(app: Flask) -> None:
    """Answer API errors as problem+json and page errors as friendly pages."""
    from stationfinder import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    """Register the CLI command groups."""
    from stationfinder.cli import init_app as init_cli

    init_cli(app)


def register_delivery(app: Flask) -> None:
    """Let ``make run`` send report notifications in the web process (OUTBOX_IN_PROCESS)."""
    from stationfinder import delivery

    delivery.init_app(app)


def register_static(app: Flask) -> None:
    """Serve static files under content-hashed names, and compress text answers.

    Before register_security: after-request hooks run last-registered first, so compression
    comes after every hook that could still change a page's headers (security, no-cache).
    """
    from stationfinder import compression, static_files

    compression.init_app(app)
    static_files.init_app(app)


def register_security(app: Flask) -> None:
    """Set security headers on every response."""
    from stationfinder import security

    security.init_app(app)
