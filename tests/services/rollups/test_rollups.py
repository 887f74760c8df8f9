"""The rollups equal counts taken from the raw rows: after check-ins, undos, a bulk rebuild and a purge."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.seeding import bulk
from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import (
    CATEGORIES,
    Checkin,
    CheckinAreaDay,
    CheckinAreaHour,
    CheckinAreaMonth,
    CheckinRollup,
    CheckinStationDay,
    CheckinStationMonth,
    CheckinStationQuarter,
    CheckinStationYear,
    DeviceDay,
    DevicePresence,
)
from stationfinder.services import checkins
from stationfinder.services.accounts import Scope
from stationfinder.services.posters import tokens as posters
from stationfinder.services.rollups import counting as rollups
from stationfinder.services.stats import groups as stats
from tests.factories import StationFactory
from tests.stats_world import SHANGHAI, checkin, expected_rollups, stored_rollups

ROLLUP_MODELS = (
    CheckinRollup,
    CheckinAreaDay,
    CheckinAreaMonth,
    CheckinAreaHour,
    CheckinStationDay,
    CheckinStationMonth,
    CheckinStationQuarter,
    CheckinStationYear,
)
# 30 April 20:00 in Shanghai: three days from here cross two local midnights and a month end.
START = datetime(2024, 4, 30, 12, 0, tzinfo=UTC)
REGIONS = ("520502", "520521", "520102", "520500", "520000", "110101", "440305", None)


@pytest.fixture
def stations(app):
    with app.app_context():
        made = [StationFactory(ref=f"p-{i}", region_code=code) for i, code in enumerate(REGIONS)]
        db.session.commit()
        yield made


def _wipe_counts():
    for model in (*ROLLUP_MODELS, Checkin, DevicePresence, DeviceDay):
        db.session.execute(sa.delete(model))
    db.session.commit()


visits = st.lists(
    st.tuples(
        st.integers(0, len(REGIONS) - 1),  # station
        st.integers(0, 3 * 24 * 60 - 1),  # minutes after START
        st.integers(0, 3),  # device
        st.sampled_from((*CATEGORIES, None)),
        st.booleans(),  # undone right after
        st.booleans(),  # folded into the rollups before that undo (else it is still pending)
    ),
    max_size=25,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(visits=visits, keep_days=st.integers(1, 3))
def test_rollups_equal_raw_counts_before_and_after_a_purge(stations, visits, keep_days):
    _wipe_counts()
    for index, minutes, device, category, undone, folded in sorted(visits, key=lambda v: v[1]):
        when = START + timedelta(minutes=minutes)
        token = f"device-{device}"
        row, duplicate = checkins.record(_token(stations[index]), token, category, now=when)
        db.session.commit()
        if folded:
            units.fold()
        if undone and not duplicate:
            checkins.undo(row.id, token, now=when + timedelta(minutes=1))
        db.session.commit()
    units.fold()
    assert db.session.scalar(sa.select(sa.func.count()).where(Checkin.pending)) == 0
    counted = stored_rollups()
    assert counted == expected_rollups()
    raw_total = db.session.scalar(sa.select(sa.func.count(Checkin.id)))

    # The bulk builder gives the very same rows as one apply() per check-in.
    ids = db.session.execute(sa.select(sa.func.min(Checkin.id), sa.func.max(Checkin.id))).one()
    for model in ROLLUP_MODELS:
        db.session.execute(sa.delete(model))
    if raw_total:
        bulk.add_range(ids[0], ids[1])
    db.session.commit()
    assert stored_rollups() == counted

    now = START + timedelta(days=3)
    cutoff = now - timedelta(days=keep_days)
    checkins.purge(keep_days, now=now)
    db.session.commit()
    assert stored_rollups() == counted  # purging raw rows never touches the counts
    # Raw rows left after the purge still match the counts of the time they cover.
    assert _after(expected_rollups(), cutoff) == _after(counted, cutoff)
    body = stats.checkin_stats(Scope(), "2024-04-30", "2024-05-03")
    assert body["total"] == raw_total


def _token(station) -> str:
    return posters.current_poster(station).token


def _after(tables: dict, cutoff: datetime) -> dict:
    """Keep the rows whose whole time bucket starts at or after the cutoff, table by table."""
    kept = {name: _bucket_after(name, rows, cutoff) for name, rows in tables.items()}
    return {name: rows for name, rows in kept.items() if rows}


def _bucket_after(table: str, rows: dict, cutoff: datetime) -> dict:
    local_cutoff = cutoff.astimezone(SHANGHAI)

    def start(key):
        if table == "rollup":
            return key[1]
        if table == "area_hour":
            return datetime.combine(key[1], datetime.min.time(), SHANGHAI) + timedelta(hours=key[2])
        if table in ("area_day", "station_day"):
            day = key[1]
        else:  # months, quarters, years: a bucket holding the cutoff's month starts before it
            day = key[1]
            if (day.year, day.month) <= (local_cutoff.year, local_cutoff.month):
                return cutoff - timedelta(days=1)
            return cutoff
        return datetime.combine(day, datetime.min.time(), SHANGHAI)

    return {key: value for key, value in rows.items() if start(key) >= cutoff}


def test_apply_files_a_checkin_under_every_level_of_its_region(app):
    with app.app_context():
        county = StationFactory(ref="c", region_code="520502")
        city_coded = StationFactory(ref="m", region_code="520500")
        nowhere = StationFactory(ref="n", region_code=None)
        db.session.commit()
        when = datetime(2024, 5, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 June in Shanghai
        for station in (county, city_coded, nowhere):
            checkin(station, when, f"dev-{station.ref}", "courier")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(CheckinAreaDay)) == 0
        assert units.fold() == 3
        days = db.session.execute(
            sa.select(CheckinAreaDay.area, CheckinAreaDay.local_day, CheckinAreaDay.count)
        ).all()
        assert sorted(days) == [
            ("000000", datetime(2024, 6, 1).date(), 3),
            ("520000", datetime(2024, 6, 1).date(), 2),
            ("520500", datetime(2024, 6, 1).date(), 2),
            ("520502", datetime(2024, 6, 1).date(), 1),
        ]
        hours = db.session.execute(sa.select(CheckinAreaHour.area, CheckinAreaHour.hour)).all()
        assert sorted(hours) == [("000000", 0), ("520000", 0), ("520500", 0)]
        months = db.session.scalars(sa.select(CheckinStationMonth.month).distinct()).all()
        assert [m.isoformat() for m in months] == ["2024-06-01"]
        assert rollups.areas_of("520502")[-1] == rollups.Area("520502", "520500", "county")
        assert [a.code for a in rollups.areas_of(None)] == ["000000"]


def test_the_registry_declares_every_count_table_once():
    from stationfinder.models import Base
    from stationfinder.services.rollups import registry

    counted = {name for name in Base.metadata.tables if name.startswith("checkin_")}
    assert sorted(t.table.name for t in registry.TABLES) == sorted(counted)
    assert {t.model for t in registry.TABLES} == set(ROLLUP_MODELS)
    assert registry.area_table("month") is CheckinAreaMonth
    assert registry.area_table("hour") is CheckinAreaHour
    assert registry.station_table("quarter") is CheckinStationQuarter
    assert registry.station_table("utc_hour") is CheckinRollup
    assert registry.period_column(CheckinStationYear) is CheckinStationYear.year
    assert registry.period_column(CheckinAreaHour) is CheckinAreaHour.local_day
    assert [registry.unique_column(level) for level in ("station", "county", "national")] == [
        "u_station",
        "u_county",
        "u_all",
    ]
    # Keys come from the models' primary keys, in their order (the order rows are written in).
    assert registry.TABLES[1].keys == ("province", "local_day", "area", "station_id")
    with pytest.raises(TypeError, match="disagree"):
        registry.CountTable(CheckinAreaDay, "area", "month")
