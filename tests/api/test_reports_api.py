"""POST /api/v1/reports and GET /api/v1/reports/<code>: filing, merging, photos, limits, the public view."""

import io
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image
from werkzeug.test import EnvironBuilder

from stationfinder.extensions import db
from stationfinder.geo.coords import from_wgs84
from stationfinder.models import Base, Report, ReportPhoto, Station
from stationfinder.ratelimits import DEVICE_COOKIE
from stationfinder.services.posters import tokens as posters
from stationfinder.services.reports import photos
from tests.factories import StationFactory
from tests.photos import MAKE, phone_jpeg

URL = "/api/v1/reports"
NANMING = (26.581234, 106.714567)
DEVICE = "raw-device-id-7f3c9a1e55"


@pytest.fixture
def station(app):
    """Return (station id, poster token) of an open station in 云岩区 (520103)."""
    with app.app_context():
        made = StationFactory(ref="gy-1", name="云岩驿站", region_code="520103")
        token = posters.current_poster(made).token
        db.session.commit()
        return made.id, token


def assert_problem(response, status: int, slug: str | None = None) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    if slug:
        assert body["type"].endswith("/" + slug), body["type"]
    return body


def reports_in(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Report))


def multipart(client, photo: bytes | None = None, **fields):
    """Post a multipart report; the body's temporary file is closed after (the test client leaves it open)."""
    data = {key: str(value) for key, value in fields.items()}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "IMG_0001.jpg")
    builder = EnvironBuilder(path=URL, method="POST", data=data, content_type="multipart/form-data")
    environ = builder.get_environ()
    try:
        return client.open(environ)
    finally:
        environ["wsgi.input"].close()
        builder.close()


def test_a_station_report_answers_201_with_its_code(client, station):
    response = client.post(URL, json={"kind": "station", "category": "no_water", "station_id": station[0]})
    assert response.status_code == 201
    body = response.get_json()
    assert body["merged"] is False
    report = body["report"]
    assert set(report) == {
        "code", "kind", "category", "status", "station_id", "region_code", "created_at", "confirmations",
    }  # fmt: skip
    assert (report["kind"], report["category"], report["status"]) == ("station", "no_water", "open")
    assert (report["station_id"], report["region_code"], report["confirmations"]) == (station[0], "520103", 1)
    assert len(report["code"]) == 8 and report["created_at"].endswith("Z")


