"""Riders' reports as tickets: filing with "me too" merging, the workflow, scoping, photos, purging.

``filing`` files (or merges) a report, ``workflow`` moves it through its states, and both record
each change through ``history.changed``. ``scoping`` applies the statistics' scopes to reports,
``queries`` reads them, ``shapes`` draws the public and staff views, ``photos`` cleans uploads and
``purging`` forgets old positions, photos and device hashes. Services flush; callers commit.
"""

from stationfinder.services.reports.filing import file_report
from stationfinder.services.reports.purging import purge
from stationfinder.services.reports.queries import by_code, for_user, list_reports, open_by_station
from stationfinder.services.reports.workflow import change

__all__ = ["by_code", "change", "file_report", "for_user", "list_reports", "open_by_station", "purge"]
