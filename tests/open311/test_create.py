"""POST requests.{json,xml}: filing through filing.file_report with an api_key, in the spec's forms."""

import uuid

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report, ReportPhoto, Station, User
from stationfinder.services import accounts, reports
from stationfinder.services.posters import tokens as posters
from tests.open311.conftest import BASE, spec_error, xml_of
from tests.reports_world import POINTS

URL = f"{BASE}/requests.json"


def post(client, fmt: str = "json", **form):
    return client.post(f"{BASE}/requests.{fmt}", data=form)


def filed(app, code: str) -> dict:
    with app.app_context():
        report = reports.by_code(code)
        return {
            "kind": report.kind,
            "category": report.category,
            "station_id": report.station_id,
            "region_code": report.region_code,
            "lat": report.lat,
            "lon": report.lon,
            "description": report.description,
            "confirmations": report.confirmations,
            "photo": db.session.get(ReportPhoto, report.id) is not None,
        }


def station_id(app, name: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(Station.id).where(Station.name == name))


def test_a_community_request(app, client, world):
    _, tokens = world
    lat, lon = POINTS["gy"]
    response = post(
        client,
        api_key=tokens["staff_520500"],
        service_code="community.road_hazard",
        lat=str(lat),
        long=str(lon),
        description="井盖缺失",
        email="rider@example.com",
        jurisdiction_id="520000",
    )
    assert response.status_code == 201 and response.headers["Cache-Control"] == "private, no-store"
    (answer,) = response.get_json()
    assert list(answer) == ["service_request_id", "service_notice"]
    code = answer["service_request_id"]
    assert answer["service_notice"] == f"已收到，反馈编号为 {code}。"
    report = filed(app, code)
    assert report | {"lat": None, "lon": None} == {
        "kind": "community",
        "category": "road_hazard",
        "station_id": None,
        "region_code": "520102",
        "lat": None,
        "lon": None,
        "description": "井盖缺失",
        "confirmations": 1,
        "photo": False,
    }
    assert (report["lat"], report["lon"]) == pytest.approx((lat, lon))


@pytest.mark.parametrize("ref", ["id", "ref", "poster"])
def test_a_station_request_by_any_station_ref(app, client, world, ref):
    _, tokens = world
    with app.app_context():
        station = db.session.scalar(sa.select(Station).where(Station.name == "station-bj"))
        value = {"id": str(station.id), "ref": station.ref, "poster": None}[ref]
        if value is None:
            value = posters.create_poster(station).token
            db.session.commit()
        wanted = station.id
    # A position beside the station is ignored: the station's own is the report's.
    form = {"service_code": "station.no_power", "attribute[station]": value, "lat": "22.5", "long": "114.0"}
    response = post(client, api_key=tokens["admin"], locale="en", **form)
    assert response.status_code == 201, response.get_data(as_text=True)
    (answer,) = response.get_json()
    assert answer["service_notice"] == f"Received. The tracking code is {answer['service_request_id']}."
    report = filed(app, answer["service_request_id"])
    assert (report["kind"], report["category"], report["station_id"]) == ("station", "no_power", wanted)
    assert report["lat"] is None and report["region_code"] == "520502"


def test_the_same_problem_merges(app, client, world):
    codes, tokens = world
    form = {"service_code": "station.no_water", "attribute[station]": str(station_id(app, "station-gy"))}
    response = post(client, api_key=tokens["manager_bj"], device_id="integration-device-1", **form)
    assert response.status_code == 200
    (answer,) = response.get_json()
    assert answer["service_request_id"] == codes["station-gy"]
    assert codes["station-gy"] in answer["service_notice"] and "已有人反馈" in answer["service_notice"]
    assert filed(app, codes["station-gy"])["confirmations"] == 2


