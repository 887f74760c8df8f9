"""Open311 GeoReport v2 at /open311/v2: reports as service requests, in JSON and XML (docs/open311.md).

Machine-facing and token-authenticated (the ``api_key`` argument), so not CSRF-protected. Its
operations are in the API's OpenAPI document; its errors take the spec's form (``errors.py``).
"""

from flask import Flask

from stationfinder.api.common import Blueprint

PREFIX = "/open311/v2"
bp = Blueprint(
    "open311",
    __name__,
    url_prefix=PREFIX,
    description="Open311 GeoReport v2: riders' reports as service requests, in JSON or XML (the URL's "
    "extension). Reading is public: positions rounded, descriptions for staff in scope only. Filing takes an "
    "`api_key` (an API token). Errors are the spec's `[{code, description}]`, not problem+json.",
)


def register(app: Flask) -> None:
    """Register the Open311 blueprint with the API's OpenAPI document; exempt it from CSRF."""
    from stationfinder.extensions import api, csrf
    from stationfinder.open311 import routes  # noqa: F401 (importing it adds the views to bp)

    csrf.exempt(bp)
    api.register_blueprint(bp)
