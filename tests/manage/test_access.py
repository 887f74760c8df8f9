"""Access-control matrix for /manage: role × region × endpoint, through the real login form."""

import itertools

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Station, User
from tests.factories import StationFactory
from tests.staff import MAY_MANAGE, STATIONS, USERS, login, shown_form, station_form

ACTIONS = ("list", "edit_get", "edit_post", "history", "confirm")


def edit_form(name: str, region: str) -> dict:
    return station_form(name=name, region_code=region)


def do(client, action: str, station_id: int, key: str):
    """Perform one action on one station; return (response, whether it took effect or showed it)."""
    if action == "list":
        response = client.get("/manage/")
        return response, f"station-{key}" in listing(response)
    if action == "edit_get":
        response = client.get(f"/manage/stations/{station_id}")
        return response, response.status_code == 200 and f"station-{key}" in response.get_data(as_text=True)
    if action == "history":
        response = client.get(f"/manage/stations/{station_id}/history")
        return response, response.status_code == 200
    if action == "edit_post":
        response = client.post(f"/manage/stations/{station_id}", data=edit_form("renamed", STATIONS[key]))
    else:
        with client.application.app_context():
            shown = shown_form(db.session.get(Station, station_id))
        response = client.post(f"/manage/stations/{station_id}/confirm", data=shown)
    return response, response.status_code == 302 and "/login" not in response.headers["Location"]


def listing(response) -> str:
    """Return the station list part of the /manage page."""
    body = response.get_data(as_text=True)
    return body[body.index('<ul class="manage-list">') :]


def audit_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))


def station_name(app, station_id: int) -> str:
    with app.app_context():
        return db.session.get(Station, station_id).name


@pytest.mark.parametrize(("username", "key", "action"), list(itertools.product(USERS, STATIONS, ACTIONS)))
def test_matrix(app, client, world, username, key, action):
    assert login(client, username).status_code == 302
    allowed = key in MAY_MANAGE[username]
    response, effect = do(client, action, world[key], key)
    assert effect is allowed, (response.status_code, response.headers.get("Location"))
    if not allowed and action != "list":
        assert response.status_code == 403
        assert station_name(app, world[key]) == f"station-{key}"
        assert audit_count(app) == 0
    if allowed and action == "edit_post":
        assert station_name(app, world[key]) == "renamed"
        assert audit_count(app) == 1
    if allowed and action == "confirm":
        assert audit_count(app) == 1


@pytest.mark.parametrize(
    ("username", "region", "allowed"),
    [
        ("admin", "520102", True),
        ("admin", "650102", True),
        ("staff_520000", "520502", True),
        ("staff_520100", "520102", True),
        ("staff_520100", "520502", False),
        ("staff_520500", "520502", True),
        ("staff_520500", "520102", False),
        ("staff_520500", "520100", False),
        ("staff_520500", "520000", False),
        ("manager_gy", "520102", False),
        ("manager_bj", "520502", False),
    ],
)
def test_create_matrix(app, client, world, username, region, allowed):
    login(client, username)
    get = client.get("/manage/stations/new")
    response = client.post("/manage/stations/new", data=edit_form("new-station", region))
    with app.app_context():
        created = db.session.scalar(sa.select(Station).where(Station.name == "new-station"))
    if allowed:
        assert get.status_code == 200
        assert response.status_code == 302
        assert created is not None and created.region_code == region
    else:
        assert response.status_code == 403
        assert created is None
        assert audit_count(app) == 0


def test_staff_520500_sees_nothing_of_520100_in_the_list_or_search(app, client, world):
    with app.app_context():
        for n in range(3):
            StationFactory(name=f"贵阳-{n}", region_code="520103")
        db.session.commit()
    login(client, "staff_520500")
    for query in ("", "贵阳", "station-gy", "520102"):
        listed = listing(client.get("/manage/", query_string={"q": query}))
        assert "station-gy" not in listed and "贵阳-" not in listed
    assert "station-bj" in listing(client.get("/manage/"))


def test_manager_cannot_move_a_station_to_another_region(app, client, world):
    login(client, "manager_bj")
    page = client.get(f"/manage/stations/{world['bj']}").get_data(as_text=True)
    assert 'name="region_code"' not in page
    response = client.post(f"/manage/stations/{world['bj']}", data=edit_form("renamed", "520102"))
    assert response.status_code == 302
    with app.app_context():
        station = db.session.get(Station, world["bj"])
        assert (station.name, station.region_code) == ("renamed", "520502")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/manage/"),
        ("get", "/manage/stations/new"),
        ("post", "/manage/stations/new"),
        ("get", "/manage/stations/{gy}"),
        ("post", "/manage/stations/{gy}"),
        ("get", "/manage/stations/{gy}/history"),
        ("post", "/manage/stations/{gy}/confirm"),
    ],
)
def test_anonymous_is_sent_to_login(app, client, world, method, path):
    path = path.format(**world)
    response = getattr(client, method)(path, data=edit_form("x", "520102") if method == "post" else None)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert station_name(app, world["gy"]) == "station-gy" and audit_count(app) == 0


def test_disabled_user_cannot_log_in(client, world):
    response = login(client, "disabled_admin")
    assert response.status_code == 200
    assert client.get("/manage/").status_code == 302


def test_user_disabled_mid_session_is_logged_out(app, client, world):
    assert login(client, "staff_520100").status_code == 302
    assert client.get("/manage/").status_code == 200
    with app.app_context():
        db.session.scalar(sa.select(User).where(User.username == "staff_520100")).active = False
        db.session.commit()
    response = client.get(f"/manage/stations/{world['gy']}")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    response = client.post(f"/manage/stations/{world['gy']}/confirm")
    assert response.status_code == 302 and audit_count(app) == 0


def test_unknown_station_is_404(client, world):
    login(client, "admin")
    for path in ("/manage/stations/999999", "/manage/stations/99999999999999/history"):
        assert client.get(path).status_code == 404
