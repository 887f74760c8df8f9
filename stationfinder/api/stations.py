"""API: stations and the nearest search."""

from stationfinder.api.common import Blueprint

blp = Blueprint("stations", __name__, url_prefix="/api/v1", description="Rest stations")
