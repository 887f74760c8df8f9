"""Check-in statistics for district staff and admins, read from the rollups only.

Counts are check-ins that were not duplicates. ``unique_devices`` counts distinct
daily device hashes summed over the days (rider-days): a device is counted once
per local day in the scope asked, in the bucket (hour, day, group) of its first
check-in that day. For a region the region's own level decides "first" (county,
city, province or the whole country); for one station, per-station groups and a
manager's stations, it is per station, so a rider at two of a manager's stations
on one day counts twice. Days and hours are local in ``TIMEZONE``.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from operator import itemgetter

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import CATEGORIES, Station
from stationfinder.services.accounts import Scope
from stationfinder.services.errors import Forbidden, InvalidInput
from stationfinder.services.regions import codes as regions
from stationfinder.services.regions.names import name_of
from stationfinder.services.regions.provinces import province_name
from stationfinder.services.rollups import fold
from stationfinder.services.rollups.counting import NATIONAL, NO_CATEGORY
from stationfinder.services.stations.lookup import get_station, local_zone
from stationfinder.services.stats import read
from stationfinder.services.stats.read import Period, Target

GROUP_BYS = ("day", "hour", "weekday", "station", "category", "region")
DEFAULT_DAYS = 30
# Three years, one of them a leap year.
MAX_DAYS = 3 * 365 + 1
# The days a question may name. Outside them there is no data, and dates near year 1 or 9999 overflow
# the arithmetic of months and of the previous period (a 500 before).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)
ALL_CATEGORIES = (*CATEGORIES, NO_CATEGORY)
CATEGORY_LABELS = {
    "food_delivery": ("外卖骑手", "Food delivery rider"),
    "courier": ("快递员", "Courier"),
    "ride_hailing": ("网约车司机", "Ride-hailing driver"),
    "truck_driver": ("货车司机", "Truck driver"),
    "other": ("其他", "Other"),
    NO_CATEGORY: ("未选择", "Not given"),
}
WEEKDAY_LABELS = (
    ("周一", "Monday"),
    ("周二", "Tuesday"),
    ("周三", "Wednesday"),
    ("周四", "Thursday"),
    ("周五", "Friday"),
    ("周六", "Saturday"),
    ("周日", "Sunday"),
)


@dataclass(frozen=True)
class Query:
    """A checked question: what to count (target) over which local days (period)."""

    target: Target
    period: Period
    station: Station | None = None

    @property
    def own_unique(self) -> str:
        """Return the CheckinRollup unique column for this target as a whole."""
        level = self.target.level
        return read.LEVEL_UNIQUE[level] if level else "u_station"


def _pick(lang: str, pair: tuple[str, str]) -> str:
    return pair[1] if str(lang).lower().startswith("en") else pair[0]


def region_label(code: str | None, lang: str = "zh") -> str:
    """Return a region's name in a language, the code when it has none."""
    if not code:
        return "—"
    if code == NATIONAL:
        return _pick(lang, ("全国", "All of China"))
    name = name_of(code, lang)
    if name == code:
        name = province_name(code, lang) or code
    return name


def category_label(code: str, lang: str = "zh") -> str:
    """Return a rider group's label in a language."""
    return _pick(lang, CATEGORY_LABELS.get(code, (code, code)))


def weekday_label(iso_weekday: int, lang: str = "zh") -> str:
    """Return a weekday's name (1 = Monday) in a language."""
    return _pick(lang, WEEKDAY_LABELS[iso_weekday - 1])


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


def invalid(reason: str, message: str) -> InvalidInput:
    """Return an InvalidInput with a ``reason`` (date, window, order, range, region, station, group_by)."""
    error = InvalidInput(message)
    error.reason = reason
    return error


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
    """Check a statistics question and return it ready to answer, every check-in so far counted."""
    fold.fold()
    period = make_period(date_from, date_to, tz)
    target, row = make_target(scope, region, station)
    return Query(target, period, row)


