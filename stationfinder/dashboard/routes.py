"""Routes of the dashboard blueprint."""

from stationfinder.dashboard import bp  # noqa: F401
