"""The rider blueprint."""

from flask import Blueprint

bp = Blueprint("rider", __name__)

from stationfinder.rider import checkin_routes, pwa_routes, report_routes, routes, tracking_routes  # noqa: E402,F401  (routes attach to bp)
