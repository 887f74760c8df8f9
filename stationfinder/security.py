"""Security headers, CSP included, on every response."""

from urllib.parse import urlsplit

from flask import Flask, request

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


def init_app(app: Flask) -> None:
    """Attach the security headers."""
    defaults = [
        ("Content-Security-Policy", content_security_policy(app.config["MAP_TILE_URL"])),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        # Check-in URLs carry poster tokens: never leak them to map sites.
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "geolocation=(self), camera=(), microphone=()"),
    ]
    if app.config["APP_ENV"] == "production":
        defaults.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    # Staff pages show one user's figures, poster tokens and forms: a shared proxy or the back button
    # of a shared computer must not keep them (the statistics API says the same).
    staff = [*defaults, ("Cache-Control", "private, no-store")]

    @app.after_request
    def _headers(response):
        # A view may have set its own (a stricter CSP, a cache policy): add only the missing ones.
        # One pass over the response's headers, since this runs on every answer.
        h = response.headers
        present = {key.lower() for key, _ in h}
        wanted = staff if request.blueprint in STAFF_BLUEPRINTS else defaults
        h.extend([(key, value) for key, value in wanted if key.lower() not in present])
        return response