def test_media_url_is_never_fetched(app, client, world, monkeypatch):
    _, tokens = world
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("the server tried to open a connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    lat, lon = POINTS["bj"]
    response = post(
        client,
        api_key=tokens["admin"],
        service_code="community.illegal_ads",
        lat=lat,
        long=lon,
        media_url="http://169.254.169.254/latest/meta-data/",
        locale="en",
    )
    assert response.status_code == 201
    (answer,) = response.get_json()
    assert "media_url is not fetched" in answer["service_notice"]
    assert filed(app, answer["service_request_id"])["photo"] is False


def test_the_answer_in_xml(app, client, world):
    _, tokens = world
    lat, lon = POINTS["sz"]
    response = post(client, "xml", api_key=tokens["admin"], service_code="community.other", lat=lat, long=lon)
    assert response.status_code == 201
    root = xml_of(response)
    assert root.tag == "service_requests" and [r.tag for r in root] == ["request"]
    assert [c.tag for c in root[0]] == ["service_request_id", "service_notice"]
    assert filed(app, root[0].findtext("service_request_id"))["region_code"] == "440304"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_without_a_valid_api_key_the_answer_is_403(app, client, world, fmt):
    _, tokens = world
    form = {"service_code": "community.other", "lat": "26.58", "long": "106.71"}
    with app.app_context():
        disabled = accounts.issue_token(
            db.session.scalar(sa.select(User).where(User.username == "disabled_admin"))
        )
        revoked_user = db.session.scalar(sa.select(User).where(User.username == "staff_520000"))
        accounts.revoke_tokens(revoked_user)
        db.session.commit()
    for key in (None, "", "nope", disabled, tokens["staff_520000"], "x" * 300):
        data = form if key is None else {**form, "api_key": key}
        assert "api_key" in spec_error(client.post(f"{BASE}/requests.{fmt}", data=data), 403, fmt)
    # JSON is not the spec's body: no api_key is read from it.
    spec_error(client.post(URL, json={**form, "api_key": tokens["admin"]}), 403)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 5


@pytest.mark.parametrize(
    "form, message",
    [
        ({"service_code": "station.blocked_passage"}, "service_code"),
        ({}, "service_code"),
        ({"service_code": "station.no_water"}, "attribute[station]"),
        ({"service_code": "station.no_water", "attribute[station]": "999999"}, "no station id"),
        ({"service_code": "station.no_water", "attribute[station]": "no-such-ref"}, "nor a poster"),
        ({"service_code": "community.other", "lat": "26.58"}, "lat and long"),
        (
            {"service_code": "community.other", "lat": "26.58", "long": "106.71", "attribute[station]": "1"},
            "place",
        ),
        ({"service_code": "community.other", "lat": "91", "long": "106.71"}, "lat"),
        ({"service_code": "community.other", "lat": "NaN", "long": "106.71"}, "lat"),
        ({"service_code": "community.other", "lat": "abc", "long": "106.71"}, "lat"),
        ({"service_code": "community.other", "lat": "0", "long": "0"}, "county"),
        (
            {"service_code": "community.other", "lat": "26.58", "long": "106.71", "description": "长" * 501},
            "description",
        ),
        (
            {"service_code": "community.other", "lat": "26.58", "long": "106.71", "description": "a\x00b"},
            "NUL",
        ),
        (
            {"service_code": "community.other", "lat": "26.58", "long": "106.71", "media_url": "x" * 3000},
            "media_url",
        ),
    ],
)
def test_bad_input_is_a_400(app, client, world, form, message):
    _, tokens = world
    for fmt in ("json", "xml"):
        assert message in spec_error(post(client, fmt, api_key=tokens["admin"], **form), 400, fmt)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 5


def test_a_body_too_large_is_a_413(app, client, world):
    _, tokens = world
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    response = post(client, api_key=tokens["admin"], description="x" * size)
    spec_error(response, 413)


def test_filing_shares_the_report_limit_per_address(app_factory, world):
    _, tokens = world
    app = app_factory(
        RATELIMIT_ENABLED=True,
        RATELIMIT_REPORT_IP="1 per hour",
        RATELIMIT_KEY_PREFIX=f"o311-{uuid.uuid4().hex}:",
    )
    client = app.test_client()
    form = {"api_key": tokens["admin"], "service_code": "community.other", "lat": "26.58", "long": "106.71"}
    assert client.post(URL, data=form).status_code == 201
    response = client.post(f"{BASE}/requests.xml", data=form)
    spec_error(response, 429, "xml")
    assert int(response.headers["Retry-After"]) >= 1
