"""Reading reports: codes as riders type them, the staff list's filters, overdue, open problems by station."""

from datetime import date, timedelta

import pytest

from stationfinder.extensions import db
from stationfinder.services import reports
from stationfinder.services.accounts import Scope
from stationfinder.services.errors import Forbidden, InvalidInput, NotFound
from stationfinder.services.reports import codes, queries, workflow
from tests.factories import StationFactory, UserFactory
from tests.services.reports.conftest import NANMING, QIXINGGUAN, T0

EVERYTHING = Scope()


def test_codes_use_an_alphabet_without_lookalikes():
    assert not set("01OILU") & set(codes.ALPHABET)
    drawn = {codes.new_code() for _ in range(500)}
    assert len(drawn) == 500
    assert all(len(c) == 8 and set(c) <= set(codes.ALPHABET) for c in drawn)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("ABCD2345", "ABCD2345"),
        ("abcd-2345", "ABCD2345"),
        (" ab cd 23 45 ", "ABCD2345"),
        ("ABCD_2345", "ABCD2345"),
    ],
)
def test_a_code_is_read_as_typed(typed, meant):
    assert codes.normalize(typed) == meant


@pytest.mark.parametrize(
    "typed", ["", "ABCD234", "ABCD23456", "ABCD0345", "ABCDI345", "ABCDU345", None, 12345678]
)
def test_impossible_codes_are_none(typed):
    assert codes.normalize(typed) is None


def test_by_code(station):
    report, _ = reports.file_report("station", "dirty", station_id=station.id)
    assert reports.by_code(report.code.lower()) is report
    with pytest.raises(NotFound):
        reports.by_code("ZZZZZZZZ" if report.code != "ZZZZZZZZ" else "YYYYYYYY")
    with pytest.raises(NotFound):
        reports.by_code("not a code\x00")


@pytest.fixture
def listed(station):
    """Four reports over three days: station ones in 520103 and 520502, community ones."""
    other = StationFactory(ref="bj-1", region_code="520502", lat=27.3, lon=105.28)
    staff = UserFactory(admin=True)
    made = {
        "water": reports.file_report("station", "no_water", station_id=station.id, now=T0)[0],
        "full": reports.file_report("station", "full", station_id=other.id, now=T0 + timedelta(days=1))[0],
        "road": reports.file_report("community", "road_hazard", lat=NANMING[0], lon=NANMING[1], now=T0)[0],
        "ads": reports.file_report(
            "community", "illegal_ads", lat=QIXINGGUAN[0], lon=QIXINGGUAN[1], now=T0 + timedelta(days=2)
        )[0],
    }
    workflow.change(made["full"], staff, status="fixed", note="cleared", now=T0 + timedelta(days=1, hours=1))
    db.session.commit()
    return made


def names(page, made) -> list[str]:
    by_id = {r.id: key for key, r in made.items()}
    return [by_id[r.id] for r in page.items]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, ["ads", "full", "road", "water"]),
        ({"statuses": ["open"]}, ["ads", "road", "water"]),
        ({"statuses": ["fixed", "duplicate"]}, ["full"]),
        ({"region": "520000"}, ["ads", "full", "road", "water"]),
        ({"region": "520100"}, ["road", "water"]),
        ({"region": "520502"}, ["ads", "full"]),
        ({"region": "440000"}, []),
        ({"station": "bj-1"}, ["full"]),
        ({"category": "no_water"}, ["water"]),
        ({"date_from": date(2025, 3, 11)}, ["ads", "full"]),
        ({"date_to": date(2025, 3, 10)}, ["road", "water"]),
        ({"date_from": date(2025, 3, 11), "date_to": date(2025, 3, 11)}, ["full"]),
        ({"limit": 2}, ["ads", "full"]),
        ({"limit": 2, "offset": 3}, ["water"]),
    ],
)
def test_list_filters(listed, filters, expected):
    page = reports.list_reports(EVERYTHING, **filters)
    assert names(page, listed) == expected
    assert page.total == (4 if set(filters) <= {"limit", "offset"} else len(expected))


