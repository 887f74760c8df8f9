"""Routes of the auth blueprint."""

from stationfinder.auth import bp  # noqa: F401
