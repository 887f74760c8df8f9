"""What the rider pages share: the device cookie, the CSRF check of their forms, an unusable poster."""

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from stationfinder.extensions import csrf
from stationfinder.ratelimits import DEVICE_COOKIE
from stationfinder.services.errors import DomainError, Gone

DEVICE_COOKIE_DAYS = 365


def with_device(response, device_id: str | None):
    """Give the browser a device id cookie if it has none yet."""
    if device_id is None or device_id == request.cookies.get(DEVICE_COOKIE):
        return response
    response.set_cookie(
        DEVICE_COOKIE,
        device_id,
        max_age=DEVICE_COOKIE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["APP_ENV"] == "production",
        path="/",
    )
    return response


def csrf_valid() -> bool:
    """Return whether the form's CSRF token is valid (always, when the app does not check them)."""
    # Checked here rather than globally so an expired page gets "tap again", not an error page.
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        csrf.protect()
    except CSRFError:
        return False
    return True


def poster_problem(error: DomainError):
    """Render why a poster cannot be used: replaced (410) or unknown (404)."""
    if isinstance(error, Gone):
        status, heading, advice = (
            410,
            _("This QR poster has been replaced"),
            _(
                "The station put up a new poster. Please scan the new QR code on the wall, "
                "or type the code printed under it."
            ),
        )
    else:
        status, heading, advice = (
            404,
            _("We could not find this check-in poster"),
            _("The link may be incomplete. Scan the QR code again, or type the code printed under it."),
        )
    page = render_template("rider/checkin_problem.html", status=status, heading=heading, advice=advice)
    return page, status


__all__ = ["DEVICE_COOKIE_DAYS", "csrf_valid", "poster_problem", "with_device"]
