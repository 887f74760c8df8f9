"""Settings: defaults, overridden by the environment, overridden by a test mapping."""

import logging
import os
import secrets
import time

SECRET_KEY_FILE = "secret_key"
# Only this machine can open it: the poster pages warn while PUBLIC_BASE_URL still holds it.
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:5000"
_KEY_HEX_CHARS = 64

log = logging.getLogger(__name__)

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
    "POSTER_GRACE_HOURS": float,
    "MAP_TILE_URL": str,
    "MAP_TILE_CRS": str,
    "MAP_TILE_ATTRIBUTION": str,
    "RATELIMIT_CHECKIN_DEVICE": str,
    "RATELIMIT_CHECKIN_IP": str,
    "RATELIMIT_CHECKIN_ANONYMOUS": str,
    "RATELIMIT_LOGIN": str,
    "RATELIMIT_LOGIN_IP": str,
    "TRUSTED_PROXIES": int,
    "INDEX_REFRESH_SECONDS": float,
    "ROLLUP_FOLD_EVERY": int,
    "ROLLUP_FOLD_SECONDS": float,
    "REPORT_ACK_HOURS": float,
    "REPORT_FIX_DAYS": float,
    "RATELIMIT_REPORT_DEVICE": str,
    "RATELIMIT_REPORT_ANONYMOUS": str,
    "RATELIMIT_REPORT_IP": str,
    "OUTBOX_MAX_TRIES": int,
    "OUTBOX_RETRY_SECONDS": float,
    "OUTBOX_LEASE_SECONDS": float,
    "OUTBOX_TIMEOUT_SECONDS": float,
    "OUTBOX_POLL_SECONDS": float,
    "DEMAND_FLUSH_SECONDS": float,
    "DWELL_MINUTES": int,
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
        "PUBLIC_BASE_URL": DEFAULT_PUBLIC_BASE_URL,
        "REDIS_URL": None,
        "TIMEZONE": "Asia/Shanghai",
        "CHECKIN_DEDUPE_MINUTES": 30,
        "CHECKIN_UNDO_MINUTES": 5,
        # A replaced poster keeps working this long, so a rotation by mistake can be put right.
        "POSTER_GRACE_HOURS": 24,
        # OSM tiles are WGS-84; set MAP_TILE_CRS=gcj02 for Amap tiles.
        "MAP_TILE_URL": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "MAP_TILE_CRS": "wgs84",
        "MAP_TILE_ATTRIBUTION": "© OpenStreetMap contributors",
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_CHECKIN_DEVICE": "20 per hour",
        # Generous: many riders share one carrier-grade NAT address.
        "RATELIMIT_CHECKIN_IP": "3000 per hour",
        # Check-ins without a device id cannot be deduplicated: few per station and address.
        "RATELIMIT_CHECKIN_ANONYMOUS": "20 per hour",
        # Failed logins per address and username; a successful login clears the count.
        "RATELIMIT_LOGIN": "10 per 15 minutes",
        # Failed logins from one address, whatever the usernames (password spraying).
        "RATELIMIT_LOGIN_IP": "30 per 15 minutes",
        # How many reverse proxies stand in front; 0 ignores X-Forwarded-* (they could be forged).
        "TRUSTED_PROXIES": 0,
        "INDEX_REFRESH_SECONDS": 2.0,
        # How long the rider page waits for a position before offering the district search.
        "LOCATE_TIMEOUT_SECONDS": 15.0,
        # A worker counts its check-ins into the rollups after this many, or this long; reads
        # count everything still pending first, so these trade write cost, never exactness.
        "ROLLUP_FOLD_EVERY": 64,
        "ROLLUP_FOLD_SECONDS": 2.0,
        # A report is overdue when unacknowledged this long, or not closed after REPORT_FIX_DAYS.
        "REPORT_ACK_HOURS": 48,
        "REPORT_FIX_DAYS": 7,
        # Reports per device, per address without a device id, and per address in all (shared NATs).
        "RATELIMIT_REPORT_DEVICE": "10 per hour",
        "RATELIMIT_REPORT_ANONYMOUS": "10 per hour",
        "RATELIMIT_REPORT_IP": "600 per hour",
        # Webhook deliveries: tries before a message is abandoned; the first retry's wait, doubling
        # with each try up to 6 hours (12 tries span about 14.5 hours).
        "OUTBOX_MAX_TRIES": 12,
        "OUTBOX_RETRY_SECONDS": 30.0,
        # A worker owns a claimed message this long; a killed worker's message is sent by the next
        # after it. Longer than a send can take (OUTBOX_TIMEOUT_SECONDS), so two never overlap.
        "OUTBOX_LEASE_SECONDS": 60.0,
        "OUTBOX_TIMEOUT_SECONDS": 10.0,
        "OUTBOX_POLL_SECONDS": 5.0,
        # `make run` delivers in the web process (a thread); production runs `flask outbox work`.
        "OUTBOX_IN_PROCESS": False,
        # Each worker writes its tally of riders' searches (unmet demand) this often; a search
        # shows in /api/v1/stats/demand within twice this.
        "DEMAND_FLUSH_SECONDS": 30.0,
        # "Busy now": riders present at a station are its check-ins of this many minutes (a rider's
        # usual stay), set against its seats (services/busy).
        "DWELL_MINUTES": 40,
        # Brotli or gzip for text answers and static files; false when a proxy in front compresses.
        "COMPRESS_RESPONSES": True,
        # flask-compress's settings: its own hook stays off (stationfinder/compression.py calls it);
        # no zstd or deflate (brotli and gzip cover every browser); streamed answers pass untouched.
        "COMPRESS_REGISTER": False,
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_STREAMS": False,
        "COMPRESS_MIN_SIZE": 500,
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
    for key in ("RATELIMIT_ENABLED", "OUTBOX_IN_PROCESS", "COMPRESS_RESPONSES"):
        raw = environ.get(key)
        if raw is not None and raw.strip().lower() in _TRUE | _FALSE:
            out[key] = raw.strip().lower() in _TRUE
        elif raw:
            raise ConfigError(f"{key}={raw!r}: use true or false")
    return out