def totals(query: Query, period: Period | None = None) -> tuple[int, int]:
    """Return (check-ins, unique devices) of the target over the period."""
    period = period or query.period
    if query.target.area:
        counts = read.area_counts(query.target, period, None)
    else:
        counts = read.rollup_counts(query.target, period, None, query.own_unique)
    return counts.get(None, (0, 0))


def hours(query: Query, per: str | None = "day") -> dict:
    """Return {(local day, ISO weekday or None as ``per`` asks, local hour): (count, uniq)}."""
    if query.target.area:
        return read.area_hours(query.target, query.period, per)
    return read.station_hours(query.target, query.period, query.own_unique, per)


def _by_day(query: Query) -> dict:
    if query.target.area:
        return read.area_counts(query.target, query.period, "day")
    return read.group_hours(hours(query), lambda day, _hour: day)


def _groups(keys_labels, counts: dict) -> list[dict]:
    return [
        {
            "key": key,
            "label": label,
            "count": counts.get(raw, (0, 0))[0],
            "unique_devices": counts.get(raw, (0, 0))[1],
        }
        for raw, key, label in keys_labels
    ]


def groups(query: Query, group_by: str, lang: str = "zh") -> list[dict]:
    """Return the groups [{key, label, count, unique_devices}] of a question, zero groups included."""
    period, target = query.period, query.target
    if group_by == "day":
        days = [period.first + timedelta(days=i) for i in range(period.days)]
        return _groups(((d, d.isoformat(), d.isoformat()) for d in days), _by_day(query))
    if group_by == "hour":
        counts = read.group_hours(hours(query, None), lambda _none, hour: hour)
        return _groups(((h, f"{h:02d}", f"{h:02d}:00") for h in range(24)), counts)
    if group_by == "weekday":
        counts = read.group_hours(
            {(d, 0): v for d, v in _by_day(query).items()}, lambda d, _h: d.isoweekday()
        )
        return _groups(((w, str(w), weekday_label(w, lang)) for w in range(1, 8)), counts)
    if group_by == "category":
        if target.area:
            counts = read.area_counts(target, period, "category")
        else:
            counts = read.rollup_counts(target, period, "category", query.own_unique)
        return _groups(((c, c, category_label(c, lang)) for c in ALL_CATEGORIES), counts)
    if group_by == "region":
        return _sorted(_region_groups(query, lang))
    if group_by == "station":
        return _sorted(station_groups(query))
    raise invalid("group_by", "group_by must be one of " + ", ".join(GROUP_BYS))


def _sorted(rows: list[dict]) -> list[dict]:
    """Busiest first, then by key: two stable sorts on plain items beat one on built tuples."""
    rows = sorted(rows, key=itemgetter("key"))
    rows.sort(key=itemgetter("count"), reverse=True)
    return rows


def child_level_depth(target: Target) -> int | None:
    """Return the code length of the level below the target's area (None below counties)."""
    return {"national": 2, "province": 4, "city": 6}.get(target.level or "")


def _region_groups(query: Query, lang: str) -> list[dict]:
    target = query.target
    if target.area is None:
        counts = read.rollup_counts(target, query.period, "child", "u_station")
        codes = set(counts) | set(child_regions(target, 6))
        return [_region_group(code, counts, lang) for code in codes]
    depth = child_level_depth(target)
    if depth is None:
        return [_region_group(target.area, {target.area: totals(query)}, lang)]
    counts = read.area_counts(target, query.period, "child")
    codes = (set(counts) | set(child_regions(target, depth))) - {target.area}
    return [_region_group(code, counts, lang) for code in codes]


def _region_group(code, counts, lang) -> dict:
    count, uniq = counts.get(code, (0, 0))
    return {"key": code or "", "label": region_label(code, lang), "count": count, "unique_devices": uniq}


