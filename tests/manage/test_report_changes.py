"""A ticket's state change on /manage/reports/<code>: notes, closing, refused transitions, station_closed."""

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Report, ReportEvent, Station
from stationfinder.services import reports
from stationfinder.services.nearest import search as nearest
from stationfinder.services.reports import shapes
from tests.reports_world import make_report_world
from tests.staff import csrf_token, login


@pytest.fixture
def world(app):
    return make_report_world(app)


def change(client, code: str, **form):
    """Post the ticket's form as the page shows it (its shown status read from the database)."""
    with client.application.app_context():
        shown = reports.by_code(code).status
    lang = form.pop("lang", "zh")
    data = {"shown_status": shown, "status": "", "note": "", "public": "y", **form}
    return client.post(
        f"/manage/reports/{code}?lang={lang}", data={k: v for k, v in data.items() if v is not None}
    )


def state(app, code: str) -> tuple[str, list[tuple]]:
    """Return a report's status and its history as (from, to, note, public, username)."""
    with app.app_context():
        report = reports.by_code(code)
        events = [
            (e.from_status, e.to_status, e.note, e.public, username) for e, username in shapes.history(report)
        ]
        return report.status, events


def test_acknowledge_without_a_note(app, client, world):
    code = world["station-gy"]
    login(client, "manager_gy")
    response = change(client, code, status="acknowledged", lang="en")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/manage/reports/{code}")
    status, events = state(app, code)
    assert status == "acknowledged"
    assert events[-1] == ("open", "acknowledged", "", True, "manager_gy")
    html = client.get(f"/manage/reports/{code}", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Saved." in html and "manager_gy" in html and "New → Acknowledged" in html


def test_a_note_alone_is_kept_internal_when_asked(app, client, world):
    code = world["community-gy"]
    login(client, "staff_520100")
    assert change(client, code, note="已通知城管 0851-1234567", public=None).status_code == 303
    status, events = state(app, code)
    assert status == "open" and events[-1] == (
        "open",
        "open",
        "已通知城管 0851-1234567",
        False,
        "staff_520100",
    )
    # Riders (no session) never read it.
    assert "0851-1234567" not in app.test_client().get(f"/api/v1/reports/{code}").get_data(as_text=True)


def test_closing_needs_a_public_note(app, client, world):
    code = world["station-bj"]
    login(client, "staff_520500")
    for form in ({"status": "fixed"}, {"status": "fixed", "note": "修好了", "public": None}):
        response = change(client, code, **form, lang="en")
        assert response.status_code == 422
        assert "Closing a report needs a note riders may read" in response.get_data(as_text=True)
    assert state(app, code)[0] == "open"
    assert change(client, code, status="fixed", note="饮水机已修好").status_code == 303
    status, events = state(app, code)
    assert status == "fixed" and events[-1] == ("open", "fixed", "饮水机已修好", True, "staff_520500")
    public = app.test_client().get(f"/api/v1/reports/{code}").get_json()
    assert public["status"] == "fixed" and public["updates"][-1]["note"] == "饮水机已修好"


def test_a_refused_transition_gets_a_friendly_409(app, client, world):
    code = world["station-bj"]
    login(client, "admin")
    assert change(client, code, status="duplicate", note="同一问题见另一条").status_code == 303
    response = client.post(
        f"/manage/reports/{code}?lang=en",
        data={"shown_status": "duplicate", "status": "in_progress", "note": "", "public": "y"},
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "A report cannot go from “Duplicate” to “In progress”" in html and "Traceback" not in html
    assert state(app, code)[0] == "duplicate"
    # Reopening is offered, and allowed.
    assert '<option value="open">New</option>' in html
    assert change(client, code, status="open").status_code == 303
    assert state(app, code)[0] == "open"


@pytest.mark.parametrize("status", ["bogus", "<script>", "open\x00"])
def test_an_unknown_status_is_a_form_error(app, client, world, status):
    login(client, "admin")
    response = change(client, world["station-gy"], status=status, lang="en")
    assert response.status_code in (409, 422) and "Traceback" not in response.get_data(as_text=True)
    assert state(app, world["station-gy"])[0] == "open"


def test_nothing_to_save(app, client, world):
    login(client, "admin")
    response = client.post(
        f"/manage/reports/{world['station-gy']}?lang=en",
        data={"shown_status": "open", "status": "", "note": " "},
    )
    assert response.status_code == 422 and "Nothing to save" in response.get_data(as_text=True)
    assert len(state(app, world["station-gy"])[1]) == 1


def test_a_change_made_meanwhile_is_not_overwritten(app, client, world):
    code = world["community-bj"]
    login(client, "staff_520500")
    assert change(client, code, status="in_progress").status_code == 303
    stale = client.post(
        f"/manage/reports/{code}?lang=en", data={"shown_status": "open", "status": "fixed", "note": "好了"}
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Someone changed this report meanwhile" in html and "好了" in html  # the words typed stay
    assert state(app, code)[0] == "in_progress"


def test_outside_the_scope_a_post_changes_nothing(app, client, world):
    code = world["station-gy"]
    login(client, "staff_520500")
    assert change(client, code, status="acknowledged").status_code == 403
    assert state(app, code) == ("open", [(None, "open", "", False, None)])


def test_a_note_too_long_is_refused(app, client, world):
    login(client, "admin")
    response = change(client, world["station-gy"], note="长" * 1001, lang="en")
    assert response.status_code == 422 and len(state(app, world["station-gy"])[1]) == 1


def test_the_form_needs_its_csrf_token(app_factory, world):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    login(client, "admin", csrf=True)
    code = world["station-gy"]
    refused = client.post(f"/manage/reports/{code}", data={"status": "acknowledged", "shown_status": "open"})
    assert refused.status_code == 400 and state(app, code)[0] == "open"
    token = csrf_token(client, f"/manage/reports/{code}")
    data = {"status": "acknowledged", "shown_status": "open", "csrf_token": token}
    assert client.post(f"/manage/reports/{code}", data=data).status_code == 303
    assert state(app, code)[0] == "acknowledged"


@pytest.fixture
def closed_report(app, world):
    """Return (code, station id) of a station_closed report at station-gy."""
    with app.app_context():
        station_id = db.session.scalar(sa.select(Station.id).where(Station.name == "station-gy"))
        report, _ = reports.file_report("station", "station_closed", station_id=station_id)
        db.session.commit()
        return report.code, station_id


def test_station_closed_closes_the_station_in_the_same_step(app, client, closed_report):
    code, station_id = closed_report
    with app.app_context():
        station = db.session.get(Station, station_id)
        nearest.INDEX.clear()
        assert station_id in [s["id"] for s in nearest.nearest(station.lat, station.lon, open_now=True)]
    login(client, "manager_gy")
    html = client.get(f"/manage/reports/{code}", query_string={"lang": "en"}).get_data(as_text=True)
    assert 'name="close_station"' in html
    response = change(
        client, code, status="acknowledged", note="已确认，暂停开放", close_station="y", lang="en"
    )
    assert response.status_code == 303
    with app.app_context():
        station = db.session.get(Station, station_id)
        assert station.status == "temporarily_closed"
        assert reports.by_code(code).status == "acknowledged"
        entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.station_id == station_id))
        assert entry.changes == {"status": ["open", "temporarily_closed"]}
        assert station_id not in [s["id"] for s in nearest.nearest(station.lat, station.lon, open_now=True)]
    found = client.get(
        "/api/v1/stations/nearest", query_string={"lat": station.lat, "lon": station.lon, "open_now": "true"}
    )
    assert station_id not in [s["id"] for s in found.get_json()["stations"]]
    html = client.get(f"/manage/reports/{code}", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Saved. The station is now marked temporarily closed." in html
    # Done once: the page no longer offers it.
    assert 'name="close_station"' not in html


def test_only_station_closed_reports_offer_to_close_the_station(app, client, world):
    code = world["station-gy"]  # no_water
    login(client, "manager_gy")
    html = client.get(f"/manage/reports/{code}").get_data(as_text=True)
    assert 'name="close_station"' not in html
    assert change(client, code, status="acknowledged", close_station="y").status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(Station.status).where(Station.name == "station-gy")) == "open"


def test_the_station_can_close_without_a_status_change(app, client, closed_report):
    code, station_id = closed_report
    login(client, "staff_520100")
    assert change(client, code, close_station="y").status_code == 303
    with app.app_context():
        assert db.session.get(Station, station_id).status == "temporarily_closed"
        assert reports.by_code(code).status == "open"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ReportEvent)) >= 1
        assert db.session.scalar(sa.select(Report.status).where(Report.code == code)) == "open"
