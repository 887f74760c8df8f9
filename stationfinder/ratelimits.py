"""Check-in rate limits: per device first, and per IP only generously.

Many riders share one public IP behind carrier-grade NAT, so the IP limit is a
backstop against floods; the device limit is what stops one phone hammering.
Limits live in Redis when REDIS_URL is set (shared by every gunicorn worker).
"""

import hashlib
import hmac
import math
import time

from flask import current_app, request
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address

from stationfinder import errors
from stationfinder.extensions import limiter

DEVICE_COOKIE = "sf_device"


def device_id_from_request() -> str | None:
    """Return the device id a check-in request carries: the JSON body's, else the page cookie's."""
    if request.is_json:
        body = request.get_json(silent=True)
        value = body.get("device_id") if isinstance(body, dict) else None
    else:
        value = request.cookies.get(DEVICE_COOKIE)
    return value if isinstance(value, str) and value else None


def _prefix() -> str:
    # Part of the key, not only Flask-Limiter's prefix: that one is fixed by the first app in a process.
    return current_app.config.get("RATELIMIT_KEY_PREFIX") or ""


def _keyed(value: str) -> str:
    # Only a keyed hash reaches the limiter's store (Redis), never a device id or an address.
    secret = current_app.config["SECRET_KEY"].encode()
    # surrogatepass: a lone surrogate in a hostile body must not crash key building.
    return hmac.new(secret, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def device_key() -> str:
    """Return the limit key of the requesting device."""
    return f"{_prefix()}device:{_keyed(device_id_from_request() or '')}"


def ip_key() -> str:
    """Return the limit key of the requesting address."""
    return f"{_prefix()}ip:{_keyed(get_remote_address() or '')}"


checkin_device_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_CHECKIN_DEVICE"],
    scope="checkin-device",
    key_func=device_key,
    # Without a device id only the IP limit applies; keying anonymous requests by IP would lock out a NAT.
    exempt_when=lambda: device_id_from_request() is None,
)
checkin_ip_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_CHECKIN_IP"], scope="checkin-ip", key_func=ip_key
)
code_lookup_limit = limiter.shared_limit(
    lambda: current_app.config["RATELIMIT_CHECKIN_IP"], scope="code-lookup", key_func=ip_key
)


def too_many_requests(error: RateLimitExceeded):
    """Answer a breached limit through the common error path, telling the client when to retry."""
    current = limiter.current_limit
    if current is not None:
        error.retry_after = max(1, math.ceil(current.reset_at - time.time()))
    return errors.handle_http_exception(error)


__all__ = [
    "DEVICE_COOKIE",
    "checkin_device_limit",
    "checkin_ip_limit",
    "code_lookup_limit",
    "device_id_from_request",
    "too_many_requests",
]
