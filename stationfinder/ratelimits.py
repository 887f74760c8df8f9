"""Check-in rate limits: per device first, and per IP only generously.

Many riders share one public IP behind carrier-grade NAT, so the IP limit is a
backstop against floods; the device limit is what stops one phone hammering.
Limits live in Redis when REDIS_URL is set (shared by every gunicorn worker).
"""

import hashlib
import hmac
import re

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from stationfinder.extensions import limiter
from stationfinder.services import checkins as checkin_service
from stationfinder.services.errors import InvalidInput

DEVICE_COOKIE = "sf_device"
_COOKIE_ID = re.compile(r"[A-Za-z0-9_-]{16,128}")


def cookie_device_id() -> str | None:
    """Return the rider page's device id cookie, if it holds one the page itself could have set."""
    value = request.cookies.get(DEVICE_COOKIE, "")
    return value if _COOKIE_ID.fullmatch(value) else None


def _json_body() -> dict:
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else {}


def device_id_from_request() -> str | None:
    """Return the device id a check-in request carries (the JSON body's, else the page cookie's), normalised.

    An id the service would refuse counts as none here; the service then answers it.
    """
    if not request.is_json:
        return cookie_device_id()
    value = _json_body().get("device_id")
    try:
        return checkin_service.normalize_device_id(value) if isinstance(value, str) else None
    except InvalidInput:
        return None


def report_device_id() -> str | None:
    """Return the device id a report carries (the JSON or multipart body's, else the cookie's), normalised.

    An id the service would refuse counts as none here; the service then answers it.
    """
    if request.is_json:
        value = _json_body().get("device_id")
    elif request.mimetype == "multipart/form-data":
        try:
            value = request.form.get("device_id")
        except RequestEntityTooLarge:
            value = None  # The view answers the 413.
    else:
        value = None
    if not isinstance(value, str):
        return cookie_device_id()
    try:
        return checkin_service.normalize_device_id(value)
    except InvalidInput:
        return None


def _prefix() -> str:
    # Tests that share one Redis keep their counters apart with it.
    return current_app.config.get("RATELIMIT_KEY_PREFIX") or ""


def _address() -> str:
    return request.remote_addr or ""


def _keyed(value: str) -> str:
    # Only a keyed hash reaches the limiter's store (Redis), never a device id or an address.
    secret = current_app.config["SECRET_KEY"].encode()
    # surrogatepass: a lone surrogate in a hostile body must not crash key building.
    return hmac.new(secret, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def device_key() -> str:
    """Return the limit key of the requesting device."""
    return f"{_prefix()}device:{_keyed(device_id_from_request() or '')}"


def anonymous_key() -> str:
    """Return the limit key of an anonymous check-in: the requesting address at one poster."""
    token = (request.view_args or {}).get("token") or _json_body().get("token")
    return f"{_prefix()}anon:{_keyed(repr((str(token), _address())))}"


def report_device_key() -> str:
    """Return the limit key of the device filing a report."""
    return f"{_prefix()}device:{_keyed(report_device_id() or '')}"


def ip_key() -> str:
    """Return the limit key of the requesting address."""
    return f"{_prefix()}ip:{_keyed(_address())}"


def login_key() -> str:
    """Return the limit key of a login attempt: the requesting address with the username tried."""
    username = (request.form.get("username") or "").strip().lower()[:64]
    return f"{_prefix()}login:{_keyed(repr((_address(), username)))}"


def _visit_limits(kind: str, device_id, device_key, anonymous_key) -> tuple:
    """Return the limits of check-ins or reports: per device, per address without a device id, per address."""
    name = kind.upper()
    per_device = limiter.limit(
        lambda: current_app.config[f"RATELIMIT_{name}_DEVICE"],
        scope=f"{kind}-device",
        key_func=device_key,
        # Without a device id only the address limits apply: keyed by address alone, they'd lock out a NAT.
        exempt_when=lambda: device_id() is None,
    )
    # Without a device id nothing dedupes a visit, so these are what one script could inflate.
    anonymous = limiter.limit(
        lambda: current_app.config[f"RATELIMIT_{name}_ANONYMOUS"],
        scope=f"{kind}-anonymous",
        key_func=anonymous_key,
        exempt_when=lambda: device_id() is not None,
    )
    # A generous backstop per address.
    per_address = limiter.limit(
        lambda: current_app.config[f"RATELIMIT_{name}_IP"], scope=f"{kind}-ip", key_func=ip_key
    )
    return per_device, anonymous, per_address


checkin_device_limit, checkin_anonymous_limit, checkin_ip_limit = _visit_limits(
    "checkin", device_id_from_request, device_key, anonymous_key
)
report_device_limit, report_anonymous_limit, report_ip_limit = _visit_limits(
    "report", report_device_id, report_device_key, ip_key
)
code_lookup_limit = limiter.limit(
    lambda: current_app.config["RATELIMIT_CHECKIN_IP"], scope="code-lookup", key_func=ip_key
)
# Counts failures only: every attempt is counted before the password is checked, and a success
# clears the count (forget_login_failures). Counting up front (rather than deduct_when) keeps the
# check atomic in Redis, so parallel guesses cannot all pass before the first one is counted.
# Once one account is being guessed from an address, even the right password waits.
login_limit = limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN"], key_func=login_key, methods=("POST",)
)
# Only failures count across usernames: one address trying many accounts is stopped, while the
# staff of a station behind one NAT address can still log in one after another.
login_address_limit = limiter.limit(
    lambda: current_app.config["RATELIMIT_LOGIN_IP"],
    key_func=ip_key,
    methods=("POST",),
    deduct_when=lambda response: response.status_code != 302,
)


def forget_login_failures() -> None:
    """Clear the failed logins counted for this request's address and username, after a success.

    The per-address count stays: one valid account must not wipe out the guesses made at others.
    """
    login_limit.clear()


__all__ = [
    "DEVICE_COOKIE",
    "checkin_anonymous_limit",
    "checkin_device_limit",
    "checkin_ip_limit",
    "code_lookup_limit",
    "cookie_device_id",
    "device_id_from_request",
    "forget_login_failures",
    "login_address_limit",
    "login_limit",
    "report_anonymous_limit",
    "report_device_id",
    "report_device_limit",
    "report_ip_limit",
]
