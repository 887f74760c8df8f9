"""API: checkins."""

from stationfinder.api.common import Blueprint

blp = Blueprint("checkins", __name__, url_prefix="/api/v1", description="checkins")
