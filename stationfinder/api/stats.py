"""API: stats."""

from stationfinder.api.common import Blueprint

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="stats")
