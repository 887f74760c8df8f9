"""QR posters: unguessable tokens, typable short codes, rotation and lookup."""

import ipaddress
import re
import secrets
from datetime import datetime, timedelta
from urllib.parse import SplitResult, urlsplit

import sqlalchemy as sa
from flask import current_app

from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Poster, Station, User, utcnow
from stationfinder.services.errors import Gone, NotFound

# 18 random bytes: 144 bits, well above the 96 the posters must resist guessing with.
TOKEN_BYTES = 18
# Crockford base32: no I, L, O or U, so a code read off a wall is typed back unambiguously.
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CODE_READS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_CODE_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_token() -> str:
    """Return a fresh URL-safe poster token."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def new_short_code() -> str:
    """Return a fresh short code."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str | None) -> str | None:
    """Return the canonical short code a rider meant, or None when it cannot be one."""
    code = _CODE_SEPARATORS.sub("", (text or "").upper()).translate(_CODE_READS)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def display_code(code: str) -> str:
    """Return a short code grouped for reading aloud (ABCD-EFGH)."""
    return f"{code[:4]}-{code[4:]}"


def _unused(column, make) -> str:
    # Collisions are astronomically rare; checking keeps a unique-violation out of the caller's transaction.
    for _ in range(10):
        value = make()
        if db.session.scalar(sa.select(Poster.id).where(column == value)) is None:
            return value
    raise RuntimeError("could not draw an unused poster value")


def _new_poster(station: Station) -> Poster:
    poster = Poster(
        station_id=station.id,
        token=_unused(Poster.token, new_token),
        short_code=_unused(Poster.short_code, new_short_code),
    )
    poster.station = station
    db.session.add(poster)
    db.session.flush()
    return poster


def create_poster(station: Station, user: User | None = None) -> Poster:
    """Create a new active poster for a station."""
    poster = _new_poster(station)
    _audit(station, user, "poster_create", {"poster": [None, poster.short_code]})
    return poster


def current_poster(station: Station, create: bool = True) -> Poster | None:
    """Return the station's newest active poster, creating the first one when asked."""
    poster = db.session.scalar(
        sa.select(Poster)
        .where(Poster.station_id == station.id, Poster.retired_at.is_(None))
        .order_by(Poster.created_at.desc(), Poster.id.desc())
        .limit(1)
    )
    if poster is None and create:
        poster = create_poster(station)
    return poster


def grace_period() -> timedelta:
    """Return how long replaced posters keep working (POSTER_GRACE_HOURS)."""
    return timedelta(hours=current_app.config["POSTER_GRACE_HOURS"])


def is_retired(retired_at: datetime | None, now: datetime | None = None) -> bool:
    """Return whether a poster retired at ``retired_at`` has stopped working (its grace period is over)."""
    return retired_at is not None and retired_at <= (now or utcnow())


def rotate(
    station: Station, user: User | None, grace: timedelta | None = None, now: datetime | None = None
) -> Poster:
    """Make a new poster for a station; the old ones keep working for ``grace``, then answer Gone.

    ``grace`` defaults to POSTER_GRACE_HOURS, so a rotation by mistake does not at once turn every
    printed copy into a dead end; zero retires them now (a poster copied or misused). A grace never
    extends one already running.
    """
    now = now or utcnow()
    ends = now + max(grace_period() if grace is None else grace, timedelta(0))
    working = list(
        db.session.scalars(
            sa.select(Poster).where(
                Poster.station_id == station.id, sa.or_(Poster.retired_at.is_(None), Poster.retired_at > now)
            )
        )
    )
    for poster in working:
        poster.retired_at = ends if poster.retired_at is None else min(poster.retired_at, ends)
    db.session.flush()
    fresh = _new_poster(station)
    old = ",".join(p.short_code for p in working) or None
    until = [None, ends.isoformat()] if working else [None, None]
    _audit(station, user, "poster_rotate", {"poster": [old, fresh.short_code], "old_posters_until": until})
    return fresh


