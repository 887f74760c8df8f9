"""How much of a region lies within reach of an open station, and which part does not.

The stations come from the nearest search's in-memory index (every not-closed station, with its
hours), so a coverage question reads no rows; the answer is kept per worker until the stations
dataset version moves (``caching.WorkerCache``), per region, radius and time asked.
"""

import functools
from dataclasses import dataclass

import numpy as np

from stationfinder.caching import WorkerCache
from stationfinder.geo import counties
from stationfinder.geo import coverage as geo_coverage
from stationfinder.services.nearest.search import get_index
from stationfinder.services.planning.plan import Plan

CACHE = WorkerCache("planning.coverage", maxsize=64, refresh_seconds="INDEX_REFRESH_SECONDS")
# Degrees of latitude per metre, with room: a bounding box that is never too small.
_DEG_PER_M = 1.0 / 100_000.0


@dataclass(frozen=True)
class StationPoint:
    """A station that counts for a region's coverage: it is open and its circle may reach the region."""

    id: int
    name: str
    lat: float
    lon: float


@dataclass(frozen=True)
class Coverage:
    """A region's coverage at a radius and time, with the stations that made it."""

    plan: Plan
    result: geo_coverage.RegionCoverage
    stations: tuple[StationPoint, ...]

    @functools.cached_property
    def body(self) -> dict:
        """Return the API's answer, built once per cached coverage (a province's map is megabytes)."""
        return self.to_dict()

    @functools.cached_property
    def collection(self) -> dict:
        """Return ``feature_collection`` of this coverage, built once."""
        return feature_collection(self)

    def to_dict(self) -> dict:
        """Return the API's answer."""
        out = self.result.to_dict()
        out["minutes"] = self.plan.minutes
        out["speed_kmh"] = self.plan.speed_kmh
        out["at"] = self.plan.at.isoformat(timespec="minutes") if self.plan.at else None
        return out


def _open_near(plan: Plan) -> tuple[StationPoint, ...]:
    """Return the stations open at the plan's time (else open by status) whose circle may reach the region."""
    index = get_index()
    west, south, east, north = counties.region_geometry(plan.region).bounds
    margin = plan.radius_m * _DEG_PER_M
    lon_margin = margin / max(np.cos(np.radians(max(abs(south), abs(north)))), 0.01)
    near = np.flatnonzero(
        (index.lat >= south - margin)
        & (index.lat <= north + margin)
        & (index.lon >= west - lon_margin)
        & (index.lon <= east + lon_margin)
    )
    ok = index.open_mask(near, plan.at) if plan.at is not None else index.is_open_status[near]
    rows = near[ok]
    names = index.names.take(rows.tolist())
    return tuple(
        StationPoint(int(i), name, float(lat), float(lon))
        for i, name, lat, lon in zip(index.ids[rows], names, index.lat[rows], index.lon[rows], strict=True)
    )


def _compute(plan: Plan) -> Coverage:
    stations = _open_near(plan)
    result = geo_coverage.coverage(plan.region, [(s.lat, s.lon) for s in stations], plan.radius_m)
    return Coverage(plan, result, stations)


def region_coverage(plan: Plan) -> Coverage:
    """Return a region's coverage for a plan, from this worker's cache while the stations are unchanged."""
    at = plan.at.replace(second=0, microsecond=0) if plan.at is not None else None
    key = (plan.region, round(plan.radius_m, 1), at.isoformat() if at else None)
    return CACHE.get(key, lambda: _compute(plan))


def feature_collection(cover: Coverage) -> dict:
    """Return the uncovered area and the stations as a GeoJSON FeatureCollection (for QGIS)."""
    result = cover.result
    features = [
        {
            "type": "Feature",
            "geometry": geo_coverage.to_geojson(result.uncovered),
            "properties": {
                "kind": "uncovered",
                "region": result.region,
                "radius_m": result.radius_m,
                "area_km2": result.area_km2,
                "covered_km2": result.covered_km2,
                "covered_share": result.covered_share,
            },
        }
    ]
    features += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(s.lon, 6), round(s.lat, 6)]},
            "properties": {"kind": "station", "id": s.id, "name": s.name, "radius_m": result.radius_m},
        }
        for s in cover.stations
    ]
    return {"type": "FeatureCollection", "features": features}


__all__ = ["CACHE", "Coverage", "StationPoint", "feature_collection", "region_coverage"]
