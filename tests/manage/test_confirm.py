"""确认信息无误 never throws away an edit, nor marks an unsaved edit as checked (issue 10, item 1)."""

import re

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.geo.coords import from_wgs84
from stationfinder.models import AuditEntry, Station
from stationfinder.services.stations import admin as station_admin
from tests.factories import StationFactory, UserFactory
from tests.staff import login, shown_form


def seed(app) -> int:
    with app.app_context():
        station = StationFactory(
            name="毕城驿站", region_code="520502", phone="0857 8220000", lat=27.3, lon=105.28
        )
        UserFactory(username="bj_manager", manager=True, stations=[station])
        db.session.commit()
        return station.id


def stored(app, station_id) -> tuple[Station, list[tuple[str, dict]]]:
    """Return the station and its audit entries (action, changes), oldest first."""
    with app.app_context():
        station = db.session.get(Station, station_id)
        db.session.expunge(station)
        entries = db.session.execute(
            sa.select(AuditEntry.action, AuditEntry.changes)
            .where(AuditEntry.station_id == station_id)
            .order_by(AuditEntry.id)
        ).all()
        return station, [tuple(e) for e in entries]


def manager_form(app, station_id, **changes) -> dict:
    """Return the edit form a manager sees (no region code), with some fields typed over."""
    station, _ = stored(app, station_id)
    form = shown_form(station) | changes
    del form["region_code"]
    return form


def test_the_confirm_button_submits_the_edit_form(app, client):
    station_id = seed(app)
    login(client, "bj_manager")
    body = client.get(f"/manage/stations/{station_id}").get_data(as_text=True)
    button = re.search(r"<button[^>]*data-confirm-button[^>]*>", body).group(0)
    assert 'form="station-form"' in button and 'name="action"' in button and 'value="save_confirm"' in button
    assert "formaction" not in button, "it saves through the edit form's own address"
    assert re.search(r'<form class="station-form" id="station-form"[^>]*action="/manage/stations/\d+"', body)
    # No separate form that would confirm without the edits.
    assert f'action="/manage/stations/{station_id}/confirm"' not in body


def test_confirming_with_a_typed_phone_saves_and_confirms_in_one_step(app, client):
    station_id = seed(app)
    login(client, "bj_manager")
    data = manager_form(app, station_id, phone="0857 8221111", action="save_confirm")
    response = client.post(f"/manage/stations/{station_id}", data=data)
    assert response.status_code == 302
    station, entries = stored(app, station_id)
    assert station.phone == "0857 8221111" and station.last_verified_at is not None
    # The history tells the truth: the phone was changed (which marks it checked); nothing else.
    assert entries == [("update", {"phone": ["0857 8220000", "0857 8221111"]})]


def test_the_confirm_address_refuses_unsaved_edits_and_keeps_them(app, client):
    station_id = seed(app)
    login(client, "bj_manager")
    data = manager_form(app, station_id, phone="0857 8221111", seats="30")
    response = client.post(f"/manage/stations/{station_id}/confirm", data=data)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "信息尚未确认" in body and "表单中有尚未保存的修改：电话、座位数" in body
    # The typed values are still in the form, and one tap saves them.
    assert re.search(r'name="phone"[^>]*value="0857 8221111"', body)
    assert re.search(r'<button type="submit" form="station-form" name="action" value="save_confirm"', body)
    station, entries = stored(app, station_id)
    assert station.phone == "0857 8220000" and station.last_verified_at is None and entries == []


def test_the_confirm_address_without_the_form_confirms_nothing(app, client):
    station_id = seed(app)
    login(client, "bj_manager")
    response = client.post(f"/manage/stations/{station_id}/confirm")
    assert response.status_code == 409 and "请核对下面的信息，然后再确认一次" in response.get_data(
        as_text=True
    )
    station, entries = stored(app, station_id)
    assert station.last_verified_at is None and entries == []


def test_the_confirm_address_confirms_an_unchanged_form_shown_in_gcj02(app_factory):
    app = app_factory(MAP_TILE_CRS="gcj02")
    station_id = seed(app)
    client = app.test_client()
    login(client, "bj_manager")
    station, _ = stored(app, station_id)
    lat, lon = from_wgs84(station.lat, station.lon, "gcj02")
    # As the page shows the position: in the tiles' system, rounded to 7 places.
    data = manager_form(app, station_id, lat=str(round(lat, 7)), lon=str(round(lon, 7)), coord_system="gcj02")
    assert client.post(f"/manage/stations/{station_id}/confirm", data=data).status_code == 302
    station, entries = stored(app, station_id)
    assert station.last_verified_at is not None and [action for action, _ in entries] == ["confirm"]


def test_the_service_names_the_unsaved_fields_and_changes_nothing(app):
    station_id = seed(app)
    with app.app_context():
        station = db.session.get(Station, station_id)
        user = UserFactory(admin=True)
        shown = shown_form(station)
        assert station_admin.pending_changes(user, station, shown) == []
        with pytest.raises(station_admin.UnsavedChanges) as refused:
            station_admin.confirm_station(user, station, shown=shown | {"name": "改名", "seats": "99"})
        assert refused.value.fields == ["name", "seats"]
        assert station.name == "毕城驿站" and station.last_verified_at is None
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0