def child_regions(target: Target, depth: int) -> list[str]:
    """Return the region codes (cut to ``depth`` and padded) of the stations the target covers now.

    A skip scan: one index probe per region found, not a pass over every station.
    """

    def scan():
        out: list[str] = []
        # Codes start with 1-9: an empty code must not end the scan early.
        select = sa.select(sa.func.min(Station.region_code)).where(
            target.station_clause(), Station.region_code >= "1"
        )
        code = db.session.scalar(select)
        while code:
            head = code[:depth]
            out.append(head.ljust(6, "0"))
            # The largest code starting with ``head``: the next probe lands in the next region.
            code = db.session.scalar(select.where(Station.region_code > head.ljust(6, "9")))
        return out

    return read.by_stations_version("children", (target.area, target.station_ids, depth), scan)


# Station lists up to this size are kept per worker (a big province: ~16,500 stations, ~3 MB),
# for at most this many regions at once.
STATION_LIST_CACHE_MAX = 50_000
STATION_LIST_CACHE_REGIONS = 8


def _stations_covered(target: Target) -> dict[int, tuple[str | None, str]]:
    """Return {id: (ref, name)} of the stations a target covers now, kept until stations change."""

    def load():
        select = sa.select(Station.id, Station.ref, Station.name).where(target.station_clause())
        rows = db.session.connection().execute(select).all()
        return {station_id: (ref, name) for station_id, ref, name in rows}

    key = (target.area, target.station_ids)
    return read.by_stations_version(
        "station_names",
        key,
        load,
        keep=lambda names: len(names) <= STATION_LIST_CACHE_MAX,
        limit=STATION_LIST_CACHE_REGIONS,
    )


def station_groups(query: Query) -> list[dict]:
    """Return one group per station (key: ref, or id without one), zero-check-in stations included.

    Stations the target covers now come with their counts (zero if none); a station
    that has since moved out still shows what it counted here. Counts and names are
    read apart and joined here: the names of a region change rarely and are kept.
    """
    totals = read.station_totals(query.target, query.period)
    # Core, not the ORM session: its per-row loading costs more than the query on 16,000 rows.
    counted = {row[0]: row for row in db.session.connection().execute(sa.select(totals)).all()}
    names = _stations_covered(query.target)
    moved = [station_id for station_id in counted if station_id not in names]
    if moved:
        select = sa.select(Station.id, Station.ref, Station.name).where(Station.id.in_(moved))
        names = names | {station_id: (ref, name) for station_id, ref, name in db.session.execute(select)}
    groups = []
    for station_id, (ref, name) in names.items():
        row = counted.get(station_id)
        count, uniq = (int(row[1]), int(row[2])) if row is not None else (0, 0)
        groups.append({"key": ref or str(station_id), "label": name, "count": count, "unique_devices": uniq})
    return groups


def checkin_stats(
    scope: Scope,
    date_from=None,
    date_to=None,
    region: str | None = None,
    station=None,
    group_by: str | None = None,
    tz: tzinfo | str | None = None,
    lang: str = "zh",
) -> dict:
    """Return check-in counts of a scope over local days, optionally grouped."""
    if group_by not in (None, "", *GROUP_BYS):
        raise invalid("group_by", "group_by must be one of " + ", ".join(GROUP_BYS))
    query = prepare(scope, date_from, date_to, region, station, tz)
    count, uniq = totals(query)
    return {
        "from": query.period.first.isoformat(),
        "to": query.period.last.isoformat(),
        "timezone": getattr(query.period.tz, "key", str(query.period.tz)),
        "total": count,
        "unique_devices": uniq,
        "groups": groups(query, group_by, lang) if group_by else [],
    }


__all__ = [
    "FIRST_DAY",
    "GROUP_BYS",
    "LAST_DAY",
    "MAX_DAYS",
    "Query",
    "category_label",
    "checkin_stats",
    "child_regions",
    "groups",
    "hours",
    "make_period",
    "make_target",
    "prepare",
    "region_label",
    "station_groups",
    "totals",
    "weekday_label",
]
