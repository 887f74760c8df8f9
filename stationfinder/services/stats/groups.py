"""Check-in statistics for district staff and admins, read from the rollups only: totals and groups.

Counts are check-ins that were not duplicates. ``unique_devices`` counts distinct
daily device hashes summed over the days (rider-days): a device is counted once
per local day in the scope asked, in the bucket (hour, day, group) of its first
check-in that day. For a region the region's own level decides "first" (county,
city, province or the whole country); for one station, per-station groups and a
manager's stations, it is per station, so a rider at two of a manager's stations
on one day counts twice. Days and hours are local in ``TIMEZONE``.
"""

from datetime import timedelta, tzinfo
from operator import itemgetter

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import CATEGORIES, Station
from stationfinder.services.accounts import Scope
from stationfinder.services.rollups.counting import NO_CATEGORY
from stationfinder.services.stats import coverage, labels
from stationfinder.services.stats.query import Period, Query, invalid, prepare
from stationfinder.services.stats.sources import group_hours, rows

GROUP_BYS = ("day", "hour", "weekday", "station", "category", "region")
ALL_CATEGORIES = (*CATEGORIES, NO_CATEGORY)


def totals(query: Query, period: Period | None = None) -> tuple[int, int]:
    """Return (check-ins, unique devices) of the target over the period (default: the query's)."""
    return query.source.totals(period or query.period)


def hours(query: Query, per: str | None = "day") -> dict:
    """Return {(local day, ISO weekday or None as ``per`` asks, local hour): (count, uniq)}."""
    return query.source.hours(query.period, per)


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
    period, source = query.period, query.source
    if group_by == "day":
        days = [period.first + timedelta(days=i) for i in range(period.days)]
        return _groups(((d, d.isoformat(), d.isoformat()) for d in days), source.counts(period, "day"))
    if group_by == "hour":
        counts = group_hours(source.hours(period, None), lambda _none, hour: hour)
        return _groups(((h, f"{h:02d}", f"{h:02d}:00") for h in range(24)), counts)
    if group_by == "weekday":
        by_day = source.counts(period, "day")
        counts = group_hours({(d, 0): v for d, v in by_day.items()}, lambda d, _h: d.isoweekday())
        names = labels.weekday_labels(lang)
        return _groups(((w, str(w), names[w - 1]) for w in range(1, 8)), counts)
    if group_by == "category":
        names = labels.category_labels(lang)
        return _groups(((c, c, names[c]) for c in ALL_CATEGORIES), source.counts(period, "category"))
    if group_by == "region":
        return _sorted(
            [
                {"key": code or "", "label": labels.region_label(code, lang), "count": c, "unique_devices": u}
                for code, (c, u) in source.regions(period).items()
            ]
        )
    if group_by == "station":
        return _sorted(station_groups(query))
    raise invalid("group_by", "group_by must be one of " + ", ".join(GROUP_BYS))


def _sorted(found: list[dict]) -> list[dict]:
    """Busiest first, then by key: two stable sorts on plain items beat one on built tuples."""
    found = sorted(found, key=itemgetter("key"))
    found.sort(key=itemgetter("count"), reverse=True)
    return found


def station_groups(query: Query) -> list[dict]:
    """Return one group per station (key: ref, or id without one), zero-check-in stations included.

    Stations the target covers now come with their counts (zero if none); a station
    that has since moved out still shows what it counted here. Counts and names are
    read apart and joined here: the names of a region change rarely and are kept.
    """
    totals = query.source.station_totals(query.period)
    counted = {row[0]: row for row in rows(sa.select(totals))}
    names = coverage.station_names(query.source)
    moved = [station_id for station_id in counted if station_id not in names]
    if moved:
        select = sa.select(Station.id, Station.ref, Station.name).where(Station.id.in_(moved))
        names = names | {station_id: (ref, name) for station_id, ref, name in db.session.execute(select)}
    found = []
    for station_id, (ref, name) in names.items():
        row = counted.get(station_id)
        count, uniq = (int(row[1]), int(row[2])) if row is not None else (0, 0)
        found.append({"key": ref or str(station_id), "label": name, "count": count, "unique_devices": uniq})
    return found


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


__all__ = ["GROUP_BYS", "checkin_stats", "groups", "hours", "station_groups", "totals"]
