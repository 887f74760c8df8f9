"""Export every station as CSV or GeoJSON that :mod:`station_import` reads back unchanged.

Positions are written in WGS-84 (``coord_system`` wgs84) with Python's shortest
round-tripping float text, so export -> import gives the same values. CSV text a
spreadsheet would run as a formula (a name "=…", a phone "+86…") is written behind
an apostrophe (:mod:`cells`); the import takes it off again.
"""

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

import sqlalchemy as sa

from stationfinder.amenities import from_mask
from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services.cells import inert
from stationfinder.services.stations.fields import COLUMNS

_BATCH = 2000


def _stations() -> Iterator[dict[str, Any]]:
    table = Station.__table__
    rows = db.session.execute(
        sa.select(table).order_by(table.c.id), execution_options={"yield_per": _BATCH}
    ).mappings()
    for row in rows:
        verified = row["last_verified_at"]
        yield {
            "ref": row["ref"],
            "name": row["name"],
            "address": row["address"],
            "lat": row["lat"],
            "lon": row["lon"],
            "coord_system": "wgs84",
            "region_code": row["region_code"],
            "amenities": from_mask(row["amenity_mask"]),
            "opening_hours": row["opening_hours"],
            "phone": row["phone"],
            "access": row["access"],
            "seats": row["seats"],
            "area_m2": row["area_m2"],
            "status": row["status"],
            "last_verified_at": verified.isoformat() if verified else None,
            "is_demo": bool(row["is_demo"]),
        }


def export_csv(stream: TextIO) -> int:
    """Write every station as CSV with a header row; return how many were written."""
    writer = csv.writer(stream)
    writer.writerow([inert(c) for c in COLUMNS])
    count = 0
    for station in _stations():
        station["amenities"] = ";".join(station["amenities"])
        station["is_demo"] = "true" if station["is_demo"] else "false"
        writer.writerow(["" if station[c] is None else inert(station[c]) for c in COLUMNS])
        count += 1
    return count


def export_geojson(stream: TextIO) -> int:
    """Write every station as a GeoJSON FeatureCollection of Points; return how many were written."""
    stream.write('{"type": "FeatureCollection", "features": [')
    count = 0
    for station in _stations():
        lat, lon = station.pop("lat"), station.pop("lon")
        feature = {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": station,
        }
        stream.write(("\n" if count == 0 else ",\n") + json.dumps(feature, ensure_ascii=False))
        count += 1
    stream.write("\n]}\n")
    return count
