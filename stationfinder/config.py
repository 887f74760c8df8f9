"""Settings: defaults, overridden by the environment, overridden by a test mapping."""

import os

DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"

# Environment variables read as-is (strings) or converted with the given type.
_ENV_SETTINGS: dict[str, type] = {
    "DATABASE_URL": str,
    "SECRET_KEY": str,
    "PUBLIC_BASE_URL": str,
    "REDIS_URL": str,
    "TIMEZONE": str,
    "APP_ENV": str,
    "CHECKIN_DEDUPE_MINUTES": int,
    "CHECKIN_UNDO_MINUTES": int,
    "MAP_TILE_URL": str,
    "MAP_TILE_CRS": str,
    "MAP_TILE_ATTRIBUTION": str,
    "RATELIMIT_CHECKIN_DEVICE": str,
    "RATELIMIT_CHECKIN_IP": str,
    "RATELIMIT_LOGIN": str,
    "INDEX_REFRESH_SECONDS": float,
    "ROLLUP_FOLD_EVERY": int,
    "ROLLUP_FOLD_SECONDS": float,
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class ConfigError(RuntimeError):
    """Raised when the settings cannot make a safe app."""


def defaults(instance_path: str) -> dict:
    """Return the built-in settings."""
    return {
        "APP_ENV": "development",
        "DATABASE_URL": "sqlite:///" + os.path.join(instance_path, "stationfinder.sqlite"),
        "SECRET_KEY": None,
        "PUBLIC_BASE_URL": "http://127.0.0.1:5000",
        "REDIS_URL": None,
        "TIMEZONE": "Asia/Shanghai",
        "CHECKIN_DEDUPE_MINUTES": 30,
        "CHECKIN_UNDO_MINUTES": 5,
        # OSM tiles are WGS-84; set MAP_TILE_CRS=gcj02 for Amap tiles.
        "MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "MAP_TILE_CRS": "wgs84",
        "MAP_TILE_ATTRIBUTION": "© OpenStreetMap contributors",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_CHECKIN_DEVICE": "20 per hour",
        # Generous: many riders share one carrier-grade NAT address.
        "RATELIMIT_CHECKIN_IP": "3000 per hour",
        "RATELIMIT_LOGIN": "10 per 15 minutes",
        "INDEX_REFRESH_SECONDS": 2.0,
        # A worker counts its check-ins into the rollups after this many, or this long; reads
        # count everything still pending first, so these trade write cost, never exactness.
        "ROLLUP_FOLD_EVERY": 64,
        "ROLLUP_FOLD_SECONDS": 2.0,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "LANGUAGES": ["zh_Hans_CN", "en"],
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "API_TITLE": "stationfinder API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
    }


def from_environ(environ=None) -> dict:
    """Return the settings the environment sets."""
    environ = os.environ if environ is None else environ
    out: dict = {}
    for key, kind in _ENV_SETTINGS.items():
        raw = environ.get(key)
        if raw is None or raw == "":
            continue
        try:
            out[key] = kind(raw)
        except ValueError:
            raise ConfigError(f"{key}={raw!r} is not a valid {kind.__name__}") from None
    raw = environ.get("RATELIMIT_ENABLED")
    if raw is not None and raw.strip().lower() in _TRUE | _FALSE:
        out["RATELIMIT_ENABLED"] = raw.strip().lower() in _TRUE
    elif raw:
        raise ConfigError(f"RATELIMIT_ENABLED={raw!r}: use true or false")
    return out


def finalize(config) -> None:
    """Derive dependent settings and refuse unsafe combinations."""
    production = config["APP_ENV"] == "production"
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        config["SECRET_KEY"] = DEV_SECRET_KEY
    url = config["DATABASE_URL"]
    # Plain postgresql:// URLs (as most hosts hand them out) should use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    config["SQLALCHEMY_DATABASE_URI"] = url
    config["PUBLIC_BASE_URL"] = config["PUBLIC_BASE_URL"].rstrip("/")
    if production:
        # Not setdefault: Flask's own defaults already hold SESSION_COOKIE_SECURE=False.
        config["SESSION_COOKIE_SECURE"] = True
        config["REMEMBER_COOKIE_SECURE"] = True
    config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    config["BABEL_DEFAULT_TIMEZONE"] = config["TIMEZONE"]