def test_me_too_answers_200_merged_with_the_same_code(client, station):
    first = client.post(
        URL, json={"kind": "station", "category": "dirty", "token": station[1], "device_id": "a"}
    )
    again = client.post(
        URL, json={"kind": "station", "category": "dirty", "station_id": station[0], "device_id": "b"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["merged"] is True
    assert again.get_json()["report"]["code"] == first.get_json()["report"]["code"]
    assert again.get_json()["report"]["confirmations"] == 2


@pytest.mark.parametrize("coord", ["wgs84", "gcj02", "bd09"])
def test_a_community_report_goes_to_the_county_of_its_point(app, client, coord):
    lat, lon = from_wgs84(*NANMING, coord)
    body = {"kind": "community", "category": "blocked_passage", "lat": lat, "lon": lon, "coord": coord}
    response = client.post(URL, json=body)
    assert response.status_code == 201
    assert response.get_json()["report"]["region_code"] == "520102"
    assert response.get_json()["report"]["station_id"] is None


def test_a_point_outside_china_is_a_400_saying_why(client):
    body = assert_problem(
        client.post(URL, json={"kind": "community", "category": "other", "lat": 35.0, "lon": 140.0}), 400
    )
    assert "not inside any county of China" in body["detail"]


def test_a_multipart_report_with_a_photo_stores_it_without_exif_or_gps(app, client, station):
    response = multipart(client, phone_jpeg(), kind="station", category="dirty", station_id=station[0])
    assert response.status_code == 201
    with app.app_context():
        stored = db.session.scalars(sa.select(ReportPhoto)).one()
        data = stored.data
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and max(image.size) == 2048
    assert dict(image.getexif()) == {} and not image.getexif().get_ifd(0x8825)
    assert b"Exif" not in data and MAKE.encode() not in data


def test_a_multipart_report_without_a_photo(client):
    response = multipart(client, kind="community", category="road_hazard", lat=NANMING[0], lon=NANMING[1])
    assert response.status_code == 201
    empty = multipart(client, b"", kind="community", category="road_hazard", lat=NANMING[0], lon=NANMING[1])
    assert empty.status_code == 201  # a form's empty file field


def test_a_photo_that_is_not_an_image_is_a_415(app, client, station):
    for data in (b"just some text", b"%PDF-1.4 ...", phone_jpeg()[:1500]):
        response = multipart(client, data, kind="station", category="dirty", station_id=station[0])
        assert_problem(response, 415, "photo-not-an-image")
    assert reports_in(app) == 0


def test_a_photo_over_8_mb_is_a_413_problem(app, client, station):
    over = b"\xff\xd8\xff" + b"\0" * photos.MAX_BYTES
    assert_problem(multipart(client, over, kind="station", category="dirty", station_id=station[0]), 413)
    # Far over: refused while the body is read, still as problem+json.
    huge = b"\0" * (photos.MAX_BYTES * 2)
    assert_problem(multipart(client, huge, kind="station", category="dirty", station_id=station[0]), 413)
    assert reports_in(app) == 0


def test_an_8_mb_photo_fits(app, client, station):
    jpeg = phone_jpeg(1200, 900, orientation=1)
    padded = jpeg + b"\0" * (photos.MAX_BYTES - len(jpeg))  # bytes after the JPEG's end are ignored
    assert len(padded) == photos.MAX_BYTES
    response = multipart(client, padded, kind="station", category="dirty", station_id=station[0])
    assert response.status_code == 201


def test_json_bodies_stay_small(client, station, app):
    body = {
        "kind": "station",
        "category": "dirty",
        "station_id": station[0],
        "x": "y" * app.config["MAX_CONTENT_LENGTH"],
    }
    assert_problem(client.post(URL, json=body), 413)


def test_a_decompression_bomb_is_a_413_not_a_500(client, station):
    from tests.photos import png_claiming

    response = multipart(
        client, png_claiming(20_000, 20_000), kind="station", category="dirty", station_id=station[0]
    )
    assert_problem(response, 413, "photo-too-large")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"kind": "station"},
        {"kind": "station", "category": "no_water"},
        {"kind": "station", "category": "blocked_passage", "station_id": "SID"},
        {"kind": "community", "category": "no_water", "lat": 26.5, "lon": 106.7},
        {"kind": "station", "category": "no_water", "station_id": "SID", "token": "TOKEN"},
        {"kind": "station", "category": "no_water", "station_id": "SID", "lat": 26.5, "lon": 106.7},
        {"kind": "community", "category": "other", "lat": 26.5},
        {"kind": "community", "category": "other", "lat": 26.5, "lon": 106.7, "coord": "utm"},
        {"kind": "community", "category": "other", "lat": 91, "lon": 106.7},
        {"kind": "community", "category": "other", "lat": 26.5, "lon": 106.7, "description": "长" * 501},
        {"kind": "community", "category": "other", "lat": 26.5, "lon": 106.7, "device_id": ""},
        {"kind": "community", "category": "other", "lat": 26.5, "lon": 106.7, "surprise": 1},
        {"kind": "parcel", "category": "other"},
        ["station"],
    ],
)
def test_invalid_reports_are_400_problems(app, client, station, payload):
    if isinstance(payload, dict):
        payload = {k: {"SID": station[0], "TOKEN": station[1]}.get(v, v) for k, v in payload.items()}
    assert_problem(client.post(URL, json=payload), 400)
    assert reports_in(app) == 0


def test_unknown_stations_404_and_replaced_posters_410(app, client, station):
    body = {"kind": "station", "category": "full"}
    assert_problem(client.post(URL, json=body | {"station_id": 987654}), 404, "unknown-station")
    assert_problem(client.post(URL, json=body | {"token": "A" * 24}), 404, "unknown-station")
    with app.app_context():
        posters.rotate(db.session.get(Station, station[0]), None, grace=timedelta(0))
        db.session.commit()
    assert_problem(client.post(URL, json=body | {"token": station[1]}), 410, "poster-retired")


@pytest.mark.parametrize(
    ("data", "content_type"),
    [("kind=station", "application/x-www-form-urlencoded"), ("{}", "text/plain"), ("", None)],
)
def test_other_bodies_are_415(client, data, content_type):
    assert_problem(client.post(URL, data=data, content_type=content_type), 415)


