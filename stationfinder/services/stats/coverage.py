"""The stations a statistics source covers now: how many, in which regions, their names, where they lie.

These are facts about stations only: they change when stations are written, and
every station write bumps the stations dataset version, so each worker keeps
them (``caching.WorkerCache``) until it moves. A source is an ``AreaSource`` or
a ``StationSource``: its ``station_clause()`` selects the stations, its ``key``
names them.
"""

import sqlalchemy as sa

from stationfinder.caching import WorkerCache
from stationfinder.extensions import db
from stationfinder.models import Station

# Station lists up to this size are kept (a big province: ~16,500 stations, ~3 MB), for at most
# this many regions at once.
STATION_LIST_CACHE_MAX = 50_000
STATION_LIST_CACHE_REGIONS = 8
# Smaller counts are cheaper to count again than to keep.
COUNT_CACHE_MIN = 5_000

CHILDREN = WorkerCache("stats.children", maxsize=512)
NAMES = WorkerCache("stats.station_names", maxsize=STATION_LIST_CACHE_REGIONS)
COUNTS = WorkerCache("stats.counts", maxsize=512)
CENTRES = WorkerCache("stats.centres", maxsize=512)
CACHES = (CHILDREN, NAMES, COUNTS, CENTRES)


def child_regions(source, depth: int) -> list[str]:
    """Return the region codes (cut to ``depth`` and padded) of the stations the source covers now.

    A skip scan: one index probe per region found, not a pass over every station.
    """

    def scan():
        out: list[str] = []
        # Codes start with 1-9: an empty code must not end the scan early.
        select = sa.select(sa.func.min(Station.region_code)).where(
            source.station_clause(), Station.region_code >= "1"
        )
        code = db.session.scalar(select)
        while code:
            head = code[:depth]
            out.append(head.ljust(6, "0"))
            # The largest code starting with ``head``: the next probe lands in the next region.
            code = db.session.scalar(select.where(Station.region_code > head.ljust(6, "9")))
        return out

    return CHILDREN.get((*source.key, depth), scan)


def station_names(source) -> dict[int, tuple[str | None, str]]:
    """Return {id: (ref, name)} of the stations the source covers now."""

    def load():
        select = sa.select(Station.id, Station.ref, Station.name).where(source.station_clause())
        return {station_id: (ref, name) for station_id, ref, name in db.session.connection().execute(select)}

    return NAMES.get(source.key, load, keep=lambda names: len(names) <= STATION_LIST_CACHE_MAX)


def station_count(source) -> int:
    """Return how many stations the source covers now (a province's or the country's count is kept)."""

    def count():
        return db.session.scalar(sa.select(sa.func.count(Station.id)).where(source.station_clause())) or 0

    return COUNTS.get(source.key, count, keep=lambda n: n >= COUNT_CACHE_MIN)


def centres(source, depth: int) -> dict[str, tuple[float, float]]:
    """Return the mean position of the source's stations in each region (codes cut to ``depth``, padded)."""

    def compute():
        code = sa.func.substr(Station.region_code, 1, depth)
        found = db.session.connection().execute(
            sa.select(code, sa.func.avg(Station.lat), sa.func.avg(Station.lon))
            .where(source.station_clause(), Station.region_code.is_not(None))
            .group_by(code)
        )
        return {prefix.ljust(6, "0"): (lat, lon) for prefix, lat, lon in found if prefix and lat is not None}

    return CENTRES.get((*source.key, depth), compute)


__all__ = ["CACHES", "centres", "child_regions", "station_count", "station_names"]
