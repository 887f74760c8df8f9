"""API authentication: a bearer token from ``users token``, or a logged-in session."""

from flask import g, request
from flask_login import current_user
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from stationfinder.models import User
from stationfinder.services import accounts


def current_api_user() -> User:
    """Return the caller, or raise 401 with a WWW-Authenticate challenge."""
    if "api_user" in g:
        return g.api_user
    header = request.headers.get("Authorization", "")
    user = None
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer":
            user = accounts.user_for_token(token.strip())
    elif current_user.is_authenticated:
        user = current_user._get_current_object()
    if user is None:
        raise Unauthorized(
            "A valid bearer token or a logged-in session is required.",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "stationfinder"}),
        )
    g.api_user = user
    return user


def optional_api_user() -> User | None:
    """Return the caller when the request carries credentials (401 if they are not valid), else None."""
    if not request.headers.get("Authorization") and not current_user.is_authenticated:
        return None
    return current_api_user()
