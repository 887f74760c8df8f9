"""Routes of the rider blueprint."""

from flask import render_template

from stationfinder.rider import bp


@bp.get("/")
def index():
    """Show the nearest-station page."""
    return render_template("rider/index.html")
