"""Which webhooks a region has: adding, listing and removing them, and finding a report's.

A report goes to the webhooks of its region and of every region above it (``regions.ancestors``),
a nationwide one ("000000") included. Staff manage the webhooks of their region and of the regions
inside it; admins every one; station managers none. The caller commits.
"""

import secrets
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import User, Webhook
from stationfinder.models.webhook import FORMATS, MAX_NAME
from stationfinder.services.accounts import Scope
from stationfinder.services.errors import Forbidden, InvalidInput, NotFound
from stationfinder.services.regions import codes as regions
from stationfinder.services.webhooks import destinations

MIN_SECRET = 16
MAX_SECRET = 128


def may_manage(scope: Scope, region_code: str) -> bool:
    """Return whether a scope may manage the webhooks of a region: its own region or one inside it."""
    if scope.national:
        return True
    if scope.station_ids is not None or not scope.region:
        return False
    return region_code != regions.NATIONAL and regions.contains(scope.region, region_code)


def add(
    region_code: str,
    url: str,
    fmt: str,
    *,
    secret: str | None = None,
    name: str = "",
    allow_private: bool = False,
    allow_http: bool = False,
    user: User | None = None,
    resolve=None,
) -> tuple[Webhook, str | None]:
    """Add a webhook and return it with the secret to show once (a json webhook without one gets one).

    Raises InvalidInput for a bad region, format, name or secret, and ``destinations.Refused``
    for a URL the server must not call.
    """
    region_code = (region_code or "").strip()
    if region_code != regions.NATIONAL:
        try:
            region_code = regions.validate(region_code)
        except regions.InvalidRegion as exc:
            raise InvalidInput(str(exc)) from None
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}")
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the name is longer than {MAX_NAME} characters")
    destinations.check(url, allow_private=allow_private, allow_http=allow_http, resolve=resolve)
    shown = None
    if fmt == "json":
        if secret is None or not secret.strip():
            secret = shown = secrets.token_urlsafe(32)
        secret = secret.strip()
        if not MIN_SECRET <= len(secret) <= MAX_SECRET:
            raise InvalidInput(f"the secret must be {MIN_SECRET} to {MAX_SECRET} characters")
    elif secret:
        raise InvalidInput("a wecom webhook is not signed: its key is in its URL; give no secret")
    webhook = Webhook(
        region_code=region_code,
        url=url.strip(),
        format=fmt,
        secret=secret if fmt == "json" else None,
        allow_private=allow_private,
        name=name,
        created_by=user.id if user is not None else None,
    )
    db.session.add(webhook)
    db.session.flush()
    return webhook, shown


def listed(scope: Scope | None = None) -> list[Webhook]:
    """Return the webhooks a scope manages (None: all), by region then id."""
    query = sa.select(Webhook).order_by(Webhook.region_code, Webhook.id)
    if scope is not None and not scope.national:
        if scope.station_ids is not None or not scope.region:
            return []
        query = query.where(regions.clause(Webhook.region_code, scope.region))
    return list(db.session.scalars(query))


def get(webhook_id: int, scope: Scope | None = None) -> Webhook:
    """Return a webhook a scope manages (None: any); NotFound otherwise, so ids outside say nothing."""
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None or (scope is not None and not may_manage(scope, webhook.region_code)):
        raise NotFound(f"no webhook {webhook_id}")
    return webhook


def remove(webhook_id: int, scope: Scope | None = None) -> Webhook:
    """Remove a webhook (and what it still had to send); return it."""
    webhook = get(webhook_id, scope)
    db.session.delete(webhook)
    db.session.flush()
    return webhook


def check_scope(scope: Scope, region_code: str) -> None:
    """Raise Forbidden unless a scope may add a webhook for a region."""
    if not may_manage(scope, region_code):
        raise Forbidden("you may only add webhooks for your region or a region inside it")


def for_region(region_code: str | None) -> list[Webhook]:
    """Return the webhooks that a report of a region goes to: its own and every region's above it."""
    areas = [area.code for area in regions.ancestors(region_code)]
    return list(
        db.session.scalars(sa.select(Webhook).where(Webhook.region_code.in_(areas)).order_by(Webhook.id))
    )


def masked(url: str) -> str:
    """Return a webhook URL with its query values hidden (a WeCom robot's key is a secret)."""
    parts = urlsplit(url)
    # Joined by hand: urlencode percent-encodes a non-ASCII "safe" character ("%E2%80%A6").
    query = "&".join(f"{urlencode({key: ''})}…" for key, _ in parse_qsl(parts.query, keep_blank_values=True))
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


__all__ = ["add", "check_scope", "for_region", "get", "listed", "masked", "may_manage", "remove"]
