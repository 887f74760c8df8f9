"""Look up and list stations, tell whether one is open now, and shape them for the API."""

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from stationfinder.amenities import from_mask, to_mask
from stationfinder.extensions import db
from stationfinder.geo.nav import nav_links
from stationfinder.models import Station, StationStatus
from stationfinder.services.errors import NotFound
from stationfinder.services.regions import codes as regions
from stationfinder.services.regions import names as region_names
from stationfinder.services.stations import hours

# Ids are 32-bit on PostgreSQL; larger numbers cannot name a station (and overflow SQLite's binding).
MAX_ID = 2**31 - 1


class Page(NamedTuple):
    items: list[Station]
    total: int


def get_station(key: int | str) -> Station:
    """Return the station with this numeric id or ref, or raise NotFound."""
    station = None
    if isinstance(key, int) and not isinstance(key, bool):
        station = db.session.get(Station, key) if 0 < key <= MAX_ID else None
    elif isinstance(key, str) and key.isascii() and key.isdigit():
        # Refs are never all digits (the importer refuses them), so digits always mean an id.
        number = int(key) if len(key) <= 10 else 0
        station = db.session.get(Station, number) if 0 < number <= MAX_ID else None
    elif isinstance(key, str) and 0 < len(key) <= 64 and "\x00" not in key:
        # No ref holds NUL, and PostgreSQL refuses to compare text with one (a 500 on the dashboard).
        station = db.session.scalar(sa.select(Station).where(Station.ref == key))
    if station is None:
        raise NotFound(f"no station {str(key)[:64]!r}")
    return station


def _filtered(select, region: str | None, amenities, q: str | None):
    if region:
        select = select.where(regions.clause(Station.region_code, region))
    mask = to_mask(amenities or ())
    if mask:
        select = select.where(Station.amenity_mask.op("&")(mask) == mask)
    if q and q.strip():
        select = select.where(_matches(q.strip()))
    return select


def _matches(q: str):
    """Return a SQL condition: the name or address contains ``q``, or the station lies in a region named so.

    Region names are matched in Python (about a hundred of them) and become code-prefix
    conditions, so the database answers with one scan and no join.
    """
    condition = sa.or_(
        Station.name.icontains(q, autoescape=True), Station.address.icontains(q, autoescape=True)
    )
    named = region_names.codes_named(q)
    # A city's code already covers its counties.
    prefixes = sorted({regions.prefix(code) for code in named})
    prefixes = [p for p in prefixes if not any(p != o and p.startswith(o) for o in prefixes)]
    if prefixes:
        condition = sa.or_(condition, *(Station.region_code.startswith(p, autoescape=True) for p in prefixes))
    return condition


def list_stations(
    region: str | None = None, amenities=(), q: str | None = None, limit: int = 50, offset: int = 0
) -> Page:
    """Return one page of stations (name order) matching every filter, and the total that match.

    Closed stations are listed too, with their status, so riders learn a station they knew has gone.
    """
    total = db.session.scalar(_filtered(sa.select(sa.func.count(Station.id)), region, amenities, q)) or 0
    select = _filtered(sa.select(Station), region, amenities, q).order_by(Station.name, Station.id)
    items = list(db.session.scalars(select.limit(limit).offset(offset)))
    return Page(items, total)


def local_zone(tz: tzinfo | str | None = None) -> tzinfo:
    """Return the zone opening hours are read in (config TIMEZONE unless given)."""
    if tz is None:
        tz = current_app.config["TIMEZONE"]
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def open_at(status: str, opening_hours: str | None, local: datetime) -> bool:
    """Return whether a station with this status and these hours is open at a local time."""
    if status != StationStatus.OPEN.value:
        return False
    try:
        return hours.parse(opening_hours).is_open(local)
    except hours.InvalidHours:
        # Unreadable hours cannot promise the station is open.
        return False


# Closing times further ahead are not news to a rider deciding where to go now.
CLOSES_AT_HORIZON_MIN = 24 * 60


