"""What a report looks like from outside: the public view riders read, and the staff view.

The public view never holds the photo, the device, the description or internal notes, and a
community report's position in it is rounded to 3 decimals (about 100 m). Times are UTC, ISO 8601
with Z, as everywhere in the API.
"""

from datetime import datetime

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report, ReportEvent, User
from stationfinder.services.reports import queries
from stationfinder.services.stations.lookup import iso_utc

PUBLIC_DECIMALS = 3


def brief(report: Report) -> dict:
    """Return the fields a rider gets back on filing."""
    return {
        "code": report.code,
        "kind": report.kind,
        "category": report.category,
        "status": report.status,
        "station_id": report.station_id,
        "region_code": report.region_code,
        "created_at": iso_utc(report.created_at),
        "confirmations": report.confirmations,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, PUBLIC_DECIMALS)


def _station(report: Report) -> dict | None:
    station = report.station if report.station_id is not None else None
    return None if station is None else {"id": station.id, "ref": station.ref, "name": station.name}


def history(report: Report) -> list[tuple[ReportEvent, str | None]]:
    """Return a report's history entries with their authors' usernames, oldest first."""
    rows = db.session.execute(
        sa.select(ReportEvent, User.username)
        .outerjoin(User, User.id == ReportEvent.user_id)
        .where(ReportEvent.report_id == report.id)
        .order_by(ReportEvent.at, ReportEvent.id)
    )
    return [(event, username) for event, username in rows]


def public(report: Report, events: list[tuple[ReportEvent, str | None]] | None = None) -> dict:
    """Return what anyone with the tracking code may read."""
    events = history(report) if events is None else events
    out = brief(report) | {
        "station": _station(report),
        "lat": _rounded(report.lat),
        "lon": _rounded(report.lon),
        "acknowledged_at": iso_utc(report.acknowledged_at),
        "closed_at": iso_utc(report.closed_at),
        "updated_at": iso_utc(report.updated_at),
        # State changes with their times, and the notes staff made public; never who made them.
        "updates": [
            {"at": iso_utc(event.at), "status": event.to_status, "note": event.note if event.public else ""}
            for event, _ in events
            if event.from_status != event.to_status or (event.public and event.note)
        ],
    }
    return out


def staff(
    report: Report, *, with_history: bool = True, has_photo: bool | None = None, now: datetime | None = None
) -> dict:
    """Return the view of staff in scope: the exact position, the description, the photo, the history."""
    events = history(report) if with_history else []
    out = public(report, events) | {
        "lat": report.lat,
        "lon": report.lon,
        "description": report.description,
        "has_photo": queries.photo(report) is not None if has_photo is None else has_photo,
        "overdue": queries.is_overdue(report, now),
    }
    if with_history:
        out["history"] = [
            {
                "at": iso_utc(event.at),
                "from_status": event.from_status,
                "status": event.to_status,
                "note": event.note,
                "public": event.public,
                "by": username,
            }
            for event, username in events
        ]
    else:
        del out["updates"]
    return out


def staff_page(reports: list[Report], now: datetime | None = None) -> list[dict]:
    """Return the staff view of a page of reports, without histories; one query tells which have photos."""
    photos = queries.with_photos(r.id for r in reports)
    return [staff(r, with_history=False, has_photo=r.id in photos, now=now) for r in reports]


__all__ = ["PUBLIC_DECIMALS", "brief", "history", "public", "staff", "staff_page"]