def _read_key(path: str) -> str:
    # Another worker may have created the file an instant ago and not written the key yet.
    for _ in range(50):
        with open(path, encoding="ascii") as f:
            key = f.read().strip()
        if len(key) >= _KEY_HEX_CHARS:
            return key
        time.sleep(0.02)
    raise ConfigError(f"{path} holds no usable key: delete it or set SECRET_KEY")


def instance_secret_key(instance_path: str) -> str:
    """Return the key kept in the instance folder, creating a random one (mode 0600) the first time."""
    path = os.path.join(instance_path, SECRET_KEY_FILE)
    try:
        # O_EXCL: of several workers starting at once exactly one creates the key; the rest read it.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(secrets.token_hex(_KEY_HEX_CHARS // 2))
        f.flush()
        os.fsync(f.fileno())
    return _read_key(path)


def finalize(config, instance_path: str) -> None:
    """Derive dependent settings and refuse unsafe combinations."""
    production = config["APP_ENV"] == "production"
    if not config.get("SECRET_KEY"):
        if production:
            raise ConfigError("SECRET_KEY must be set when APP_ENV=production")
        config["SECRET_KEY"] = instance_secret_key(instance_path)
        log.warning(
            "SECRET_KEY is not set: using the random key in %s; set SECRET_KEY to keep sessions across hosts",
            os.path.join(instance_path, SECRET_KEY_FILE),
        )
    if not 0 <= config["POSTER_GRACE_HOURS"] <= 24 * 365:
        raise ConfigError("POSTER_GRACE_HOURS must be between 0 (old posters stop at once) and 8760")
    if config["TRUSTED_PROXIES"] < 0:
        raise ConfigError("TRUSTED_PROXIES must be 0 or more (the number of reverse proxies in front)")
    if config["OUTBOX_MAX_TRIES"] < 1 or config["OUTBOX_RETRY_SECONDS"] <= 0:
        raise ConfigError("OUTBOX_MAX_TRIES must be 1 or more and OUTBOX_RETRY_SECONDS more than 0")
    if not 0 < config["DEMAND_FLUSH_SECONDS"] <= 30:
        raise ConfigError("DEMAND_FLUSH_SECONDS must be more than 0 and at most 30")
    if not 1 <= config["DWELL_MINUTES"] <= 24 * 60:
        raise ConfigError("DWELL_MINUTES must be between 1 and 1440 (a day)")
    if config["OUTBOX_LEASE_SECONDS"] < 2 * config["OUTBOX_TIMEOUT_SECONDS"]:
        raise ConfigError("OUTBOX_LEASE_SECONDS must be at least twice OUTBOX_TIMEOUT_SECONDS")
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
