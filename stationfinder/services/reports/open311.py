"""Reports as Open311 GeoReport v2 sees them: service codes, the public request list, filing by code.

A service is one report category of one kind, coded ``<kind>.<category>`` ("station.no_water",
"community.other"): "other" belongs to both kinds, so the kind is part of the code. What the list
and each request may show is decided here; ``open311/`` only writes it as JSON or XML.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from stationfinder.extensions import db
from stationfinder.models import Report, ReportEvent, utcnow
from stationfinder.models.report import CATEGORIES_BY_KIND, CLOSED_STATES, KINDS, OPEN_STATES
from stationfinder.services.accounts import Scope
from stationfinder.services.errors import InvalidInput, NotFound
from stationfinder.services.reports import codes, scoping
from stationfinder.services.reports.filing import file_report
from stationfinder.services.reports.shapes import PUBLIC_DECIMALS
from stationfinder.services.stations.lookup import get_station

SEPARATOR = "."
SERVICES = tuple(f"{kind}{SEPARATOR}{category}" for kind in KINDS for category in CATEGORIES_BY_KIND[kind])
# A resident who needs help, an emergency: reports that may point at a person in trouble. The public
# list leaves them out; only staff in scope (and whoever holds the tracking code) read them.
PRIVATE_SERVICES = frozenset({"community.needs_help", "community.emergency"})
# The spec's defaults: the most recent 90 days, at most 1,000 requests.
SPAN = timedelta(days=90)
MAX_REQUESTS = 1000
# Tracking codes per request: they are what keeps the private services private, so guessing stays slow.
MAX_IDS = 100
# Open311 knows two states; the finer one goes into status_notes.
STATUSES = {"open": OPEN_STATES, "closed": CLOSED_STATES}


def service_code(report: Report) -> str:
    """Return the Open311 service code of a report."""
    return f"{report.kind}{SEPARATOR}{report.category}"


def parse_service_code(code: str | None) -> tuple[str, str]:
    """Return the (kind, category) a service code names, or raise NotFound."""
    if code not in SERVICES:
        raise NotFound(f"no service {str(code)[:64]!r}")
    kind, _, category = code.partition(SEPARATOR)
    return kind, category


def window(
    start: datetime | None, end: datetime | None, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """Return the requested-datetime range to list: the last 90 days unless given, never longer.

    Only a start: the 90 days from it. Only an end: the 90 days before it. Raises InvalidInput for a
    start after the end or a range longer than 90 days.
    """
    if start is None and end is None:
        end = now or utcnow()
    if start is None:
        start = end - SPAN
    elif end is None:
        end = start + SPAN
    if start > end:
        raise InvalidInput("start_date is after end_date")
    if end - start > SPAN:
        raise InvalidInput("start_date and end_date may not span more than 90 days")
    return start, end


def find(
    *,
    ids: Iterable[str] = (),
    services: Iterable[str] = (),
    statuses: Iterable[str] = (),
    start: datetime | None = None,
    end: datetime | None = None,
    scope: Scope | None = None,
    now: datetime | None = None,
) -> list[Report]:
    """Return the requests to list, newest first, at most MAX_REQUESTS.

    Tracking codes (``ids``) override every other filter, as the spec says: whoever holds a code may
    read its report. Otherwise the window applies (``window``), and the private services are listed
    only inside ``scope``. Raises InvalidInput for an unknown service, state or a bad window.
    """
    query = sa.select(Report).options(orm.selectinload(Report.station))
    ids = list(ids)
    if len(ids) > MAX_IDS:
        raise InvalidInput(f"at most {MAX_IDS} service_request_id at once")
    wanted = {code for code in map(codes.normalize, ids) if code}
    if wanted:
        query = query.where(Report.code.in_(sorted(wanted)))
    elif ids:
        return []  # none of them can be a tracking code
    else:
        query = query.where(*_filters(services, statuses, start, end, scope, now))
    query = query.order_by(Report.created_at.desc(), Report.id.desc()).limit(MAX_REQUESTS)
    return list(db.session.scalars(query))


def _filters(services, statuses, start, end, scope: Scope | None, now) -> list:
    start, end = window(start, end, now)
    conditions = [Report.created_at >= start, Report.created_at <= end]
    pairs = []
    for code in sorted(set(services)):
        try:
            pairs.append(parse_service_code(code))
        except NotFound:
            raise InvalidInput(f"unknown service_code {code[:64]!r}") from None
    if pairs:
        conditions.append(sa.or_(*(sa.and_(Report.kind == k, Report.category == c) for k, c in pairs)))
    states = []
    for status in sorted(set(statuses)):
        if status not in STATUSES:
            raise InvalidInput("status must be open or closed")
        states.extend(STATUSES[status])
    if states:
        conditions.append(Report.status.in_(states))
    hidden = map(parse_service_code, sorted(PRIVATE_SERVICES))
    private = sa.or_(*(sa.and_(Report.kind == k, Report.category == c) for k, c in hidden))
    shown = sa.not_(private) if scope is None else sa.or_(sa.not_(private), scoping.clause(scope))
    conditions.append(shown)
    return conditions


def public_notes(reports: Iterable[Report]) -> dict[int, str]:
    """Return the latest public note of each report that has one (one query for all of them)."""
    ids = sorted({report.id for report in reports})
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(ReportEvent.report_id, ReportEvent.note)
        .where(ReportEvent.report_id.in_(ids), ReportEvent.public.is_(True), ReportEvent.note != "")
        .order_by(ReportEvent.at, ReportEvent.id)
    )
    return {report_id: note for report_id, note in rows}


def expected_at(report: Report) -> datetime | None:
    """Return when an open report should be closed (REPORT_FIX_DAYS after filing); None once closed."""
    if not report.is_open:
        return None
    return report.created_at + timedelta(days=current_app.config["REPORT_FIX_DAYS"])


def position(report: Report) -> tuple[float | None, float | None]:
    """Return a report's public position: its station's, or a place rounded to 3 decimals (about 100 m)."""
    if report.station_id is not None and report.station is not None:
        return report.station.lat, report.station.lon
    if report.lat is None or report.lon is None:
        return None, None  # purged, or its station was deleted
    return round(report.lat, PUBLIC_DECIMALS), round(report.lon, PUBLIC_DECIMALS)


def file_request(
    code: str,
    *,
    lat: float | None = None,
    lon: float | None = None,
    station: str | None = None,
    description: str | None = None,
    device_id: str | None = None,
    now: datetime | None = None,
) -> tuple[Report, bool]:
    """File (or merge) a report through ``filing.file_report`` by service code; the caller commits.

    A station service needs ``station``: a station id, ref or poster token; a position given beside it
    is ignored, the station's own is the report's. A community service needs lat and lon (WGS-84).
    Raises InvalidInput, and NotFound or Gone for a station or poster that does not name one.
    """
    try:
        kind, category = parse_service_code(code)
    except NotFound:
        raise InvalidInput(f"unknown service_code {str(code)[:64]!r}") from None
    common = {"description": description, "device_id": device_id, "now": now}
    if kind == "community":
        if station is not None:
            raise InvalidInput("a community service is about a place: give lat and long, not a station")
        if lat is None or lon is None:
            raise InvalidInput("a community service needs lat and long")
        return file_report(kind, category, lat=lat, lon=lon, **common)
    if not station:
        raise InvalidInput("a station service needs attribute[station]: a station id or ref, or poster token")
    try:
        station_id = get_station(station).id
    except NotFound:
        station_id = None
    if station_id is not None:
        return file_report(kind, category, station_id=station_id, **common)
    try:
        # Not a station's id or ref: perhaps the token of one of its posters (Gone once it was replaced).
        return file_report(kind, category, token=station, **common)
    except NotFound:
        raise NotFound(
            f"attribute[station] {station[:64]!r} is no station id or ref, nor a poster token"
        ) from None


__all__ = [
    "MAX_IDS", "MAX_REQUESTS", "PRIVATE_SERVICES", "SERVICES", "SPAN", "STATUSES", "expected_at",
    "file_request", "find", "parse_service_code", "position", "public_notes", "service_code", "window",
]  # fmt: skip
