"""Reports in figures, for the dashboard: counts, median response times, overdue ones per region.

Each figure is one aggregate statement over the reports a statistics question covers
(``stats.query.Query``: its target and its local days, a report counting on the day it was
filed), so the dashboard's cost does not grow with the number of reports it sums up.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import orm

from stationfinder.extensions import db
from stationfinder.models import Report, Station, utcnow
from stationfinder.models.report import OPEN_STATES
from stationfinder.services.accounts import Scope
from stationfinder.services.regions.codes import NATIONAL
from stationfinder.services.reports import scoping
from stationfinder.services.reports.queries import overdue_clause
from stationfinder.services.stats.query import Query, Target

# The exported list stops here; a wider list belongs to the API's paged GET /api/v1/reports.
EXPORT_LIMIT = 20_000
_COUNTY = 6


def target_clause(target: Target):
    """Return a SQL condition on Report selecting the reports of a statistics target."""
    if target.area == NATIONAL:
        return sa.true()
    if target.area:
        return scoping.in_region(target.area)
    if not target.station_ids:
        return sa.false()
    return Report.station_id.in_(sorted(target.station_ids))


def _where(query: Query):
    start, end = query.period.utc_bounds()
    return sa.and_(target_clause(query.target), Report.created_at >= start, Report.created_at < end)


def open_count(scope: Scope) -> int:
    """Return how many reports in a scope are open (the inbox's figure in the staff menu)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Report)
        .where(scoping.clause(scope), Report.status.in_(OPEN_STATES))
    )


def region_column():
    """Return a report's region as SQL: its station's current one, else its own (needs the Station join)."""
    return sa.func.coalesce(Station.region_code, Report.region_code)


def _region_key(depth: int):
    region = region_column()
    if depth >= _COUNTY:
        return region
    return sa.func.substr(region, 1, depth, type_=sa.String) + sa.literal_column(f"'{'0' * (6 - depth)}'")


@dataclass(frozen=True)
class Group:
    """Reports of one kind, category, state and region: how many, and how many of them are overdue."""

    kind: str
    category: str
    status: str
    region: str | None
    count: int
    overdue: int


def groups(query: Query, now: datetime | None = None) -> list[Group]:
    """Return the question's reports counted by kind, category, state and region (one statement).

    The region is one level below the question's area (provinces of the country, cities of a
    province, counties of a city); a county or a set of stations is counted by county.
    """
    depth = query.source.child_depth or _COUNTY
    region = _region_key(depth).label("region")
    overdue = sa.func.sum(sa.case((overdue_clause(now or utcnow()), 1), else_=0))
    rows = db.session.execute(
        sa.select(Report.kind, Report.category, Report.status, region, sa.func.count(), overdue)
        .select_from(Report)
        .outerjoin(Station, Station.id == Report.station_id)
        .where(_where(query))
        .group_by(Report.kind, Report.category, Report.status, region)
    )
    return [Group(k, c, s, r, int(n), int(o or 0)) for k, c, s, r, n, o in rows]


def _hours(later, earlier):
    """Return SQL for the hours between two UTC timestamps, as each dialect counts them."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier) / 3600.0
    # SQLite keeps the timestamps as text; julianday() reads them as days.
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 24.0


def _median(hours, where):
    """Return a one-row subquery: the median of ``hours`` over the reports in ``where``, and how many."""
    # Window functions, not percentile_cont: SQLite has no ordered-set aggregates.
    ranked = (
        sa.select(
            hours.label("h"),
            sa.func.row_number().over(order_by=hours).label("rn"),
            sa.func.count().over().label("n"),
        )
        .select_from(Report)
        .where(where)
        .subquery()
    )
    middle = sa.or_(ranked.c.rn == (ranked.c.n + 1) // 2, ranked.c.rn == (ranked.c.n + 2) // 2)
    return sa.select(
        sa.func.avg(sa.case((middle, ranked.c.h))).label("median"), sa.func.max(ranked.c.n).label("n")
    ).subquery()


@dataclass(frozen=True)
class Times:
    """Median hours from filing to the first acknowledgement and to ``fixed``; None without any."""

    ack_hours: float | None
    acked: int
    fix_hours: float | None
    fixed: int


def times(query: Query) -> Times:
    """Return the question's median hours to acknowledge and to fix (one statement)."""
    where = _where(query)
    ack = _median(
        _hours(Report.acknowledged_at, Report.created_at),
        sa.and_(where, Report.acknowledged_at.is_not(None)),
    )
    fix = _median(
        _hours(Report.closed_at, Report.created_at),
        sa.and_(where, Report.status == "fixed", Report.closed_at.is_not(None)),
    )
    # Two one-row aggregates side by side: one round trip.
    row = db.session.execute(
        sa.select(ack.c.median, ack.c.n, fix.c.median, fix.c.n).select_from(ack.join(fix, sa.true()))
    ).one()
    return Times(_float(row[0]), int(row[1] or 0), _float(row[2]), int(row[3] or 0))


def _float(value) -> float | None:
    return None if value is None else round(float(value), 1)


def reports(query: Query, limit: int = EXPORT_LIMIT) -> list[tuple[Report, str | None]]:
    """Return the question's reports with their region (newest first, at most ``limit``), for exports."""
    rows = db.session.execute(
        sa.select(Report, region_column())
        .outerjoin(Report.station)
        .options(orm.contains_eager(Report.station))
        .where(_where(query))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return [(report, region) for report, region in rows]


__all__ = [
    "EXPORT_LIMIT", "Group", "Times", "groups", "open_count", "region_column", "reports",
    "target_clause", "times",
]  # fmt: skip
