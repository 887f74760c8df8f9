"""Who sees a report: the same rule as the statistics (``accounts.Scope``), applied to reports.

A station report follows its station: its managers, the staff whose region holds the station,
and admins. A community report (or one whose station was deleted) follows its region: the
staff whose region holds it, and admins; managers never see it.
"""

import sqlalchemy as sa

from stationfinder.models import Report, Station
from stationfinder.services.accounts import Scope
from stationfinder.services.regions import codes as regions


def in_region(code: str):
    """Return a SQL condition on Report selecting the reports inside a region."""
    stations = sa.select(Station.id).where(regions.clause(Station.region_code, code))
    return sa.or_(
        Report.station_id.in_(stations),
        sa.and_(Report.station_id.is_(None), regions.clause(Report.region_code, code)),
    )


def clause(scope: Scope):
    """Return a SQL condition on Report selecting what a scope covers."""
    if scope.national:
        return sa.true()
    if scope.station_ids is not None:
        stations = sa.select(Station.id).where(scope.station_clause())
        return Report.station_id.in_(stations)
    return in_region(scope.region)


def covers(scope: Scope, report: Report) -> bool:
    """Return whether a scope covers one report."""
    if report.station_id is not None and report.station is not None:
        return scope.covers_station(report.station)
    return scope.covers_region(report.region_code) if report.region_code else scope.national


__all__ = ["clause", "covers", "in_region"]
