"""A small world of stations and check-ins for the statistics tests, and counts taken from raw rows.

Each county gets a different number of check-ins (2, 3, 5, 7, 11), so any figure
leaking from outside a caller's region changes a total the tests compare.
"""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import (
    Checkin,
    CheckinAreaDay,
    CheckinAreaHour,
    CheckinAreaMonth,
    CheckinRollup,
    CheckinStationDay,
    CheckinStationMonth,
    CheckinStationQuarter,
    CheckinStationYear,
    Station,
)
from stationfinder.services import accounts, checkins
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 2025-03-10 10:00 in Shanghai; every world check-in falls on the 10 local days before DAY.
NOW = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)
DAY = date(2025, 3, 10)
# region code -> (station refs, check-ins in the county)
COUNTIES = {
    "520102": (["gy-nanming-1", "gy-nanming-2"], 2),
    "520103": (["gy-yunyan-1"], 3),
    "520502": (["bj-qxg-1"], 5),
    "440305": (["sz-nanshan-1"], 7),
    "110105": (["bj-chaoyang-1"], 11),
}
IDLE_REF = "gy-idle"  # in 520103, never checked in at


def checkin(station: Station, when: datetime, device: str, category: str | None = None) -> Checkin:
    """Record a check-in through the check-in service at a given moment."""
    row, duplicate = checkins.record(posters.current_poster(station).token, device, category, now=when)
    assert not duplicate
    return row


def build_world() -> dict[str, Station]:
    """Create the world's stations and check-ins (in an app context), commit and count them."""
    stations: dict[str, Station] = {}
    for code, (refs, _n) in COUNTIES.items():
        for ref in refs:
            stations[ref] = StationFactory(ref=ref, name=f"驿站 {ref}", region_code=code)
    stations[IDLE_REF] = StationFactory(ref=IDLE_REF, name="驿站 idle", region_code="520103")
    stations["no-ref"] = StationFactory(ref=None, name="驿站 without ref", region_code="520103")
    categories = ["food_delivery", "courier", None]
    for code, (refs, n) in COUNTIES.items():
        for i in range(n):
            station = stations[refs[i % len(refs)]]
            when = NOW - timedelta(days=i % 10, hours=i)
            checkin(station, when, device=f"{code}-dev-{i}", category=categories[i % 3])
    # As the statistics views do before they read.
    units.fold()
    return stations


def world_total(region: str | None) -> int:
    """Return how many world check-ins lie in a region (None: everywhere)."""
    return sum(n for code, (_refs, n) in COUNTIES.items() if region is None or _inside(region, code))


def _inside(region: str, code: str) -> bool:
    prefix = region[:2] if region.endswith("0000") else region[:4] if region.endswith("00") else region
    return code.startswith(prefix)


def refs_in(region: str | None) -> set[str]:
    """Return the refs of the world stations inside a region."""
    out = {IDLE_REF} if region is None or _inside(region, "520103") else set()
    for code, (refs, _n) in COUNTIES.items():
        if region is None or _inside(region, code):
            out.update(refs)
    return out


def make_users() -> dict[str, object]:
    """Create one user per role and region of the scoping matrix; return them by label."""
    users = {
        "admin": UserFactory(admin=True, username="admin"),
        "staff-520000": UserFactory(username="gz", region_code="520000"),
        "staff-520100": UserFactory(username="gy", region_code="520100"),
        "staff-520502": UserFactory(username="qxg", region_code="520502"),
        "staff-440000": UserFactory(username="gd", region_code="440000"),
    }
    yunyan = db.session.scalar(sa.select(Station).where(Station.ref == "gy-yunyan-1"))
    users["manager"] = UserFactory(manager=True, username="mgr", stations=[yunyan])
    db.session.commit()
    return users


def token_for(user) -> str:
    """Return a new API token of a user (committed)."""
    token = accounts.issue_token(user)
    db.session.commit()
    return token


def areas(code: str | None) -> list[tuple[str, str, int]]:
    """Return (area, level, unique bit) of a station's region code, derived independently of rollups."""
    out = [("000000", "national", 16)]
    if not code:
        return out
    out.append((code[:2] + "0000", "province", 8))
    if not code.endswith("0000"):
        out.append((code[:4] + "00", "city", 4))
        if not code.endswith("00"):
            out.append((code, "county", 2))
    return out


def expected_rollups() -> dict[str, dict]:
    """Return every rollup table as counted from the raw check-in rows."""
    out: dict[str, Counter] = defaultdict(Counter)
    rows = db.session.execute(sa.select(Checkin, Station.region_code).join(Station)).all()
    for c, code in rows:
        cat = c.category or "unspecified"
        local = c.created_at.astimezone(SHANGHAI)
        month = c.local_day.replace(day=1)
        hour = c.created_at.replace(minute=0, second=0, microsecond=0)
        out["rollup"][(c.station_id, hour, cat, "count")] += 1
        for bit, name in ((1, "u_station"), (2, "u_county"), (4, "u_city"), (8, "u_province"), (16, "u_all")):
            out["rollup"][(c.station_id, hour, cat, name)] += int(bool(c.unique_mask & bit))
        for area, level, bit in areas(code):
            u = int(bool(c.unique_mask & bit))
            for table, key in (("area_day", (area, c.local_day, cat)), ("area_month", (area, month, cat))):
                out[table][(*key, "count")] += 1
                out[table][(*key, "uniq")] += u
            if level != "county":
                out["area_hour"][(area, c.local_day, local.hour, "count")] += 1
                out["area_hour"][(area, c.local_day, local.hour, "uniq")] += u
        quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
        for table, period in (
            ("station_day", c.local_day),
            ("station_month", month),
            ("station_quarter", quarter),
            ("station_year", month.replace(month=1)),
        ):
            out[table][(c.station_id, period, "count")] += 1
            out[table][(c.station_id, period, "uniq")] += int(bool(c.unique_mask & 1))
    return _nonzero(out)


def stored_rollups() -> dict[str, dict]:
    """Return every rollup table as stored, zero rows left out."""
    out: dict[str, Counter] = defaultdict(Counter)
    for r in db.session.scalars(sa.select(CheckinRollup)):
        for name in ("count", "u_station", "u_county", "u_city", "u_province", "u_all"):
            out["rollup"][(r.station_id, r.hour, r.category, name)] += getattr(r, name)
    for model, table, key in (
        (CheckinAreaDay, "area_day", lambda r: (r.area, r.local_day, r.category)),
        (CheckinAreaMonth, "area_month", lambda r: (r.area, r.month, r.category)),
        (CheckinAreaHour, "area_hour", lambda r: (r.area, r.local_day, r.hour)),
        (CheckinStationDay, "station_day", lambda r: (r.station_id, r.local_day)),
        (CheckinStationMonth, "station_month", lambda r: (r.station_id, r.month)),
        (CheckinStationQuarter, "station_quarter", lambda r: (r.station_id, r.quarter)),
        (CheckinStationYear, "station_year", lambda r: (r.station_id, r.year)),
    ):
        for r in db.session.scalars(sa.select(model)):
            out[table][(*key(r), "count")] += r.count
            out[table][(*key(r), "uniq")] += r.uniq
    return _nonzero(out)


def _nonzero(tables) -> dict[str, dict]:
    # Undo leaves rows at zero; negative values stay, as they are bugs.
    out = {name: {k: v for k, v in counter.items() if v} for name, counter in tables.items()}
    return {name: rows for name, rows in out.items() if rows}
