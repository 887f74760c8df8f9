"""The scoping matrix with reports: the SQL rule (lists) and the Python rule (one report) agree with SEES."""

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report, Station, User
from stationfinder.services import accounts, reports
from stationfinder.services.errors import Forbidden
from stationfinder.services.reports import scoping
from tests.reports_world import REPORTS, SEES, make_report_world


@pytest.fixture
def world(app):
    codes = make_report_world(app)
    with app.app_context():
        yield codes


def user(name: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == name))


@pytest.mark.parametrize("name", sorted(SEES))
def test_the_list_holds_exactly_the_reports_in_scope(world, name):
    page = reports.list_reports(accounts.scope_of(user(name)))
    names = {key for key, code in world.items() if code in {r.code for r in page.items}}
    assert names == SEES[name]
    assert page.total == len(SEES[name])


@pytest.mark.parametrize("name", sorted(SEES))
@pytest.mark.parametrize("key", REPORTS)
def test_one_report_in_or_out_of_scope(world, name, key):
    someone = user(name)
    report = reports.by_code(world[key])
    inside = key in SEES[name]
    assert scoping.covers(accounts.scope_of(someone), report) is inside
    if inside:
        assert reports.for_user(someone, world[key]) is report
    else:
        with pytest.raises(Forbidden):
            reports.for_user(someone, world[key])


def test_a_station_report_follows_its_station_into_another_region(world):
    # Stations are routed by where they are now, as statistics count them.
    report = reports.by_code(world["station-gy"])
    db.session.get(Station, report.station_id).region_code = "520502"
    db.session.flush()
    assert scoping.covers(accounts.scope_of(user("staff_520500")), report)
    assert not scoping.covers(accounts.scope_of(user("staff_520100")), report)
    listed = reports.list_reports(accounts.scope_of(user("staff_520500"))).items
    assert report in listed


def test_a_deleted_stations_report_stays_with_its_region(world):
    report = reports.by_code(world["station-bj"])
    db.session.delete(report.station)
    db.session.commit()
    report = db.session.get(Report, report.id)
    assert report.station_id is None and report.region_code == "520502"
    assert scoping.covers(accounts.scope_of(user("staff_520500")), report)
    assert not scoping.covers(accounts.scope_of(user("manager_bj")), report)
    assert report in reports.list_reports(accounts.scope_of(user("staff_520000"))).items


def test_disabled_users_act_on_nothing(world):
    with pytest.raises(Forbidden):
        reports.for_user(user("disabled_admin"), world["community-sz"])
