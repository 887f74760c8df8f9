"""File a report: one path for the API and the rider pages, with "me too" merging.

A station report of a station and category that already has an open ticket adds a
confirmation to it instead of opening a second one. Two riders filing at once cannot both
open one: the open ticket holds ``open_key`` (unique), so the second insert fails and merges.
The caller owns the transaction and commits.
"""

import math
from datetime import datetime

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.geo.coords import to_wgs84
from stationfinder.geo.counties import county_at
from stationfinder.models import Report, ReportConfirmation, ReportPhoto, Station, utcnow
from stationfinder.models.report import CATEGORIES_BY_KIND, MAX_DESCRIPTION
from stationfinder.services.checkins.identity import device_hash, local_day, normalize_device_id
from stationfinder.services.checkins.writes import begin_write
from stationfinder.services.errors import InvalidInput, NotFound
from stationfinder.services.posters import tokens as posters
from stationfinder.services.reports import codes, history, photos
from stationfinder.services.stations.lookup import get_station

# An insert that lost the race merges; one that lost again (the ticket closed meanwhile) inserts anew.
_ATTEMPTS = 3


def open_key(station_id: int, category: str) -> str:
    """Return the key that an open report of a station and category holds, and no other open report."""
    return f"{station_id}:{category}"


def file_report(
    kind: str,
    category: str,
    *,
    station_id: int | None = None,
    token: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    coord: str = "wgs84",
    description: str | None = None,
    device_id: str | None = None,
    photo: bytes | None = None,
    now: datetime | None = None,
) -> tuple[Report, bool]:
    """File a report and return (report, merged); the caller commits.

    Raises InvalidInput (photos.PhotoTooLarge and photos.NotAnImage among them), NotFound for an
    unknown station or poster, and Gone for a poster replaced past its grace period.
    """
    if category not in CATEGORIES_BY_KIND.get(kind, ()):
        raise InvalidInput(f"category {category!r} is not one of the {kind!r} categories")
    description = (description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(f"the description is longer than {MAX_DESCRIPTION} characters")
    device_id = normalize_device_id(device_id)
    now = now or utcnow()
    # The slow parts come first, so SQLite's write lock (taken below) is never held while they run.
    cleaned = photos.clean(photo) if photo else None
    if kind == "community":
        if station_id is not None or token is not None:
            raise InvalidInput("a community report is about a place: give lat and lon, not a station")
        place = _place(lat, lon, coord)
    elif lat is not None or lon is not None:
        raise InvalidInput("a station report is about its station: give station_id or token, not lat/lon")
    elif (station_id is None) == (token is None):
        raise InvalidInput("a station report needs station_id or token (one of them)")
    begin_write()
    hashed = device_hash(device_id, local_day(now)) if device_id else None
    if kind == "community":
        report = Report(kind=kind, category=category, region_code=place[2], lat=place[0], lon=place[1])
        return _filed(report, description, hashed, cleaned, now), False
    station = _station(station_id, token)
    key = open_key(station.id, category)
    for _ in range(_ATTEMPTS):
        existing = db.session.scalar(sa.select(Report).where(Report.open_key == key))
        if existing is not None and existing.station_id != station.id:
            # Its station was deleted (and, on SQLite, its id reused): that ticket stays, unmerged.
            existing.open_key = None
            db.session.flush()
            existing = None
        if existing is not None:
            return _merged(existing, description, hashed, cleaned, now), True
        report = Report(kind=kind, category=category, station_id=station.id, region_code=station.region_code)
        report.open_key = key
        try:
            with db.session.begin_nested():
                filed = _filed(report, description, hashed, cleaned, now)
        except sa.exc.IntegrityError:
            continue  # Another rider's report of the same problem committed first: merge into it.
        return filed, False
    raise RuntimeError(f"could not file or merge a report for {key}")


def _place(lat, lon, coord: str) -> tuple[float, float, str]:
    """Return the WGS-84 (lat, lon) and county code of a rider's position; InvalidInput outside China."""
    if lat is None or lon is None:
        raise InvalidInput("a community report needs lat and lon")
    try:
        lat, lon = to_wgs84(float(lat), float(lon), coord)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InvalidInput(f"the {coord} position does not convert to a WGS-84 position")
    region = county_at(lat, lon)
    if region is None:
        raise InvalidInput("the position is not inside any county of China; reports are sent to a county")
    return lat, lon, region


def _station(station_id: int | None, token: str | None) -> Station:
    """Return the station a report is about, by id or by the token of one of its posters."""
    if token is not None:
        return posters.by_token(token).station
    try:
        return get_station(station_id)
    except NotFound:
        raise NotFound(f"no station {station_id}") from None


def _filed(report: Report, description: str, hashed: str | None, photo, now: datetime) -> Report:
    """Insert a new report with its photo, its filer's confirmation and its first history entry."""
    report.code = codes.unused_code()
    report.status = "open"
    report.description = description
    report.device_hash = hashed
    report.confirmations = 1
    report.created_at = report.updated_at = now
    db.session.add(report)
    db.session.flush()
    if photo is not None:
        db.session.add(ReportPhoto(report_id=report.id, content_type=photo[0], data=photo[1]))
    if hashed is not None:
        db.session.add(ReportConfirmation(report_id=report.id, device_hash=hashed, day=local_day(now)))
    history.changed(report, None, at=now)
    return report


def _merged(report: Report, description: str, hashed: str | None, photo, now: datetime) -> Report:
    """Count a "me too" on an open report (a device once per local day) and keep what the rider added."""
    if hashed is None or _confirm(report, hashed, local_day(now)):
        db.session.execute(
            sa.update(Report)
            .where(Report.id == report.id)
            .values(confirmations=Report.confirmations + 1, updated_at=now)
        )
        db.session.refresh(report, ["confirmations", "updated_at"])
    if photo is not None and db.session.get(ReportPhoto, report.id) is None:
        db.session.add(ReportPhoto(report_id=report.id, content_type=photo[0], data=photo[1]))
    if description:
        # The rider's words are for the staff, as the first rider's description is.
        history.changed(report, report.status, note=description, at=now)
    db.session.flush()
    return report


def _confirm(report: Report, hashed: str, day) -> bool:
    """Add a device's confirmation of a report for a day; return False when it already confirmed."""
    try:
        with db.session.begin_nested():
            db.session.add(ReportConfirmation(report_id=report.id, device_hash=hashed, day=day))
    except sa.exc.IntegrityError:
        return False
    return True


__all__ = ["file_report", "open_key"]
