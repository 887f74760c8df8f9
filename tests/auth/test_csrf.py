"""CSRF is enforced on every state-changing form: login, logout, edit, add and confirm."""

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Station
from tests.factories import PASSWORD, StationFactory, UserFactory
from tests.staff import csrf_token, login, shown_form, station_form

STATION = station_form(region_code="520102")


@pytest.fixture
def app(app_factory):
    return app_factory(WTF_CSRF_ENABLED=True)


@pytest.fixture
def station_id(app):
    with app.app_context():
        UserFactory(username="root", admin=True)
        station_id = StationFactory(name="原名", region_code="520102").id
        db.session.commit()
    return station_id


def logged_in_client(app):
    client = app.test_client()
    assert login(client, "root", csrf=True).status_code == 302
    return client


def state(app):
    with app.app_context():
        names = sorted(db.session.scalars(sa.select(Station.name)))
        return names, db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))


@pytest.mark.parametrize("token", [None, "", "not-a-token", "stale"])
def test_login_needs_the_token(app, station_id, token):
    client = app.test_client()
    data = {"username": "root", "password": PASSWORD}
    if token == "stale":
        # A real token, but issued to another browser's session.
        token = csrf_token(app.test_client(), "/login")
    if token is not None:
        data["csrf_token"] = token
    response = client.post("/login", data=data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "表单已过期" in body and "Traceback" not in body
    assert client.get("/manage/").status_code == 302


def test_logout_needs_the_token(app, station_id):
    client = logged_in_client(app)
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/manage/").status_code == 200
    token = csrf_token(client, "/manage/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/manage/").status_code == 302


@pytest.mark.parametrize("form", ["edit", "new", "confirm"])
@pytest.mark.parametrize("token", [None, "forged"])
def test_station_forms_refuse_a_missing_or_wrong_token(app, station_id, form, token):
    client = logged_in_client(app)
    path = {
        "edit": f"/manage/stations/{station_id}",
        "new": "/manage/stations/new",
        "confirm": f"/manage/stations/{station_id}/confirm",
    }[form]
    before = state(app)
    data = dict(STATION, name="被篡改")
    if token:
        data["csrf_token"] = token
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert state(app) == before


@pytest.mark.parametrize("form", ["edit", "new", "confirm"])
def test_station_forms_work_with_the_token(app, station_id, form):
    client = logged_in_client(app)
    page, path = {
        "edit": (f"/manage/stations/{station_id}", f"/manage/stations/{station_id}"),
        "new": ("/manage/stations/new", "/manage/stations/new"),
        "confirm": (f"/manage/stations/{station_id}", f"/manage/stations/{station_id}/confirm"),
    }[form]
    if form == "confirm":
        # Confirming sends the values it was shown; an edited value would be refused as unsaved.
        with app.app_context():
            data = shown_form(db.session.get(Station, station_id))
    else:
        data = dict(STATION, name="改过")
    data["csrf_token"] = csrf_token(client, page)
    response = client.post(path, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    names, audits = state(app)
    assert audits == 1
    assert names == {"edit": ["改过"], "new": ["原名", "改过"], "confirm": ["原名"]}[form]


def test_every_post_form_on_the_staff_pages_carries_a_token(app, station_id):
    client = logged_in_client(app)
    for path in ("/manage/", "/manage/stations/new", f"/manage/stations/{station_id}"):
        body = client.get(path).get_data(as_text=True)
        forms = body.split("<form")[1:]
        posts = [f for f in forms if 'method="post"' in f.split(">", 1)[0]]
        assert posts, path
        for form in posts:
            assert 'name="csrf_token"' in form.split("</form>", 1)[0], (path, form[:120])
