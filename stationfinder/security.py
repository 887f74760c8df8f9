"""Security headers, CSP included, on every response."""

from urllib.parse import urlsplit

from flask import Flask

# Blueprints of the staff pages (dashboard, station management, log-in): none may be cached anywhere.
STAFF_BLUEPRINTS = frozenset({"auth", "dashboard", "manage"})


def content_security_policy(tile_url: str) -> str:
    """Return the CSP: our own scripts only, map tiles from the configured host."""
    parts = urlsplit(tile_url)
    scheme = parts.scheme if parts.scheme in ("http", "https") else "https"
    tile_host = parts.netloc
    if "{s}" in tile_host:
        # Leaflet fills {s} with a subdomain (a-c, or 1-4 for Amap's webrd0{s}): allow the parent domain.
        after = tile_host.split("{s}", 1)[1]
        parent = after.split(".", 1)[1] if "." in after else ""
        # Never widen to a whole public suffix ("*.com").
        tile_host = "*." + parent if "." in parent else ""
    tiles = f" {scheme}://{tile_host}" if tile_host else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            # Leaflet positions map panes with inline styles; no script runs from them.
            "style-src 'self' 'unsafe-inline'",
            f"img-src 'self' data: blob:{tiles}",
            "connect-src 'self'",
            "font-src 'self'",
            # The rider pages' service worker (/sw.js) and app manifest: only ever our own.
            "worker-src 'self'",
            "manifest-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """WSGI middleware that adds the security headers a response lacks, to every response.

    A view may set its own (a stricter CSP, a cache policy): only the missing ones are added. At
    the WSGI layer the headers are a plain list, so this costs a fraction of what adding them to
    Flask's response headers in an after-request hook did (13.6 µs of a 368 µs nearest answer).
    """

    def __init__(self, wsgi_app, headers: list[tuple[str, str]]):
        self.wsgi_app = wsgi_app
        self.headers = [(name.lower(), name, value) for name, value in headers]

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            present = {name.lower() for name, _ in headers}
            missing = [(name, value) for lower, name, value in self.headers if lower not in present]
            return start_response(status, headers + missing, exc_info)

        return self.wsgi_app(environ, start)


def _no_store(response):
    # Staff pages show one user's figures, poster tokens and forms: a shared proxy or the back button
    # of a shared computer must not keep them (the statistics API says the same).
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "private, no-store"
    return response


def init_app(app: Flask) -> None:
    """Attach the security headers to every response, and no-store to the staff pages."""
    headers = [
        ("Content-Security-Policy", content_security_policy(app.config["MAP_TILE_URL"])),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        # Check-in URLs carry poster tokens: never leak them to map sites.
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "geolocation=(self), camera=(), microphone=()"),
    ]
    if app.config["APP_ENV"] == "production":
        headers.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    app.wsgi_app = SecurityHeaders(app.wsgi_app, headers)
    # Blueprints are registered by now, so their hooks go straight into the app's table.
    for name in STAFF_BLUEPRINTS:
        app.after_request_funcs.setdefault(name, []).append(_no_store)
