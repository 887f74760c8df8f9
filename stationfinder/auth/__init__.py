"""The auth blueprint."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from stationfinder.auth import routes  # noqa: E402,F401  (routes attach to bp)
