"""Staff and managers on /api/v1/reports: the scoped list, the staff view, PATCH, the photo; the matrix."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from stationfinder.extensions import db
from stationfinder.models import Report, ReportPhoto, Station, User
from stationfinder.services import accounts, reports
from stationfinder.services.reports import photos
from tests.photos import phone_jpeg
from tests.reports_world import POINTS, REPORTS, SEES, make_report_world
from tests.staff import login

URL = "/api/v1/reports"


@pytest.fixture
def world(app):
    """Return (codes by report, bearer tokens by user) of the reports world; the gy report has a photo."""
    codes = make_report_world(app)
    with app.app_context():
        report = reports.by_code(codes["station-gy"])
        content_type, data = photos.clean(phone_jpeg())
        db.session.add(ReportPhoto(report_id=report.id, content_type=content_type, data=data))
        tokens = {
            user.username: accounts.issue_token(user)
            for user in db.session.scalars(sa.select(User))
            if user.active
        }
        db.session.commit()
    return codes, tokens


def auth(tokens, name) -> dict:
    return {"Authorization": f"Bearer {tokens[name]}"}


def assert_problem(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    return response.get_json()


@pytest.mark.parametrize("name", sorted(SEES))
def test_the_list_matrix(client, world, name):
    codes, tokens = world
    response = client.get(URL, headers=auth(tokens, name))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_json()
    assert {r["code"] for r in body["reports"]} == {codes[key] for key in SEES[name]}
    assert body["total"] == len(SEES[name])
    for item in body["reports"]:
        assert "history" not in item and {"description", "has_photo", "overdue"} <= item.keys()


@pytest.mark.parametrize("name", sorted(SEES))
@pytest.mark.parametrize("key", REPORTS)
def test_the_detail_and_patch_matrix(client, world, name, key):
    codes, tokens = world
    code = codes[key]
    view = client.get(f"{URL}/{code}", headers=auth(tokens, name)).get_json()
    patch = client.patch(f"{URL}/{code}", json={"note": "seen", "public": False}, headers=auth(tokens, name))
    if key in SEES[name]:
        assert "history" in view and "description" in view
        if key.startswith("community"):
            assert (view["lat"], view["lon"]) == POINTS[key.split("-")[1]]
        assert patch.status_code == 200 and patch.get_json()["history"][-1]["by"] == name
    else:
        # Outside the scope: the public view, as anyone with the code gets it, and no changes.
        assert "history" not in view and "description" not in view
        if key.startswith("community"):
            lat, lon = POINTS[key.split("-")[1]]
            assert (view["lat"], view["lon"]) == (round(lat, 3), round(lon, 3))
        assert assert_problem(patch, 403)["type"].endswith("outside-scope")


def test_without_credentials_staff_operations_are_401(client, world):
    codes, _ = world
    code = codes["station-gy"]
    for method, url in (("GET", URL), ("PATCH", f"{URL}/{code}"), ("GET", f"{URL}/{code}/photo")):
        response = client.open(
            url, method=method, json={"status": "acknowledged"} if method == "PATCH" else None
        )
        assert_problem(response, 401)
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    # The public view needs none; credentials that are sent must be valid.
    assert client.get(f"{URL}/{code}").status_code == 200
    assert_problem(client.get(f"{URL}/{code}", headers={"Authorization": "Bearer nope"}), 401)


def test_a_logged_in_session_works_too(client, world):
    codes, _ = world
    assert login(client, "staff_520500").status_code == 302
    assert {r["code"] for r in client.get(URL).get_json()["reports"]} == {
        codes["station-bj"],
        codes["community-bj"],
    }
    assert client.patch(f"{URL}/{codes['station-bj']}", json={"status": "acknowledged"}).status_code == 200


def test_list_filters_and_errors(client, world):
    codes, tokens = world
    headers = auth(tokens, "staff_520000")

    def listed(**params):
        response = client.get(URL, query_string=params, headers=headers)
        assert response.status_code == 200, response.get_json()
        return {r["code"] for r in response.get_json()["reports"]}

    assert listed(region="520500") == {codes["station-bj"], codes["community-bj"]}
    assert listed(category="blocked_passage") == {codes["community-gy"], codes["community-bj"]}
    assert listed(status="open", overdue="false") == listed()
    assert listed(overdue="true") == set()
    assert listed(status=["fixed", "duplicate"]) == set()
    assert listed(**{"from": "2000-01-01", "to": "2000-01-02"}) == set()
    assert len(listed(limit=1)) == 1
    assert_problem(client.get(URL, query_string={"region": "440000"}, headers=headers), 403)
    assert_problem(client.get(URL, query_string={"station": "no-such"}, headers=headers), 404)
    for bad in (
        {"region": "52"},
        {"status": "closed"},
        {"from": "2025-02-30"},
        {"limit": 0},
        {"overdue": "maybe"},
    ):
        assert_problem(client.get(URL, query_string=bad, headers=headers), 400)
    assert_problem(
        client.get(URL, query_string={"from": "2025-03-02", "to": "2025-03-01"}, headers=headers), 400
    )


def test_patch_statuses_notes_and_errors(client, world):
    codes, tokens = world
    headers = auth(tokens, "staff_520100")
    url = f"{URL}/{codes['station-gy']}"
    assert_problem(client.patch(url, json={"status": "fixed"}, headers=headers), 400)
    assert_problem(
        client.patch(url, json={"status": "fixed", "note": "ok", "public": False}, headers=headers), 400
    )
    assert_problem(client.patch(url, json={}, headers=headers), 400)
    assert_problem(client.patch(url, json={"status": "closed"}, headers=headers), 400)
    assert_problem(client.patch(url, data="status=fixed", headers=headers, content_type="text/plain"), 415)
    assert_problem(client.patch(f"{URL}/ZZZZZZZZ", json={"status": "acknowledged"}, headers=headers), 404)
    done = client.patch(url, json={"status": "fixed", "note": "水已恢复"}, headers=headers)
    assert done.status_code == 200
    body = done.get_json()
    assert body["status"] == "fixed" and body["closed_at"] and body["acknowledged_at"]
    assert [(h["from_status"], h["status"], h["by"]) for h in body["history"]] == [
        (None, "open", None),
        ("open", "fixed", "staff_520100"),
    ]
    conflict = assert_problem(client.patch(url, json={"status": "in_progress"}, headers=headers), 409)
    assert conflict["type"].endswith("transition-not-allowed")
    # The rider's page shows the public note, never the staff member.
    public = client.get(url).get_json()
    assert public["updates"][-1] == {"at": body["closed_at"], "status": "fixed", "note": "水已恢复"}
    assert "staff_520100" not in client.get(url).get_data(as_text=True)


def test_internal_notes_stay_internal(client, world):
    codes, tokens = world
    url = f"{URL}/{codes['community-gy']}"
    client.patch(
        url, json={"note": "联系了城管，电话 0851-1234567", "public": False}, headers=auth(tokens, "admin")
    )
    client.patch(url, json={"note": "已转交城管", "status": "acknowledged"}, headers=auth(tokens, "admin"))
    text = client.get(url).get_data(as_text=True)
    assert "0851-1234567" not in text and "已转交城管" in text


def test_a_manager_closes_the_station_of_a_station_closed_report(app, client, world):
    _, tokens = world
    with app.app_context():
        station_id = db.session.scalar(sa.select(Station.id).where(Station.name == "station-gy"))
    filed = client.post(URL, json={"kind": "station", "category": "station_closed", "station_id": station_id})
    url = f"{URL}/{filed.get_json()['report']['code']}"
    change = {"status": "acknowledged", "station_status": "temporarily_closed"}
    assert_problem(client.patch(url, json=change, headers=auth(tokens, "manager_bj")), 403)
    assert_problem(
        client.patch(url, json=change | {"station_status": "closed"}, headers=auth(tokens, "manager_gy")), 400
    )
    assert client.patch(url, json=change, headers=auth(tokens, "manager_gy")).status_code == 200
    nearest = client.get(
        "/api/v1/stations/nearest", query_string={"lat": 26.5, "lon": 106.7, "open_now": "true"}
    )
    assert station_id not in [s["id"] for s in nearest.get_json()["stations"]]
    with app.app_context():
        assert db.session.get(Station, station_id).status == "temporarily_closed"
        assert (
            db.session.scalar(sa.select(Report.status).where(Report.category == "station_closed"))
            == "acknowledged"
        )


def test_the_photo_only_to_staff_in_scope(client, world):
    codes, tokens = world
    url = f"{URL}/{codes['station-gy']}/photo"
    response = client.get(url, headers=auth(tokens, "manager_gy"))
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Cache-Control"] == "private, no-store"
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "JPEG" and dict(image.getexif()) == {}
    assert client.get(f"{URL}/{codes['station-gy']}", headers=auth(tokens, "manager_gy")).get_json()[
        "has_photo"
    ]
    assert_problem(client.get(url, headers=auth(tokens, "manager_bj")), 403)
    assert_problem(client.get(url, headers=auth(tokens, "staff_520500")), 403)
    assert_problem(client.get(f"{URL}/{codes['station-bj']}/photo", headers=auth(tokens, "admin")), 404)
    assert_problem(client.get(f"{URL}/ZZZZZZZZ/photo", headers=auth(tokens, "admin")), 404)
    # The public view never links or embeds it.
    assert "photo" not in client.get(f"{URL}/{codes['station-gy']}").get_data(as_text=True)


def test_the_operations_are_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert set(paths[URL]) >= {"get", "post"} and set(paths[URL + "/{code}"]) >= {"get", "patch"}
    post = paths[URL]["post"]
    assert set(post["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
    form = spec["components"]["schemas"]["ReportForm"]["properties"]["photo"]
    assert form["format"] == "binary"
    assert {"200", "201", "400", "404", "410", "413", "415", "429"} <= set(post["responses"])
    assert {"200", "400", "401", "403", "404", "409", "415"} <= set(
        paths[URL + "/{code}"]["patch"]["responses"]
    )
    assert set(paths[URL + "/{code}/photo"]["get"]["responses"]["200"]["content"]) == {"image/jpeg"}
