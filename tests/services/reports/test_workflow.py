"""The workflow: the transition table, notes and history, timestamps, reopening, closing a station."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Report, ReportEvent, Station
from stationfinder.models.report import STATES
from stationfinder.services import dataset, reports
from stationfinder.services.errors import Conflict, Forbidden, InvalidInput
from stationfinder.services.nearest import search as nearest
from stationfinder.services.reports import workflow
from tests.factories import StationFactory, UserFactory
from tests.services.reports.conftest import T0

# Written out once more, by hand: the table the code holds must say exactly this.
EXPECTED = {
    "open": {"acknowledged", "in_progress", "fixed", "not_fixable", "duplicate", "referred"},
    "acknowledged": {"in_progress", "fixed", "not_fixable", "duplicate", "referred"},
    "in_progress": {"acknowledged", "fixed", "not_fixable", "duplicate", "referred"},
    "fixed": {"open"},
    "not_fixable": {"open"},
    "duplicate": {"open"},
    "referred": {"open"},
}
CLOSED = {"fixed", "not_fixable", "duplicate", "referred"}


@pytest.fixture
def staff(ctx):
    return UserFactory(region_code="520100")


def filed(station, category="no_water", now=T0) -> Report:
    report, _ = reports.file_report("station", category, station_id=station.id, now=now)
    return report


def at(report: Report, status: str) -> Report:
    """Put a report in a state directly, as if it had got there through the workflow."""
    report.status = status
    report.open_key = None if status in CLOSED else report.open_key
    report.closed_at = T0 if status in CLOSED else None
    db.session.flush()
    return report


@pytest.mark.parametrize("before", STATES)
@pytest.mark.parametrize("after", STATES)
def test_the_transition_table(station, staff, before, after):
    report = at(filed(station), before)
    if before == after:
        assert workflow.change(report, staff, status=after) is None  # nothing to do, nothing recorded
        return
    if after not in EXPECTED[before]:
        with pytest.raises(Conflict):
            workflow.change(report, staff, status=after, note="why")
        assert report.status == before
        return
    event = workflow.change(report, staff, status=after, note="why", now=T0 + timedelta(hours=1))
    assert report.status == after
    assert (event.from_status, event.to_status, event.user_id, event.note) == (before, after, staff.id, "why")
    assert workflow.state_type(after) == ("closed" if after in CLOSED else "open")


def test_the_table_covers_every_state():
    assert workflow.TRANSITIONS.keys() == set(STATES)
    assert {s: set(t) for s, t in workflow.TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize("closing", sorted(CLOSED))
def test_closing_needs_a_public_note(station, staff, closing):
    report = filed(station)
    for note, public in (("", True), ("   ", True), ("fixed the tap", False)):
        with pytest.raises(InvalidInput, match="public note"):
            workflow.change(report, staff, status=closing, note=note, public=public)
    assert report.status == "open"
    workflow.change(report, staff, status=closing, note="fixed the tap")
    assert report.status == closing


def test_times_history_and_the_open_key(station, staff):
    report = filed(station)
    workflow.change(report, staff, note="looking into it", public=False, now=T0 + timedelta(minutes=5))
    assert report.status == "open" and report.acknowledged_at is None
    workflow.change(report, staff, status="acknowledged", now=T0 + timedelta(hours=2))
    assert report.acknowledged_at == T0 + timedelta(hours=2)
    workflow.change(report, staff, status="in_progress", now=T0 + timedelta(hours=3))
    assert report.acknowledged_at == T0 + timedelta(hours=2)
    workflow.change(report, staff, status="fixed", note="水已恢复", now=T0 + timedelta(days=1))
    assert report.closed_at == T0 + timedelta(days=1) and report.open_key is None
    assert report.updated_at == T0 + timedelta(days=1)
    db.session.commit()
    rows = db.session.execute(
        sa.select(ReportEvent.from_status, ReportEvent.to_status, ReportEvent.note, ReportEvent.public)
        .where(ReportEvent.report_id == report.id)
        .order_by(ReportEvent.at)
    ).all()
    assert rows == [
        (None, "open", "", False),
        ("open", "open", "looking into it", False),
        ("open", "acknowledged", "", True),
        ("acknowledged", "in_progress", "", True),
        ("in_progress", "fixed", "水已恢复", True),
    ]


def test_closing_straight_from_open_also_acknowledges(station, staff):
    report = filed(station)
    workflow.change(report, staff, status="duplicate", note="见 ABCD-EFGH", now=T0 + timedelta(hours=1))
    assert report.acknowledged_at == report.closed_at == T0 + timedelta(hours=1)


def test_reopening_takes_the_place_back_unless_another_ticket_holds_it(station, staff):
    report = filed(station)
    workflow.change(report, staff, status="fixed", note="done")
    workflow.change(report, staff, status="open", note="it broke again")
    assert report.open_key == f"{station.id}:no_water" and report.closed_at is None
    workflow.change(report, staff, status="fixed", note="done again")
    newer = filed(station)
    db.session.commit()
    with pytest.raises(Conflict, match="another report"):
        workflow.change(report, staff, status="open")
    db.session.rollback()
    assert db.session.get(Report, newer.id).open_key == f"{station.id}:no_water"


def test_outside_the_scope_nothing_changes(station):
    report = filed(station)
    for user in (
        UserFactory(region_code="520500"),
        UserFactory(manager=True, stations=[StationFactory(region_code="520103")]),
        UserFactory(admin=True, active=False),
    ):
        with pytest.raises(Forbidden):
            workflow.change(report, user, status="acknowledged")
    assert report.status == "open"


def test_a_manager_confirms_station_closed_and_closes_the_station(station):
    manager = UserFactory(manager=True, stations=[station])
    db.session.commit()
    nearest.INDEX.clear()
    near = nearest.nearest(station.lat, station.lon, limit=1, open_now=True)
    assert [s["id"] for s in near] == [station.id]
    version = dataset.current()
    report = filed(station, "station_closed")
    workflow.change(report, manager, status="acknowledged", station_status="temporarily_closed")
    db.session.commit()
    assert db.session.get(Station, station.id).status == "temporarily_closed"
    assert dataset.current() == version + 1
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "update"))
    assert (entry.user_id, entry.action, entry.changes) == (
        manager.id,
        "update",
        {"status": ["open", "temporarily_closed"]},
    )
    # The search's index saw the version move: the station shows as closed and is no longer offered open.
    (shown,) = nearest.nearest(station.lat, station.lon, limit=1)
    assert (shown["id"], shown["status"], shown["open_now"]) == (station.id, "temporarily_closed", False)
    assert nearest.nearest(station.lat, station.lon, limit=1, open_now=True) == []


def test_station_status_only_for_station_closed_reports_and_station_managers(station, staff):
    report = filed(station, "no_water")
    with pytest.raises(InvalidInput):
        workflow.change(report, staff, station_status="temporarily_closed")
    closed = filed(station, "station_closed")
    with pytest.raises(InvalidInput):
        workflow.change(closed, staff, station_status="closed")
    assert db.session.get(Station, station.id).status == "open"