def open_state(status: str, opening_hours: str | None, local: datetime) -> dict:
    """Return {"open_now", "closes_at", "closes_in_min"} for a station at a local time.

    ``closes_at`` is the local wall-clock "HH:MM" (midnight as "24:00") at which an open station
    next closes, when that is within a day; ``closes_in_min`` is how many minutes away that is.
    """
    return dict(_open_state(status, opening_hours, local.replace(second=0, microsecond=0)))


# Hours have minute resolution, and a minute's answers are asked for again and again (five per
# nearest search, over a few hundred distinct hours): remember them.
@lru_cache(maxsize=4096)
def _open_state(status: str, opening_hours: str | None, local: datetime) -> dict:
    state = {"open_now": False, "closes_at": None, "closes_in_min": None}
    if status != StationStatus.OPEN.value:
        return state
    try:
        schedule = hours.parse(opening_hours)
    except hours.InvalidHours:
        return state
    state["open_now"] = schedule.is_open(local)
    closes = schedule.closes_at(local) if state["open_now"] else None
    if closes is not None:
        minutes = round((closes - local).total_seconds() / 60)
        if minutes <= CLOSES_AT_HORIZON_MIN:
            midnight = closes.hour == 0 and closes.minute == 0
            state["closes_at"] = "24:00" if midnight else f"{closes.hour:02d}:{closes.minute:02d}"
            state["closes_in_min"] = minutes
    return state


def is_open_now(station_or_fields: Station | Any, now_utc: datetime | None = None, tz=None) -> bool:
    """Return whether a station (or anything with .status and .opening_hours) is open at ``now_utc``."""
    now_utc = now_utc or datetime.now(UTC)
    local = now_utc.astimezone(local_zone(tz))
    return open_at(station_or_fields.status, station_or_fields.opening_hours, local)


@lru_cache(maxsize=1 << 14)
def _amenity_codes(mask: int) -> list[str]:
    # Shared between answers, which only serialise it.
    return from_mask(mask)


def shape(
    *,
    id: int,
    ref: str | None,
    name: str,
    address: str,
    lat: float,
    lon: float,
    amenity_mask: int,
    opening_hours: str,
    region_code: str | None,
    status: str,
    access: str,
    is_demo: bool,
    open_now: bool,
    distance_m: float | None = None,
    closes_at: str | None = None,
    closes_in_min: int | None = None,
    gcj: tuple[float, float] | None = None,
) -> dict:
    """Return the API's station object from plain fields (shared by the ORM path and the search index).

    ``gcj``: the position in GCJ-02, when the caller has it already (the route links need it).
    """
    # Keys in sorted order: the JSON encoder sorts them, and sorting sorted keys is nearly free.
    return {
        "access": access,
        "address": address,
        "amenities": _amenity_codes(amenity_mask),
        "closes_at": closes_at,
        "closes_in_min": closes_in_min,
        "distance_m": None if distance_m is None else round(float(distance_m), 1),
        "id": id,
        "is_demo": is_demo,
        "lat": lat,
        "lon": lon,
        "name": name,
        "nav": nav_links(lat, lon, name, address, gcj),
        "open_now": open_now,
        "opening_hours": opening_hours,
        "ref": ref,
        "region_code": region_code,
        "status": status,
    }


def iso_utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


def to_dict(station: Station, distance_m: float | None = None, now: datetime | None = None, tz=None) -> dict:
    """Return the API's full station object for a Station row (the search adds no phone or capacity)."""
    now = now or datetime.now(UTC)
    state = open_state(station.status, station.opening_hours, now.astimezone(local_zone(tz)))
    out = shape(
        id=station.id,
        ref=station.ref,
        name=station.name,
        address=station.address or "",
        lat=station.lat,
        lon=station.lon,
        amenity_mask=station.amenity_mask or 0,
        opening_hours=station.opening_hours,
        region_code=station.region_code,
        status=station.status,
        access=station.access,
        is_demo=bool(station.is_demo),
        distance_m=distance_m,
        **state,
    )
    out.update(
        phone=station.phone or "",
        seats=station.seats,
        area_m2=station.area_m2,
        last_verified_at=iso_utc(station.last_verified_at),
    )
    return dict(sorted(out.items()))
