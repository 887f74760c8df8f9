"""The manage blueprint."""

from flask import Blueprint

bp = Blueprint("manage", __name__, url_prefix="/manage")

from stationfinder.manage import hours_routes, poster_routes, report_routes, routes, webhook_routes  # noqa: E402,F401  (routes attach to bp)
