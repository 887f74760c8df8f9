"""Reading reports: by tracking code, a scoped and filtered list, overdue ones, open problems per station."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from stationfinder.extensions import db
from stationfinder.models import Report, ReportPhoto, User, utcnow
from stationfinder.models.report import OPEN_STATES
from stationfinder.services.accounts import Scope, region_in, scope_of
from stationfinder.services.checkins.identity import zone
from stationfinder.services.errors import Forbidden, InvalidInput, NotFound
from stationfinder.services.reports import codes, scoping
from stationfinder.services.stations.lookup import get_station


def by_code(text: str | None) -> Report:
    """Return the report with a tracking code as a rider typed it, or raise NotFound."""
    code = codes.normalize(text)
    report = db.session.scalar(sa.select(Report).where(Report.code == code)) if code else None
    if report is None:
        raise NotFound("no report has this code")
    return report


def for_user(user: User, text: str | None) -> Report:
    """Return a report the user may act on, by code; raise NotFound, or Forbidden outside their scope.

    Outside the scope is Forbidden, not NotFound: anyone with the code may read the report's public
    view, so saying that it exists tells nothing new.
    """
    report = by_code(text)
    if not (user and user.is_active) or not scoping.covers(scope_of(user), report):
        raise Forbidden("this report is outside your scope")
    return report


def photo(report: Report) -> ReportPhoto | None:
    """Return a report's photo, if it has one."""
    return db.session.get(ReportPhoto, report.id)


def with_photos(report_ids: Iterable[int]) -> set[int]:
    """Return those of the reports that have a photo, without reading any photo."""
    ids = sorted(set(report_ids))
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(ReportPhoto.report_id).where(ReportPhoto.report_id.in_(ids))))


def _limits() -> tuple[timedelta, timedelta]:
    config = current_app.config
    return timedelta(hours=config["REPORT_ACK_HOURS"]), timedelta(days=config["REPORT_FIX_DAYS"])


def overdue_clause(now: datetime | None = None):
    """Return a SQL condition on Report: unacknowledged after REPORT_ACK_HOURS, open after REPORT_FIX_DAYS."""
    now = now or utcnow()
    ack, fix = _limits()
    return sa.and_(
        Report.closed_at.is_(None),
        sa.or_(
            sa.and_(Report.acknowledged_at.is_(None), Report.created_at < now - ack),
            Report.created_at < now - fix,
        ),
    )


def is_overdue(report: Report, now: datetime | None = None) -> bool:
    """Return whether one report is overdue (the rule of ``overdue_clause``)."""
    if report.closed_at is not None:
        return False
    now = now or utcnow()
    ack, fix = _limits()
    return (report.acknowledged_at is None and report.created_at < now - ack) or report.created_at < now - fix


@dataclass(frozen=True)
class Page:
    """One page of reports, newest first, and how many match over all pages."""

    items: list[Report]
    total: int


def list_reports(
    scope: Scope,
    *,
    statuses: Iterable[str] = (),
    region: str | None = None,
    station: str | int | None = None,
    category: str | None = None,
    overdue: bool | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> Page:
    """Return the reports in a scope that match the filters, newest first.

    Days are local (TIMEZONE) and inclusive. Raises Forbidden for a region or station outside the
    scope, NotFound for an unknown station, InvalidInput for a bad region code or day range.
    """
    conditions = [scoping.clause(scope)]
    if region is not None:
        region = region_in(scope, region)
        conditions.append(scoping.in_region(region))
    if station is not None:
        found = get_station(station)
        if not scope.covers_station(found):
            raise Forbidden("this station is outside your scope")
        conditions.append(Report.station_id == found.id)
    statuses = sorted(set(statuses))
    if statuses:
        conditions.append(Report.status.in_(statuses))
    if category is not None:
        conditions.append(Report.category == category)
    if overdue is not None:
        clause = overdue_clause(now)
        conditions.append(clause if overdue else sa.not_(clause))
    if date_from and date_to and date_from > date_to:
        raise InvalidInput("from is after to")
    if date_from is not None:
        conditions.append(Report.created_at >= _local_midnight(date_from))
    if date_to is not None:
        conditions.append(Report.created_at < _local_midnight(date_to + timedelta(days=1)))
    where = sa.and_(*conditions)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Report).where(where))
    items = db.session.scalars(
        sa.select(Report)
        .options(orm.selectinload(Report.station))
        .where(where)
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return Page(list(items), total)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone())


@dataclass(frozen=True)
class OpenProblem:
    """Riders' open reports of one problem at a station: "2 位骑手反馈：无饮用水（今天 10:12 起）"."""

    category: str
    riders: int
    since: datetime


def open_by_station(station_ids: Iterable[int]) -> dict[int, list[OpenProblem]]:
    """Return each station's open problems (station reports not yet closed), the oldest first."""
    ids = sorted(set(station_ids))
    if not ids:
        return {}
    since = sa.func.min(Report.created_at)
    rows = db.session.execute(
        sa.select(Report.station_id, Report.category, sa.func.sum(Report.confirmations), since)
        .where(Report.station_id.in_(ids), Report.status.in_(OPEN_STATES))
        .group_by(Report.station_id, Report.category)
        .order_by(Report.station_id, since, Report.category)
    )
    out: dict[int, list[OpenProblem]] = {}
    for station_id, category, riders, first in rows:
        out.setdefault(station_id, []).append(OpenProblem(category, int(riders), first))
    return out


__all__ = [
    "OpenProblem", "Page", "by_code", "for_user", "is_overdue", "list_reports", "open_by_station",
    "overdue_clause", "photo", "with_photos",
]  # fmt: skip
