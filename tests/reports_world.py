"""The access-control world of tests/staff.py with reports added: who must see which report."""

from stationfinder.extensions import db
from stationfinder.services import reports
from tests.factories import UserFactory
from tests.staff import make_world

# Points inside 贵阳市南明区 (520102), 毕节市七星关区 (520502) and 深圳市福田区 (440304).
POINTS = {"gy": (26.58, 106.71), "bj": (27.30, 105.28), "sz": (22.54, 114.06)}
REPORTS = ("station-gy", "station-bj", "community-gy", "community-bj", "community-sz")
# user -> the reports in their scope; the same rule as the statistics (tests/staff.py MAY_MANAGE).
SEES = {
    "admin": set(REPORTS),
    "staff_520000": {"station-gy", "station-bj", "community-gy", "community-bj"},
    "staff_520100": {"station-gy", "community-gy"},
    "staff_520500": {"station-bj", "community-bj"},
    "staff_440000": {"community-sz"},
    "manager_gy": {"station-gy"},
    "manager_bj": {"station-bj"},
}


def make_report_world(app) -> dict[str, str]:
    """Create the world of tests/staff.py, a staff_440000 and one report of each kind; return their codes."""
    ids = make_world(app)
    with app.app_context():
        UserFactory(username="staff_440000", region_code="440000")
        codes = {}
        for key in ("gy", "bj"):
            report, _ = reports.file_report("station", "no_water", station_id=ids[key])
            codes[f"station-{key}"] = report.code
        for key, (lat, lon) in POINTS.items():
            report, _ = reports.file_report("community", "blocked_passage", lat=lat, lon=lon)
            codes[f"community-{key}"] = report.code
        db.session.commit()
    return codes
