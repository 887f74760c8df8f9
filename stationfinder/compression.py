"""Brotli or gzip for text answers, unless a proxy in front compresses them (COMPRESS_RESPONSES=false).

flask-compress does the work; its own hook stays unregistered (COMPRESS_REGISTER=false) so that
this one can leave out the staff pages. Static and vendored files are compressed in static_files, once.
"""

from flask import Flask, request

from stationfinder.extensions import compress
from stationfinder.security import STAFF_BLUEPRINTS


def _compress(response):
    # BREACH: a compressed page's length can leak a secret it holds (the staff's CSRF token) next to
    # text an attacker chooses. Staff pages are few and read on a good connection; riders' pages
    # hold nothing worth that.
    if request.blueprint in STAFF_BLUEPRINTS:
        return response
    return compress.after_request(response)


def init_app(app: Flask) -> None:
    """Compress text answers of 500 bytes or more that the browser accepts compressed."""
    compress.init_app(app)
    if app.config["COMPRESS_RESPONSES"]:
        app.after_request(_compress)
