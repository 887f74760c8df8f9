"""The spec's errors, ``[{"code", "description"}]`` with the HTTP status, in the format the URL asked for.

Every error under /open311/v2 takes this form: the blueprint's handlers catch what its views raise,
and the app's 404 and 405 handlers (routing fails before any blueprint is known) take this form for
paths under /open311/v2, leaving every other path to the site's error path (``stationfinder.errors``).
"""

import logging

from flask import request
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed, NotFound

from stationfinder import errors as site_errors
from stationfinder.open311 import PREFIX, formats

log = logging.getLogger(__name__)


def error_response(status: int, description: str, headers=()):
    """Return one error in the spec's form, with its HTTP status."""
    body = [{"code": status, "description": description}]
    response = formats.render(body, formats.asked_format(), root="errors", item="error", status=status)
    for header, value in headers:
        if header.lower() != "content-type":
            response.headers[header] = value
    return response


def _messages(errors, prefix: str = ""):
    if isinstance(errors, dict):
        for key, value in errors.items():
            # webargs nests by location ({"query": {...}}); the location adds nothing for clients.
            inner = "" if key in ("query", "form", "json", "view_args") else f"{prefix}{key}: "
            yield from _messages(value, inner if not prefix else f"{prefix}{key}.")
    elif isinstance(errors, list | tuple):
        for item in errors:
            yield from _messages(item, prefix)
    else:
        yield f"{prefix}{errors}"


def describe(error: HTTPException) -> str:
    """Return what went wrong, in words: each invalid argument with its message, or the error's text."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    return "; ".join(_messages(messages)) if messages else (error.description or error.name)


def handle_http_exception(error: HTTPException):
    """Answer an HTTP error in the spec's form, keeping its headers (Allow, Retry-After)."""
    return error_response(error.code or 500, describe(error), error.get_headers())


def handle_unexpected(error: Exception):
    """Log an unexpected error and answer a 500 in the spec's form, without a traceback."""
    log.exception("unhandled error", exc_info=error)
    return handle_http_exception(InternalServerError())


def handle_routing_error(error: HTTPException):
    """Answer an unknown path (404) or method (405) under the blueprint's prefix in the spec's form."""
    if request.path == PREFIX or request.path.startswith(PREFIX + "/"):
        return handle_http_exception(error)
    return site_errors.handle_http_exception(error)


def init(bp) -> None:
    """Register the spec's error form on the blueprint, and on the app for its unknown paths and methods."""
    bp.register_error_handler(HTTPException, handle_http_exception)
    bp.register_error_handler(Exception, handle_unexpected)
    for error in (NotFound, MethodNotAllowed):
        bp.app_errorhandler(error)(handle_routing_error)


__all__ = ["describe", "error_response", "handle_http_exception", "handle_routing_error", "init"]
