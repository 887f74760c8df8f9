"""Where riders search, and where they find nothing near: counted privately, read with k-anonymity.

A nearest search adds one to this worker's tally under (H3 cell, local day, distance band): no
coordinates, no device, no time finer than a day. ``flush`` writes the tally in one upsert per
batch; ``units.flush_demand`` commits it, from a per-worker thread every DEMAND_FLUSH_SECONDS and
before any demand read of this worker. The band is the nearest open station's distance in 50 m
steps, so unmet demand can be read for any radius, to 50 m.
"""

import functools
import math
import threading
from collections import Counter
from datetime import date, datetime

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite

from stationfinder.extensions import db
from stationfinder.geo import cells, counties
from stationfinder.models import DemandCount, utcnow
from stationfinder.services.checkins.identity import local_day
from stationfinder.services.checkins.writes import begin_write
from stationfinder.services.regions import codes as regions

BAND_M = 50.0
# "10 km or more, or no open station at all".
LAST_BAND = 200
HORIZON_M = BAND_M * LAST_BAND
MIN_VISIBLE = cells.MIN_VISIBLE
_KEY = "stationfinder.demand"


class Tally:
    """This worker's searches not yet written, and whether its flushing thread runs."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counts: Counter[tuple[str, date, int]] = Counter()
        self.thread: threading.Thread | None = None
        self.stop = threading.Event()

    def take(self) -> Counter:
        """Return the counts so far and start afresh."""
        with self.lock:
            taken, self.counts = self.counts, Counter()
        return taken

    def give_back(self, counts: Counter) -> None:
        """Return counts whose write failed, so the next flush writes them."""
        with self.lock:
            self.counts.update(counts)


def init_app(app: Flask) -> None:
    """Give the app (so the worker) its tally."""
    app.extensions[_KEY] = Tally()


def tally(app: Flask | None = None) -> Tally:
    """Return the tally of an app (default: the current one)."""
    return (app or current_app).extensions[_KEY]


def band_of(distance_m: float | None) -> int:
    """Return the distance band of the nearest open station (None: none at all)."""
    if distance_m is None or not math.isfinite(distance_m):
        return LAST_BAND
    return min(int(distance_m // BAND_M), LAST_BAND)


def first_unmet_band(radius_m: float) -> int:
    """Return the first band whose searches had no open station within the radius (to 50 m)."""
    return min(math.ceil(radius_m / BAND_M), LAST_BAND)


def count(lat: float, lon: float, nearest_open_m: float | None, now: datetime | None = None) -> None:
    """Count one search at a WGS-84 position; ``nearest_open_m`` is the nearest open station's distance."""
    key = (cells.cell_of(lat, lon), local_day(now or utcnow()), band_of(nearest_open_m))
    store = tally()
    with store.lock:
        store.counts[key] += 1
    if store.thread is None and not current_app.testing:
        _start_thread(current_app._get_current_object(), store)


def _start_thread(app: Flask, store: Tally) -> None:
    with store.lock:
        if store.thread is not None:
            return
        store.thread = threading.Thread(target=_flush_forever, args=(app, store), name="demand", daemon=True)
    store.thread.start()


def _flush_forever(app: Flask, store: Tally) -> None:
    from stationfinder import units

    while not store.stop.wait(app.config["DEMAND_FLUSH_SECONDS"]):
        with app.app_context():
            units.flush_demand()


@functools.lru_cache(maxsize=65_536)
def _county_of(cell: str) -> str | None:
    return counties.county_at(*cells.centre(cell))


def flush(counts: Counter) -> int:
    """Add counts to the demand table (the caller commits); return how many rows were written."""
    if not counts:
        return 0
    rows = [
        {"cell": cell, "day": day, "band": band, "county": _county_of(cell), "searches": n}
        for (cell, day, band), n in sorted(counts.items())
    ]
    table = DemandCount.__table__
    begin_write()
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    insert = dialect.insert(table)
    statement = insert.on_conflict_do_update(
        index_elements=[table.c.cell, table.c.day, table.c.band],
        set_={"searches": table.c.searches + insert.excluded.searches},
    )
    db.session.execute(statement, rows)
    return len(rows)


def _rows(region: str, first: date, last: date, radius_m: float):
    unmet_from = first_unmet_band(radius_m)
    unmet = sa.func.sum(sa.case((DemandCount.band >= unmet_from, DemandCount.searches), else_=0))
    return db.session.execute(
        sa.select(DemandCount.cell, DemandCount.county, sa.func.sum(DemandCount.searches), unmet)
        .where(regions.clause(DemandCount.county, region), DemandCount.day.between(first, last))
        .group_by(DemandCount.cell, DemandCount.county)
    ).all()


def read(region: str, first: date, last: date, radius_m: float) -> dict:
    """Return a region's demand over local days: visible cells (≥ 5 searches) and the totals."""
    rows = _rows(region, first, last, radius_m)
    shown = []
    for cell, _county, searches, unmet in rows:
        if searches >= MIN_VISIBLE:
            lat, lon = cells.centre(cell)
            shown.append({"h3": cell, "lat": round(lat, 6), "lon": round(lon, 6), "searches": int(searches),
                          "unmet": int(unmet)})  # fmt: skip
    shown.sort(key=lambda c: (-c["unmet"], -c["searches"], c["h3"]))
    return {
        "cells": shown,
        "total_searches": int(sum(r[2] for r in rows)),
        "unmet_searches": int(sum(r[3] for r in rows)),
    }


def unmet_by_cell(region: str, first: date, last: date, radius_m: float) -> dict[str, int]:
    """Return every cell's unmet searches in a region (for siting, whose gains are then k-checked)."""
    rows = _rows(region, first, last, radius_m)
    return {cell: int(unmet) for cell, _county, _searches, unmet in rows if unmet}


def by_county(region: str, first: date, last: date, radius_m: float) -> dict[str, tuple[int, int]]:
    """Return (searches, unmet) per county of a region."""
    out: dict[str, tuple[int, int]] = {}
    for _cell, county, searches, unmet in _rows(region, first, last, radius_m):
        before = out.get(county or "", (0, 0))
        out[county or ""] = (before[0] + int(searches), before[1] + int(unmet))
    return out


__all__ = [
    "BAND_M", "HORIZON_M", "LAST_BAND", "MIN_VISIBLE", "Tally", "band_of", "by_county", "count",
    "first_unmet_band", "flush", "init_app", "read", "tally", "unmet_by_cell",
]  # fmt: skip
