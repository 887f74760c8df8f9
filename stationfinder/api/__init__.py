"""The JSON API under /api/v1, documented by the same schemas that validate it."""

from flask import Flask

from stationfinder.extensions import api, csrf


def register(app: Flask) -> None:
    """Register the API blueprints; the API uses tokens or JSON, not CSRF-protected forms."""
    from stationfinder.api import checkins, common, planning, reports, stations, stats

    common.document(api)
    for module in (stations, checkins, stats, planning, reports):
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp)
