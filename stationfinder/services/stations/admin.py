"""Station management: list, create, edit and confirm stations, keeping an audit entry of every change.

Every mutation checks the user's permission (raising Forbidden), validates with the same rules as
the importer (``station_fields.clean``), writes an AuditEntry, bumps the dataset version and
flushes; the caller commits. A region code left empty is filled from the county boundaries, as the
importer does; :func:`region_warning` says when a saved code does not hold the position.
"""

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from stationfinder.amenities import from_mask
from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Role, Station, User, utcnow
from stationfinder.services import dataset
from stationfinder.services.accounts import can_manage, scope_of
from stationfinder.services.errors import Forbidden, InvalidInput
from stationfinder.services.regions import codes as regions
from stationfinder.services.stations import fields as station_fields
from stationfinder.services.stations import placement

# What a form may set: the file columns minus what only imports set. Positions come in
# ``coord_system`` and are stored as WGS-84.
FIELDS = tuple(c for c in station_fields.COLUMNS if c not in ("ref", "last_verified_at", "is_demo"))
# The history shows these, by the name a form uses (amenities as codes, not the stored mask).
AUDITED = tuple(c for c in FIELDS if c != "coord_system")
# About 10 cm: a position shown in GCJ-02 and sent back unchanged must not count as a move.
_SAME_POSITION_DEG = 1e-6
_UTC = ZoneInfo("UTC")
# Beyond any real list, and small enough that its offset fits any database's integer.
MAX_PAGE = 1_000_000


class InvalidStation(InvalidInput):
    """Some fields are invalid; ``errors`` maps each field to its reasons."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{field}: {msg}" for field, msgs in errors.items() for msg in msgs))
        self.errors = errors


class OutsideRegion(Forbidden):
    """The region code is missing or lies outside the region the user looks after."""


class UnsavedChanges(InvalidInput):
    """A confirmation came with values that differ from the stored ones; ``fields`` says which."""

    def __init__(self, fields: list[str]):
        super().__init__("unsaved changes in " + ", ".join(fields))
        self.fields = fields


def may_create(user: User) -> bool:
    """Return whether a user may add stations."""
    return bool(user and user.is_active) and user.role in (Role.ADMIN, Role.STAFF)


def list_stations(user: User, q: str | None = None, page: int = 1, per_page: int = 20):
    """Return one page (a Flask-SQLAlchemy Pagination, the last past the end) of a user's stations."""
    select = sa.select(Station).where(scope_of(user).station_clause())
    q = (q or "").strip()[:100]
    if "\x00" in q:
        # No stored text holds NUL, and PostgreSQL refuses to compare text with one (a 500).
        select = select.where(sa.false())
    elif q:
        select = select.where(
            sa.or_(
                Station.name.icontains(q, autoescape=True),
                Station.address.icontains(q, autoescape=True),
                Station.ref == q,
                Station.region_code == q,
            )
        )
    select = select.order_by(Station.name, Station.id)
    # The page comes from the URL: a huge number overflowed the database's integer (a 500).
    page = min(max(page, 1), MAX_PAGE)
    pagination = db.paginate(select, page=page, per_page=per_page, error_out=False, count=True)
    if pagination.pages and page > pagination.pages:
        # Past the end (an old link, a typed number): show the last page, not an empty list.
        pagination = db.paginate(
            select, page=pagination.pages, per_page=per_page, error_out=False, count=True
        )
    return pagination


# The columns _snapshot reads.
_SNAPSHOT_COLUMNS = (
    "name", "address", "region_code", "amenity_mask", "opening_hours", "phone", "access", "seats",
    "area_m2", "status", "lat", "lon",
)  # fmt: skip


def _snapshot(station: Station) -> dict:
    return {
        "name": station.name,
        "address": station.address or "",
        "region_code": station.region_code,
        "amenities": from_mask(station.amenity_mask or 0),
        "opening_hours": station.opening_hours,
        "phone": station.phone or "",
        "access": station.access,
        "seats": station.seats,
        "area_m2": station.area_m2,
        "status": station.status,
        "lat": None if station.lat is None else round(station.lat, 7),
        "lon": None if station.lon is None else round(station.lon, 7),
    }


def _clean(data: dict, fill_region: bool) -> dict:
    """Return station column values for form data, or raise InvalidStation.

    With ``fill_region``, an empty region code becomes the county that holds the position.
    """
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise InvalidStation({field: ["not a station field"] for field in sorted(unknown)})
    values, reasons = station_fields.clean(data, _UTC)
    if reasons:
        errors: dict[str, list[str]] = {}
        for reason in reasons:
            field, _, message = reason.partition(": ")
            errors.setdefault(field if field in FIELDS else "name", []).append(message or reason)
        raise InvalidStation(errors)
    if fill_region and not values.get("region_code"):
        values["region_code"], _ = placement.place(None, values["lat"], values["lon"])
    return values


