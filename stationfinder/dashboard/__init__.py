"""The dashboard blueprint."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

from stationfinder.dashboard import coverage_routes, routes  # noqa: E402,F401  (routes attach to bp)
