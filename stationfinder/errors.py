"""One error path: RFC 9457 problem+json for the API, friendly pages elsewhere."""

import logging

from flask import Flask, current_app, json, render_template, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException, InternalServerError

log = logging.getLogger(__name__)

PROBLEM_TYPE_BASE = "https://stationfinder.invalid/problems/"
PROBLEM_JSON = "application/problem+json"
# Paths of the staff pages; their errors are drawn in the staff layout.
STAFF_PREFIXES = ("/manage", "/dashboard")


def wants_problem_json() -> bool:
    """Return whether this request is an API call."""
    return request.path.startswith("/api/")


def problem(status: int, title: str, detail: str | None = None, *, slug: str | None = None, **extra):
    """Build an RFC 9457 problem+json response."""
    body = {
        "type": PROBLEM_TYPE_BASE + (slug or str(status)),
        "title": title,
        "status": status,
        # Clients may rely on detail being there; the title is the least it can say.
        "detail": detail or title,
    }
    body.update(extra)
    return current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON
    )


def _validation_messages(error: HTTPException):
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if not messages:
        return None
    # webargs nests by location ({"query": {...}}); the location adds nothing for clients.
    if isinstance(messages, dict) and len(messages) == 1:
        (only,) = messages.values()
        if isinstance(only, dict):
            return only
    return messages


def handle_http_exception(error: HTTPException):
    """Render an HTTP error for the audience that asked."""
    status = error.code or 500
    if wants_problem_json():
        errors = _validation_messages(error)
        detail = getattr(error, "problem_detail", None)
        if detail is None:
            detail = "; ".join(_flatten(errors)) if errors else error.description
        extra = {"errors": errors} if errors else {}
        extra.update(getattr(error, "problem_extra", None) or {})
        response = problem(status, error.name, detail, slug=getattr(error, "problem_slug", None), **extra)
        # Keep the headers werkzeug attaches (Allow on 405, Retry-After on 429, ...).
        for header, value in error.get_headers():
            if header.lower() != "content-type":
                response.headers[header] = value
        return response
    message = getattr(error, "page_message", None) or _page_message(status)
    return error_page(status, message, getattr(error, "page_detail", None))


def error_page(status: int, message: str | None = None, detail: str | None = None):
    """Render an error page in the asker's layout: staff pages keep the staff menu, riders the rider one."""
    message = message or _page_message(status)
    if _is_staff_path(request.path):
        try:
            return render_template("staff_error.html", status=status, message=message, detail=detail), status
        except Exception:
            # The staff menu reads the user from the database; when that is what failed, stay plain.
            log.exception("staff error page could not be drawn")
    return render_template("error.html", status=status, message=message, detail=detail), status


def _is_staff_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in STAFF_PREFIXES)


def handle_unexpected(error: Exception):
    """Log an unexpected error and answer without a traceback."""
    log.exception("unhandled error", exc_info=error)
    return handle_http_exception(InternalServerError())


def _flatten(errors, prefix=""):
    if isinstance(errors, dict):
        for key, value in errors.items():
            yield from _flatten(value, f"{prefix}{key}: " if not prefix else f"{prefix}{key}.")
    elif isinstance(errors, list | tuple):
        for item in errors:
            yield from _flatten(item, prefix)
    else:
        yield f"{prefix}{errors}"


def _page_message(status: int) -> str:
    if status == 404:
        return _("We could not find that page.")
    if status == 410:
        return _("This page is no longer available.")
    if status == 413:
        return _("What you sent is too large.")
    if status == 429:
        return _("Too many tries. Please wait a moment and try again.")
    if status in (400, 422):
        return _("Something in the request was not right. Please check and try again.")
    if status in (401, 403):
        return _("You are not allowed to see this page.")
    return _("Something went wrong on our side. Please try again later.")


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, reading too deeply nested input as malformed (a 400) instead of crashing (a 500)."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # request.get_json turns a ValueError into 400 Bad Request, or None when silent.
            raise ValueError("JSON nested too deeply") from None


def init_app(app: Flask) -> None:
    """Register the handlers, replacing flask-smorest's JSON ones."""
    app.json = JSONProvider(app)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected)
