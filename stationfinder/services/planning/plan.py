"""The planning question: which region, what radius, at what time; checked against the caller's scope."""

from dataclasses import dataclass
from datetime import date, datetime, time

from stationfinder.geo import counties
from stationfinder.geo import coverage as geo_coverage
from stationfinder.services.accounts import Scope, region_in
from stationfinder.services.errors import InvalidInput
from stationfinder.services.stations.lookup import local_zone


@dataclass(frozen=True)
class Plan:
    """A checked question: a region, the walk that defines "near", and the local time (None: now)."""

    region: str
    minutes: float
    speed_kmh: float
    radius_m: float
    at: datetime | None = None


def region_in_scope(scope: Scope, region: str | None) -> str:
    """Return the region asked for (default: the staff's own), or raise InvalidInput / Forbidden."""
    if not region:
        if scope.national or scope.station_ids is not None:
            raise InvalidInput("give region: a province, city or county code, e.g. 520500")
        region = scope.region
    region = region_in(scope, region)
    if not counties.counties(region):
        raise InvalidInput(f"region {region} has no county boundaries")
    return region


def parse_at(value: str | None, today: date | None = None) -> datetime | None:
    """Return a local time from "HH:MM" (today) or an ISO date-time (naive: local), or None."""
    if not value:
        return None
    zone = local_zone()
    value = value.strip()
    try:
        if len(value) <= 5 and ":" in value:
            clock = time.fromisoformat(value.zfill(5))
            day = today or datetime.now(zone).date()
            return datetime.combine(day, clock, tzinfo=zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput("at must be a local time such as 03:00 or 2025-03-10T03:00") from None
    if not 2000 <= moment.year <= 2100:
        raise InvalidInput("at must lie between the years 2000 and 2100")
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment.astimezone(zone)


def make(
    scope: Scope,
    region: str | None,
    minutes: float | None = None,
    speed_kmh: float | None = None,
    at: str | None = None,
) -> Plan:
    """Return the checked question; InvalidInput for a bad value, Forbidden outside the scope."""
    region = region_in_scope(scope, region)
    minutes = geo_coverage.DEFAULT_MINUTES if minutes is None else minutes
    speed_kmh = geo_coverage.DEFAULT_SPEED_KMH if speed_kmh is None else speed_kmh
    try:
        radius = geo_coverage.radius_m(minutes, speed_kmh)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    return Plan(region, float(minutes), float(speed_kmh), radius, parse_at(at))


__all__ = ["Plan", "make", "parse_at", "region_in_scope"]