def test_the_public_view_hides_the_photo_device_description_and_exact_position(app, client):
    response = multipart(
        client,
        phone_jpeg(),
        kind="community",
        category="blocked_passage",
        lat=NANMING[0],
        lon=NANMING[1],
        description="楼下消防通道被三轮车堵住，电话 13800000000",
        device_id=DEVICE,
    )
    code = response.get_json()["report"]["code"]
    view = client.get(f"{URL}/{code.lower()[:4]}-{code[4:]}")
    assert view.status_code == 200
    assert view.headers["Cache-Control"] == "private, no-store"
    body = view.get_json()
    assert (body["lat"], body["lon"]) == (26.581, 106.715)
    assert body["code"] == code and body["status"] == "open" and body["station"] is None
    assert body["updates"] == [{"at": body["created_at"], "status": "open", "note": ""}]
    assert not {"description", "has_photo", "history", "photo", "device_hash", "overdue"} & body.keys()
    text = view.get_data(as_text=True)
    for secret in ("13800000000", "消防通道", DEVICE, "26.581234", "106.714567"):
        assert secret not in text


def test_unknown_codes_are_404(client):
    for code in ("ZZZZZZZZ", "abc", "0000-0000", "%00"):
        assert_problem(client.get(f"{URL}/{code}"), 404)


def test_nothing_identifying_is_stored(app, client, station):
    headers = {"User-Agent": "PrivacyProbe/1.0 MicroMessenger", "X-Forwarded-For": "198.51.100.23"}
    client.set_cookie(DEVICE_COOKIE, "cookie-device-0123456789")
    client.post(
        URL,
        json={"kind": "station", "category": "no_water", "station_id": station[0], "device_id": DEVICE},
        headers=headers,
        environ_base={"REMOTE_ADDR": "203.0.113.77"},
    )
    multipart(client, None, kind="station", category="dirty", station_id=station[0])  # the cookie's device
    with app.app_context():
        for table in Base.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).mappings():
                for value in row.values():
                    text = str(value)
                    for secret in (DEVICE, "cookie-device", "203.0.113.77", "198.51.100.23", "PrivacyProbe"):
                        assert secret not in text, (table.name, secret)


def limited(app_factory, **limits):
    return app_factory(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=f"rep-{uuid.uuid4().hex}:", **limits)


def test_reports_are_limited_per_device(app_factory, station):
    client = limited(app_factory, RATELIMIT_REPORT_DEVICE="2 per hour").test_client()
    body = {"kind": "station", "category": "no_water", "station_id": station[0], "device_id": "phone-1"}
    assert [client.post(URL, json=body).status_code for _ in range(2)] == [201, 200]
    response = client.post(URL, json=body)
    assert_problem(response, 429)
    assert int(response.headers["Retry-After"]) >= 1
    # The same phone's multipart form counts against the same device; another phone goes on.
    assert_problem(
        multipart(client, kind="station", category="dirty", station_id=station[0], device_id="PHONE-1"), 429
    )
    assert client.post(URL, json=body | {"device_id": "phone-2"}).status_code == 200


def test_reports_without_a_device_are_limited_per_address(app_factory, station):
    client = limited(app_factory, RATELIMIT_REPORT_ANONYMOUS="2 per hour").test_client()
    body = {"kind": "station", "category": "no_water", "station_id": station[0]}
    assert [client.post(URL, json=body).status_code for _ in range(2)] == [201, 200]
    assert_problem(client.post(URL, json=body), 429)
    other = {"REMOTE_ADDR": "198.51.100.9"}
    assert client.post(URL, json=body, environ_base=other).status_code == 200
    assert client.post(URL, json=body | {"device_id": "phone-9"}).status_code == 200


def test_every_address_has_a_backstop(app_factory, station):
    client = limited(app_factory, RATELIMIT_REPORT_IP="3 per hour").test_client()
    body = {"kind": "station", "category": "no_water", "station_id": station[0]}
    statuses = [client.post(URL, json=body | {"device_id": f"phone-{n}"}).status_code for n in range(4)]
    assert statuses == [201, 200, 200, 429]


def test_a_page_without_device_id_is_known_by_its_device_cookie(client, station):
    client.set_cookie(DEVICE_COOKIE, "cookie-device-0123456789")
    first = multipart(client, kind="station", category="full", station_id=station[0])
    again = multipart(client, kind="station", category="full", station_id=station[0])
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["report"]["confirmations"] == 1  # one device, counted once
    client.delete_cookie(DEVICE_COOKIE)
    assert (
        multipart(client, kind="station", category="full", station_id=station[0]).get_json()["report"][
            "confirmations"
        ]
        == 2
    )