def _check_region(user: User, new: str | None, old: str | None, creating: bool) -> None:
    if user.role == Role.ADMIN:
        return
    if user.role == Role.MANAGER:
        if creating:
            raise Forbidden("station managers cannot add stations")
        if new != old:
            raise Forbidden("station managers cannot change a station's region")
        return
    if not new or not regions.contains(user.region_code, new):
        raise OutsideRegion(f"the region code must lie inside {user.region_code}")


def _changes(before: dict, after: dict) -> dict:
    return {field: [before[field], after[field]] for field in AUDITED if before[field] != after[field]}


def _record(user: User, station: Station, action: str, changes: dict) -> AuditEntry:
    entry = AuditEntry(user_id=user.id, station_id=station.id, action=action, changes=changes)
    db.session.add(entry)
    return entry


def create_station(user: User, data: dict) -> Station:
    """Add a station (admins anywhere, staff inside their region) and record it."""
    if not may_create(user):
        raise Forbidden("only admins and district staff can add stations")
    values = _clean(data, fill_region=True)
    _check_region(user, values.get("region_code"), None, creating=True)
    station = Station(**values, last_verified_at=utcnow())
    db.session.add(station)
    db.session.flush()
    created = {k: [None, v] for k, v in _snapshot(station).items() if v not in (None, "", [])}
    _record(user, station, "create", created)
    dataset.bump()
    db.session.flush()
    return station


def _same_position(station: Station, values: dict) -> bool:
    return (
        station.lat is not None
        and math.isclose(station.lat, values["lat"], abs_tol=_SAME_POSITION_DEG)
        and math.isclose(station.lon, values["lon"], abs_tol=_SAME_POSITION_DEG)
    )


def update_station(user: User, station: Station, data: dict) -> AuditEntry:
    """Save a station's details (the whole form; region_code may be left out); saving also confirms them."""
    if not can_manage(user, station):
        raise Forbidden("you may not manage this station")
    values = _clean(data, fill_region="region_code" in data)
    if "region_code" in data:
        _check_region(user, values.get("region_code"), station.region_code, creating=False)
    if _same_position(station, values):
        del values["lat"], values["lon"]
    before = _snapshot(station)
    for column, value in values.items():
        setattr(station, column, value)
    changes = _changes(before, _snapshot(station))
    if not changes:
        return confirm_station(user, station)
    station.last_verified_at = utcnow()
    entry = _record(user, station, "update", changes)
    dataset.bump()
    db.session.flush()
    return entry


def pending_changes(user: User, station: Station, data: dict) -> list[str]:
    """Return the fields that saving the form ``data`` would change, without changing anything."""
    if not can_manage(user, station):
        raise Forbidden("you may not manage this station")
    values = _clean(data, fill_region="region_code" in data)
    if _same_position(station, values):
        del values["lat"], values["lon"]
    # A detached copy takes the values, so the session never sees (or autoflushes) a half-edit.
    shadow = Station(**{column: getattr(station, column) for column in _SNAPSHOT_COLUMNS})
    for column, value in values.items():
        setattr(shadow, column, value)
    return list(_changes(_snapshot(station), _snapshot(shadow)))


def confirm_station(user: User, station: Station, shown: dict | None = None) -> AuditEntry:
    """Confirm that a station's details are still right. Return the audit entry.

    ``shown`` is the form the user confirmed from: if it holds edits not yet saved, confirming would
    vouch for details the user did not see stored, so UnsavedChanges is raised and nothing changes.
    """
    if not can_manage(user, station):
        raise Forbidden("you may not manage this station")
    if shown is not None:
        unsaved = pending_changes(user, station, shown)
        if unsaved:
            raise UnsavedChanges(unsaved)
    old = station.last_verified_at
    station.last_verified_at = utcnow()
    entry = _record(
        user, station, "confirm", {"last_verified_at": [_iso(old), _iso(station.last_verified_at)]}
    )
    dataset.bump()
    db.session.flush()
    return entry


def region_warning(station: Station) -> placement.RegionWarning | None:
    """Return why a station's region code looks wrong for its position, or None when it fits."""
    return placement.place(station.region_code, station.lat, station.lon)[1]


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def history(user: User, station: Station, limit: int = 200) -> list[tuple[AuditEntry, str | None]]:
    """Return a station's audit entries, newest first, each with the username who made it."""
    if not can_manage(user, station):
        raise Forbidden("you may not manage this station")
    rows = db.session.execute(
        sa.select(AuditEntry, User.username)
        .outerjoin(User, User.id == AuditEntry.user_id)
        .where(AuditEntry.station_id == station.id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    )
    return [(entry, username) for entry, username in rows]
