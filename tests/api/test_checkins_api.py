"""POST /api/v1/checkins and DELETE /api/v1/checkins/<id>: statuses, bodies and problem+json errors."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy import event

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models import Checkin, CheckinRollup, DeviceDay, Station
from stationfinder.services.checkins import writes
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory

URL = "/api/v1/checkins"
T0 = datetime(2025, 3, 10, 2, 0, tzinfo=UTC)


@pytest.fixture
def poster(app):
    """Return (token, station id, station ref) of a fresh poster."""
    with app.app_context():
        station = StationFactory(name="驿站 <script>", ref="gy-1")
        token = posters.current_poster(station).token
        db.session.commit()
        return token, station.id, station.ref


def counted(app) -> tuple[int, int]:
    with app.app_context():
        units.fold()
        rows = db.session.scalar(sa.select(sa.func.count()).select_from(Checkin))
        total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(CheckinRollup.count), 0)))
        return rows, total


def assert_problem(response, status: int):
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"]
    return body


def test_new_checkin_answers_201_with_the_checkin(app, client, poster):
    token, station_id, ref = poster
    with time_machine.travel(T0, tick=False):
        response = client.post(
            URL, json={"token": token, "device_id": "phone-1", "category": "food_delivery"}
        )
    assert response.status_code == 201
    body = response.get_json()
    assert body["duplicate"] is False
    checkin = body["checkin"]
    assert checkin["station"] == {"id": station_id, "ref": ref, "name": "驿站 <script>"}
    assert checkin["category"] == "food_delivery"
    assert datetime.fromisoformat(checkin["created_at"]) == T0
    assert datetime.fromisoformat(checkin["undo_until"]) == T0 + timedelta(minutes=5)
    assert counted(app) == (1, 1)


def test_repeat_inside_the_window_answers_200_duplicate_and_counts_nothing(app, client, poster):
    token = poster[0]
    with time_machine.travel(T0, tick=False):
        first = client.post(URL, json={"token": token, "device_id": "phone-1"}).get_json()
    with time_machine.travel(T0 + timedelta(minutes=30), tick=False):
        response = client.post(URL, json={"token": token, "device_id": "phone-1", "category": "courier"})
    assert response.status_code == 200
    assert response.get_json() == {"duplicate": True, "checkin": first["checkin"]}
    with time_machine.travel(T0 + timedelta(minutes=30, seconds=1), tick=False):
        assert client.post(URL, json={"token": token, "device_id": "phone-1"}).status_code == 201
    assert counted(app) == (2, 2)


def test_unknown_token_is_404_and_rotated_token_410(app, client, poster):
    token, station_id, _ = poster
    body = assert_problem(client.post(URL, json={"token": "A" * 24, "device_id": "x"}), 404)
    assert body["type"].endswith("unknown-poster")
    with app.app_context():
        posters.rotate(db.session.get(Station, station_id), None, grace=timedelta(0))
        db.session.commit()
    body = assert_problem(client.post(URL, json={"token": token, "device_id": "x"}), 410)
    assert body["type"].endswith("poster-retired")
    assert counted(app) == (0, 0)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"device_id": "phone-1"},
        {"token": ""},
        {"token": "t" * 65},
        {"token": 12345},
        {"token": "TOKEN", "device_id": ""},
        {"token": "TOKEN", "device_id": "x" * 129},
        {"token": "TOKEN", "device_id": 7},
        {"token": "TOKEN", "category": "pilot"},
        {"token": "TOKEN", "lat": 26.5},
        {"token": "TOKEN", "lat": 91, "lon": 106},
        {"token": "TOKEN", "lat": "NaN", "lon": 106},
        {"token": "TOKEN", "lat": True, "lon": 106},
        {"token": "TOKEN", "unknown": 1},
        ["TOKEN"],
    ],
)
def test_invalid_fields_are_400_problems(app, client, poster, payload):
    if isinstance(payload, dict) and payload.get("token") == "TOKEN":
        payload = dict(payload, token=poster[0])
    assert_problem(client.post(URL, json=payload), 400)
    assert counted(app) == (0, 0)


def test_device_id_with_control_characters_is_400(app, client, poster):
    assert_problem(client.post(URL, json={"token": poster[0], "device_id": "a\x00b"}), 400)


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("token=abc", "application/x-www-form-urlencoded"), ('{"token": "abc"}', "text/plain"), ("", None)],
)
def test_non_json_bodies_are_415(app, client, poster, data, content_type):
    assert_problem(client.post(URL, data=data, content_type=content_type), 415)


def test_malformed_json_is_400(client, poster):
    assert_problem(client.post(URL, data='{"token": ', content_type="application/json"), 400)


def test_lat_lon_set_only_the_near_flag(app, client, poster):
    token = poster[0]
    with app.app_context():
        station = db.session.get(Station, poster[1])
        lat, lon = station.lat, station.lon
    assert (
        client.post(URL, json={"token": token, "device_id": "a", "lat": lat, "lon": lon}).status_code == 201
    )
    assert (
        client.post(URL, json={"token": token, "device_id": "b", "lat": lat + 0.01, "lon": lon}).status_code
        == 201
    )
    with app.app_context():
        flags = db.session.scalars(sa.select(Checkin.near_station).order_by(Checkin.id)).all()
    assert flags == [True, False]


def test_undo_within_the_window_answers_204(app, client, poster):
    with time_machine.travel(T0, tick=False):
        checkin_id = client.post(URL, json={"token": poster[0], "device_id": "phone-1"}).get_json()[
            "checkin"
        ]["id"]
    with time_machine.travel(T0 + timedelta(minutes=4), tick=False):
        response = client.delete(f"{URL}/{checkin_id}", json={"device_id": "phone-1"})
    assert response.status_code == 204 and response.data == b""
    assert counted(app) == (0, 0)
    assert_problem(client.delete(f"{URL}/{checkin_id}", json={"device_id": "phone-1"}), 404)


def test_undo_refusals(app, client, poster):
    with time_machine.travel(T0, tick=False):
        checkin_id = client.post(URL, json={"token": poster[0], "device_id": "phone-1"}).get_json()[
            "checkin"
        ]["id"]
        assert_problem(client.delete(f"{URL}/{checkin_id}", json={"device_id": "phone-2"}), 404)
        assert_problem(client.delete(f"{URL}/{checkin_id}", json={}), 400)
        assert_problem(client.delete(f"{URL}/{checkin_id}", data="device_id=phone-1"), 415)
        assert_problem(client.delete(f"{URL}/99999999999999999999", json={"device_id": "phone-1"}), 404)
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        body = assert_problem(client.delete(f"{URL}/{checkin_id}", json={"device_id": "phone-1"}), 410)
    assert body["type"].endswith("undo-expired")
    assert counted(app) == (1, 1)


def test_undo_by_another_device_reads_exactly_as_an_unknown_id(app, client, poster):
    # A 409 for another device's check-in and a 404 for a free id told anyone which ids exist.
    def answer(checkin_id, device_id="phone-2"):
        response = client.delete(f"{URL}/{checkin_id}", json={"device_id": device_id})
        return response.status_code, response.mimetype, response.get_json()

    with time_machine.travel(T0, tick=False):
        checkin_id = client.post(URL, json={"token": poster[0], "device_id": "phone-1"}).get_json()[
            "checkin"
        ]["id"]
        theirs, unknown = answer(checkin_id), answer(checkin_id + 1)
        assert theirs == unknown
        assert answer(99999999999999999999) == unknown
    assert unknown[:2] == (404, "application/problem+json")
    assert unknown[2]["type"].endswith("/unknown-checkin")
    with time_machine.travel(T0 + timedelta(minutes=6), tick=False):
        # Past the undo window the owner hears 410; anyone else still hears "no such check-in".
        assert answer(checkin_id) == unknown
        assert answer(checkin_id, "phone-1")[0] == 410
    assert counted(app) == (1, 1)


@pytest.fixture
def driver_statements(app, database, monkeypatch):
    """Return the list the database driver's statements are appended to, as (first two words, autocommit)."""
    seen = []
    if database["backend"] == "sqlite":
        with app.app_context():
            engine = db.engine
            engine.dispose()  # New connections, each with the trace hook below.

        def hook(dbapi_conn, _record):
            dbapi_conn.set_trace_callback(lambda sql: seen.append((sql.strip().split()[:2], None)))

        event.listen(engine, "connect", hook)
        yield seen
        event.remove(engine, "connect", hook)
        return
    import psycopg

    execute = psycopg.Cursor.execute

    def traced(self, query, params=None, **kwargs):
        seen.append((str(query).strip().split()[:2], self.connection.autocommit))
        return execute(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", traced)
    yield seen


def test_checkin_writes_in_one_immediate_transaction_or_one_autocommit_statement(
    app, client, poster, database, driver_statements
):
    token = poster[0]
    # Within the dedupe window after local midnight a device may still be present under yesterday's
    # hash, and the check-in first asks: a mid-morning clock keeps the count of statements exact.
    with time_machine.travel(T0, tick=False):
        assert client.post(URL, json={"token": token, "device_id": "phone-1"}).status_code == 201
        first = [words for words, _ in driver_statements]
        driver_statements.clear()
        assert client.post(URL, json={"token": token, "device_id": "phone-2"}).status_code == 201
        second = driver_statements[:]
    if database["backend"] == "sqlite":
        # The write lock is taken at BEGIN, before the poster is read: writers queue, none upgrades a read.
        assert first[:2] == [["BEGIN", "IMMEDIATE"], ["SELECT", "poster.id"]]
        assert [w for w in first if w[0] == "BEGIN"] == [["BEGIN", "IMMEDIATE"]]
        assert [w[:2] for w in first[2:-1]] == [
            ["INSERT", "INTO"],  # device_presence: the dedupe claim
            ["INSERT", "INTO"],  # device_day: every scope in one multi-row statement
            ["INSERT", "INTO"],  # checkin
        ]
        assert first[-1] == ["COMMIT"]
    else:
        # Learning the poster costs one read; after that a check-in is one statement, in autocommit.
        assert first == [["SELECT", "poster.id"], ["WITH", "live"]]
        assert [words for words, _ in second] == [["WITH", "live"]]
        assert all(autocommit for _, autocommit in second)
    assert counted(app) == (2, 2)


def test_a_poster_rotated_or_a_station_moved_after_a_worker_learned_them(app, client, poster):
    token, station_id, _ = poster
    with time_machine.travel(T0, tick=False):
        assert client.post(URL, json={"token": token, "device_id": "phone-1"}).status_code == 201
        with app.app_context():
            station = db.session.get(Station, station_id)
            station.region_code, station.lat = "520502", station.lat + 0.01
            db.session.commit()
        response = client.post(URL, json={"token": token, "device_id": "phone-2", "lat": 0, "lon": 0})
        assert response.status_code == 201
        with app.app_context():
            latest = db.session.get(Checkin, response.get_json()["checkin"]["id"])
            assert latest.near_station is False
            # Its unique-device scopes are those of the station's new county.
            scopes = db.session.scalars(
                sa.select(DeviceDay.scope).where(DeviceDay.device_hash == latest.device_hash)
            ).all()
            assert "d:520502" in scopes
        # Learnt again, then rotated: the check-in's own statement notices.
        assert client.post(URL, json={"token": token, "device_id": "phone-3"}).status_code == 201
        with app.app_context():
            posters.rotate(db.session.get(Station, station_id), None, grace=timedelta(0))
            db.session.commit()
        body = assert_problem(client.post(URL, json={"token": token, "device_id": "phone-4"}), 410)
        assert body["type"].endswith("poster-retired")
    assert counted(app) == (3, 3)


@pytest.mark.parametrize("status", ["closed", "temporarily_closed"])
def test_a_closed_station_answers_409_station_closed_and_counts_nothing(app, client, poster, status):
    token, station_id, _ = poster
    with time_machine.travel(T0, tick=False):
        # The worker learns the poster while the station is open; closing it must still be noticed.
        assert client.post(URL, json={"token": token, "device_id": "phone-1"}).status_code == 201
        with app.app_context():
            db.session.get(Station, station_id).status = status
            db.session.commit()
        for payload in ({"device_id": "phone-2"}, {}, {"device_id": "phone-1"}):
            body = assert_problem(client.post(URL, json={"token": token, **payload}), 409)
            assert body["type"].endswith("station-closed")
    assert counted(app) == (1, 1)


def test_respelt_device_ids_are_one_device_and_blank_ids_are_refused(app, client, poster):
    token = poster[0]
    with time_machine.travel(T0, tick=False):
        assert client.post(URL, json={"token": token, "device_id": "Phone-1"}).status_code == 201
        for respelt in ("phone-1", " PHONE-1 ", "ｐｈｏｎｅ－１"):
            response = client.post(URL, json={"token": token, "device_id": respelt})
            assert response.status_code == 200 and response.get_json()["duplicate"] is True
        for blank in (" ", "\u3000", "\t\n"):
            assert_problem(client.post(URL, json={"token": token, "device_id": blank}), 400)
    assert counted(app) == (1, 1)


def test_openapi_documents_the_checkin_schemas(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    post = doc["paths"]["/api/v1/checkins"]["post"]
    assert {"200", "201", "404", "410", "415", "429"} <= set(post["responses"])
    schemas = doc["components"]["schemas"]
    props = schemas["CheckinIn"]["properties"]
    assert {"token", "device_id", "category", "lat", "lon"} <= set(props)
    assert props["category"]["enum"] == ["food_delivery", "courier", "ride_hailing", "truck_driver", "other"]
    assert props["device_id"]["maxLength"] == 128
    assert set(schemas["CheckinOut"]["properties"]) == {
        "id",
        "station",
        "category",
        "created_at",
        "undo_until",
    }
    delete = doc["paths"]["/api/v1/checkins/{checkin_id}"]["delete"]
    assert {"204", "404", "410"} <= set(delete["responses"]) and "409" not in delete["responses"]


def test_a_write_failing_half_way_leaves_nothing_and_frees_the_connection(app, client, poster, monkeypatch):
    token = poster[0]
    # The last write of the check-in fails: after the claim and the scopes (SQLite), or its one statement.
    monkeypatch.setattr(writes, "_ADD", sa.text("INSERT INTO no_such_table VALUES (1)"))
    monkeypatch.setattr(writes.PostgreSQLWriter, "_statement", sa.text("SELECT broken("))
    # A server fault, not bad input: a plain 500 problem, no traceback.
    failed = client.post(URL, json={"token": token, "device_id": "phone-1"})
    assert_problem(failed, 500)
    assert "Traceback" not in failed.get_data(as_text=True)
    monkeypatch.undo()
    # Nothing of the failed tap stayed: the same phone counts now, and SQLite's write lock is free.
    assert client.post(URL, json={"token": token, "device_id": "phone-1"}).status_code == 201
    assert counted(app) == (1, 1)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(DeviceDay)) == 5
