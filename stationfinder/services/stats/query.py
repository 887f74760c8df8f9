"""A statistics question, checked: what to count (``Target``) over which local days (``Period``).

``prepare`` turns a caller's scope and filters into a ``Query`` or raises
Forbidden, NotFound or InvalidInput (with a ``reason`` the views translate). The
query's ``source`` says where its counts are read, chosen once from the target.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import cached_property

from stationfinder.models import Station
from stationfinder.services.accounts import Scope
from stationfinder.services.errors import Forbidden, InvalidInput
from stationfinder.services.regions import codes as regions
from stationfinder.services.rollups.counting import NATIONAL
from stationfinder.services.stations.lookup import get_station, local_zone
from stationfinder.services.stats.sources import AreaSource, Source, StationSource

DEFAULT_DAYS = 30
# Three years, one of them a leap year.
MAX_DAYS = 3 * 365 + 1
# The days a question may name. Outside them there is no data, and dates near year 1 or 9999 overflow
# the arithmetic of months and of the previous period (a 500 before).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


@dataclass(frozen=True)
class Target:
    """What a query counts: an area (``NATIONAL`` or a region code) or a set of stations."""

    area: str | None = None
    station_ids: frozenset[int] | None = None

    @property
    def source(self) -> Source:
        """Return where the target's counts are read: its area's own tables, or its stations' rollup."""
        return AreaSource(self.area) if self.area else StationSource(self.station_ids)


@dataclass(frozen=True)
class Period:
    """Local days ``first``..``last`` (inclusive) in a time zone."""

    first: date
    last: date
    tz: tzinfo

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """Return the UTC instants where the first day starts and the day after the last starts."""
        start = datetime.combine(self.first, time(0), self.tz).astimezone(UTC)
        end = datetime.combine(self.last + timedelta(days=1), time(0), self.tz).astimezone(UTC)
        return start, end

    def previous(self) -> "Period":
        """Return the period of the same length just before this one."""
        return Period(self.first - timedelta(days=self.days), self.first - timedelta(days=1), self.tz)


@dataclass(frozen=True)
class Query:
    """A checked question: what to count (target) over which local days (period)."""

    target: Target
    period: Period
    station: Station | None = None

    @cached_property
    def source(self) -> Source:
        """Return where the counts are read, chosen once for the query."""
        return self.target.source


def invalid(reason: str, message: str) -> InvalidInput:
    """Return an InvalidInput with a ``reason`` (date, window, order, range, region, station, group_by)."""
    error = InvalidInput(message)
    error.reason = reason
    return error


def _parse_day(value, name: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if len(str(value)) == 10 else _bad_day(value, name)
    except ValueError:
        return _bad_day(value, name)


def _bad_day(value, name: str):
    raise invalid("date", f"{name} must be a date as YYYY-MM-DD, not {str(value)[:20]!r}")


def _in_window(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise invalid("window", f"dates must lie between {FIRST_DAY} and {LAST_DAY}")
    return day


def make_period(date_from=None, date_to=None, tz: tzinfo | str | None = None) -> Period:
    """Return the checked local-day period; by default the 30 days ending today."""
    zone = local_zone(tz)
    last = _in_window(_parse_day(date_to, "to") or datetime.now(zone).date())
    first = _in_window(
        _parse_day(date_from, "from") or max(last - timedelta(days=DEFAULT_DAYS - 1), FIRST_DAY)
    )
    if first > last:
        raise invalid("order", "from must not be after to")
    if (last - first).days + 1 > MAX_DAYS:
        raise invalid("range", "the range may cover at most 3 years")
    return Period(first, last, zone)


def make_target(scope: Scope, region: str | None = None, station=None) -> tuple[Target, Station | None]:
    """Return what a caller with this scope asked to count, or raise Forbidden/NotFound/InvalidInput."""
    if region:
        try:
            region = regions.validate(region)
        except regions.InvalidRegion as exc:
            raise invalid("region", str(exc)) from None
        if not scope.covers_region(region):
            raise Forbidden(f"region {region} is outside your area")
    if station not in (None, ""):
        row = get_station(station)
        if not scope.covers_station(row):
            raise Forbidden("this station is outside your area")
        if region and not regions.contains(region, row.region_code):
            raise invalid("station", f"station {row.public_key} is not in region {region}")
        return Target(station_ids=frozenset({row.id})), row
    if region:
        return Target(area=region), None
    if scope.national:
        return Target(area=NATIONAL), None
    if scope.station_ids is not None:
        return Target(station_ids=scope.station_ids), None
    return Target(area=scope.region), None


def prepare(scope: Scope, date_from=None, date_to=None, region=None, station=None, tz=None) -> Query:
    """Check a statistics question and return it ready to answer; the caller folds first (``units.fold``)."""
    period = make_period(date_from, date_to, tz)
    target, row = make_target(scope, region, station)
    return Query(target, period, row)


__all__ = [
    "FIRST_DAY",
    "LAST_DAY",
    "MAX_DAYS",
    "Period",
    "Query",
    "Target",
    "invalid",
    "make_period",
    "make_target",
    "prepare",
]
