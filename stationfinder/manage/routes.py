"""Routes of the manage blueprint."""

from stationfinder.manage import bp  # noqa: F401
