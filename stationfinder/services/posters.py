"""QR posters: unguessable tokens, typable short codes, rotation and lookup."""

import re
import secrets

import sqlalchemy as sa

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


def rotate(station: Station, user: User | None) -> Poster:
    """Retire the station's active posters and return a new one; old tokens then answer Gone."""
    now = utcnow()
    retired = list(
        db.session.scalars(
            sa.select(Poster).where(Poster.station_id == station.id, Poster.retired_at.is_(None))
        )
    )
    for poster in retired:
        poster.retired_at = now
    db.session.flush()
    fresh = _new_poster(station)
    old = ",".join(p.short_code for p in retired) or None
    _audit(station, user, "poster_rotate", {"poster": [old, fresh.short_code]})
    return fresh


def _checked(poster: Poster | None) -> Poster:
    if poster is None:
        raise NotFound("no such poster")
    if poster.retired_at is not None:
        raise Gone("this poster was replaced")
    return poster


def by_token(token: str | None) -> Poster:
    """Return the active poster with a token; raise NotFound, or Gone when it was rotated."""
    if not token or not TOKEN_PATTERN.match(token):
        raise NotFound("no such poster")
    return _checked(db.session.scalar(sa.select(Poster).where(Poster.token == token)))


def by_short_code(text: str | None) -> Poster:
    """Return the active poster with a short code as a rider typed it; raise NotFound or Gone."""
    code = normalize_code(text)
    if code is None:
        raise NotFound("no such poster")
    return _checked(db.session.scalar(sa.select(Poster).where(Poster.short_code == code)))


def checkin_url(poster: Poster, base_url: str) -> str:
    """Return the URL a poster's QR encodes."""
    return f"{base_url.rstrip('/')}/c/{poster.token}"


def _audit(station: Station, user: User | None, action: str, changes: dict) -> None:
    db.session.add(
        AuditEntry(station_id=station.id, user_id=user.id if user else None, action=action, changes=changes)
    )
    db.session.flush()


__all__ = [
    "CODE_ALPHABET",
    "by_short_code",
    "by_token",
    "checkin_url",
    "create_poster",
    "current_poster",
    "display_code",
    "normalize_code",
    "rotate",
]