def restore(station: Station, poster_id: int, user: User | None, now: datetime | None = None) -> Poster:
    """Make a replaced poster that still works the station's current one again: undo a rotation.

    The posters that replaced it get the grace period in turn, so the undo can itself be undone.
    Raises NotFound for another station's poster, Gone once its grace period is over.
    """
    now = now or utcnow()
    poster = db.session.get(Poster, poster_id) if 0 < poster_id < 2**31 else None
    if poster is None or poster.station_id != station.id:
        raise NotFound("no such poster at this station")
    if poster.retired_at is None:
        return poster
    if is_retired(poster.retired_at, now):
        raise Gone("this poster's grace period is over")
    ends = now + grace_period()
    newer = list(
        db.session.scalars(
            sa.select(Poster).where(Poster.station_id == station.id, Poster.retired_at.is_(None))
        )
    )
    for other in newer:
        other.retired_at = ends
    poster.retired_at = None
    db.session.flush()
    old = ",".join(p.short_code for p in newer) or None
    until = [None, ends.isoformat()] if newer else [None, None]
    _audit(station, user, "poster_restore", {"poster": [old, poster.short_code], "old_posters_until": until})
    return poster


def in_grace(station: Station, now: datetime | None = None) -> list[Poster]:
    """Return the station's replaced posters that still work, the longest-lasting first."""
    return list(
        db.session.scalars(
            sa.select(Poster)
            .where(Poster.station_id == station.id, Poster.retired_at > (now or utcnow()))
            .order_by(Poster.retired_at.desc(), Poster.id.desc())
        )
    )


def _checked(poster: Poster | None) -> Poster:
    if poster is None:
        raise NotFound("no such poster")
    if is_retired(poster.retired_at):
        raise Gone("this poster was replaced")
    return poster


def by_token(token: str | None) -> Poster:
    """Return the working poster with a token; raise NotFound, or Gone once rotated and past its grace."""
    if not token or not TOKEN_PATTERN.match(token):
        raise NotFound("no such poster")
    return _checked(db.session.scalar(sa.select(Poster).where(Poster.token == token)))


def by_short_code(text: str | None) -> Poster:
    """Return the working poster with a short code as a rider typed it; raise NotFound or Gone."""
    code = normalize_code(text)
    if code is None:
        raise NotFound("no such poster")
    return _checked(db.session.scalar(sa.select(Poster).where(Poster.short_code == code)))


def checkin_url(poster: Poster, base_url: str) -> str:
    """Return the URL a poster's QR encodes."""
    return f"{base_url.rstrip('/')}/c/{poster.token}"


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:
        return None


def _port(parts: SplitResult) -> int | None:
    try:
        port = parts.port
    except ValueError:
        return None
    return port or {"http": 80, "https": 443}.get(parts.scheme)


def _local_host(host: str) -> bool:
    """Return whether a host name or address cannot be reached from a rider's phone on mobile data."""
    if host == "localhost" or host.endswith((".localhost", ".local")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified or address.is_private or address.is_link_local


def address_problem(base_url: str, host_url: str | None, default: str | None = None) -> str | None:
    """Return why posters made for ``base_url`` may not reach riders, or None.

    "default": it is still the built-in default; "local": only this machine or its network can
    open it; "other_host": the manager reached this site at ``host_url``, another host, which can
    mean the setting is stale (unless the manager uses an internal address: a loopback one is not
    compared).
    """
    if default is not None and base_url.rstrip("/") == default.rstrip("/"):
        return "default"
    base = _split(base_url)
    host = (base.hostname or "").lower() if base else ""
    if base is None or base.scheme not in ("http", "https") or not host or _local_host(host):
        return "local"
    # The Host header is the client's to write: one that is no URL at all compares with nothing.
    seen = _split(host_url or "")
    seen_host = (seen.hostname or "").lower() if seen else ""
    if not seen_host or _local_host(seen_host):
        return None
    if (seen_host, _port(seen)) != (host, _port(base)):
        return "other_host"
    return None


def _audit(station: Station, user: User | None, action: str, changes: dict) -> None:
    db.session.add(
        AuditEntry(station_id=station.id, user_id=user.id if user else None, action=action, changes=changes)
    )
    db.session.flush()


__all__ = [
    "CODE_ALPHABET",
    "address_problem",
    "by_short_code",
    "by_token",
    "checkin_url",
    "create_poster",
    "current_poster",
    "display_code",
    "grace_period",
    "in_grace",
    "is_retired",
    "normalize_code",
    "restore",
    "rotate",
]