def test_local_days_bound_the_dates(station):
    # 2025-03-10 23:59 in Shanghai is still the 10th there, though the 11th began nowhere yet in UTC.
    late = T0 + timedelta(hours=13, minutes=59)
    report, _ = reports.file_report("station", "dirty", station_id=station.id, now=late)
    assert reports.list_reports(EVERYTHING, date_to=date(2025, 3, 10)).items == [report]
    assert reports.list_reports(EVERYTHING, date_from=date(2025, 3, 11)).items == []


def test_list_refusals(listed):
    staff = Scope(region="520100")
    with pytest.raises(Forbidden):
        reports.list_reports(staff, region="520500")
    with pytest.raises(Forbidden):
        reports.list_reports(staff, station="bj-1")
    with pytest.raises(Forbidden):
        reports.list_reports(Scope(station_ids=frozenset({1})), region="520000")
    with pytest.raises(NotFound):
        reports.list_reports(staff, station="no-such-ref")
    with pytest.raises(InvalidInput):
        reports.list_reports(staff, date_from=date(2025, 3, 12), date_to=date(2025, 3, 11))


def test_overdue_after_48_hours_unacknowledged_or_7_days_open(station):
    staff = UserFactory(admin=True)
    fresh = reports.file_report("station", "no_water", station_id=station.id, now=T0)[0]
    acked = reports.file_report("station", "no_power", station_id=station.id, now=T0)[0]
    closed = reports.file_report("station", "dirty", station_id=station.id, now=T0)[0]
    workflow.change(acked, staff, status="acknowledged", now=T0 + timedelta(hours=1))
    workflow.change(closed, staff, status="fixed", note="ok", now=T0 + timedelta(hours=1))
    db.session.commit()

    def overdue(now):
        ids = {r.id for r in reports.list_reports(EVERYTHING, overdue=True, now=now).items}
        assert all(queries.is_overdue(r, now) == (r.id in ids) for r in (fresh, acked, closed))
        not_overdue = {r.id for r in reports.list_reports(EVERYTHING, overdue=False, now=now).items}
        assert ids | not_overdue == {fresh.id, acked.id, closed.id} and not ids & not_overdue
        return {
            r for r, report in (("fresh", fresh), ("acked", acked), ("closed", closed)) if report.id in ids
        }

    assert overdue(T0 + timedelta(hours=47, minutes=59)) == set()
    assert overdue(T0 + timedelta(hours=48, minutes=1)) == {"fresh"}
    assert overdue(T0 + timedelta(days=7, minutes=1)) == {"fresh", "acked"}


def test_overdue_limits_are_settings(app_factory):
    app = app_factory(REPORT_ACK_HOURS=1, REPORT_FIX_DAYS=2)
    with app.app_context():
        station = StationFactory()
        report = reports.file_report("station", "full", station_id=station.id, now=T0)[0]
        assert not queries.is_overdue(report, T0 + timedelta(minutes=59))
        assert queries.is_overdue(report, T0 + timedelta(minutes=61))
        report.acknowledged_at = T0 + timedelta(minutes=30)
        assert not queries.is_overdue(report, T0 + timedelta(days=1))
        assert queries.is_overdue(report, T0 + timedelta(days=2, minutes=1))


def test_open_problems_per_station_for_the_rider_pages(station):
    other = StationFactory()
    quiet = StationFactory()
    staff = UserFactory(admin=True)
    reports.file_report(
        "station", "no_water", station_id=station.id, device_id="a", now=T0 + timedelta(hours=1)
    )
    reports.file_report(
        "station", "no_water", station_id=station.id, device_id="b", now=T0 + timedelta(hours=2)
    )
    reports.file_report("station", "dirty", station_id=station.id, device_id="a", now=T0)
    fixed = reports.file_report("station", "full", station_id=other.id, now=T0)[0]
    workflow.change(fixed, staff, status="fixed", note="ok")
    reports.file_report("station", "ac_broken", station_id=other.id, now=T0 + timedelta(hours=3))
    summary = reports.open_by_station([station.id, other.id, quiet.id])
    assert summary == {
        station.id: [
            queries.OpenProblem("dirty", 1, T0),
            queries.OpenProblem("no_water", 2, T0 + timedelta(hours=1)),
        ],
        other.id: [queries.OpenProblem("ac_broken", 1, T0 + timedelta(hours=3))],
    }
    assert reports.open_by_station([]) == {}
