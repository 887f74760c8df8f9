"""Property-based robustness of the whole JSON API: schemathesis drives every documented operation."""

import uuid
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from stationfinder import create_app
from stationfinder.extensions import db
from stationfinder.services import accounts, dataset, reports
from stationfinder.services import checkins as checkin_service
from stationfinder.services.posters import tokens as posters
from tests.conftest import TEST_SECRET
from tests.factories import StationFactory
from tests.photos import image_bytes

PROBLEM_TYPE = "application/problem+json"
# Per operation; the whole module must stay well under a minute on either database.
MAX_EXAMPLES = 30


@pytest.fixture
def seeded(app):
    """Seed stations, a live and a rotated poster, a check-in and a staff token; return what tests need."""
    with app.app_context():
        stations = [
            StationFactory(ref="GY-1", name="云岩驿站", amenity_mask=0b1011),
            StationFactory(ref=None, name="Ünïcode <b>&amp;</b>", opening_hours="Mo-Fr 08:00-20:00"),
            StationFactory(ref="BJ-1", name="毕节驿站", region_code="520502", lat=27.3, lon=105.28),
        ]
        live = posters.create_poster(stations[0])
        retired = posters.create_poster(stations[1])
        posters.rotate(stations[1], None, grace=timedelta(0))
        staff = accounts.create_user("fuzz-staff", "fuzz-password-123", "staff", region="520000")
        token = accounts.issue_token(staff)
        dataset.bump()
        seeded = {"live_token": live.token, "retired_token": retired.token, "station_id": stations[2].id}
        db.session.commit()
        # A check-in's write transaction must start with its own first statement.
        checkin, _ = checkin_service.record(seeded["live_token"], "seed-device", "courier")
        seeded["checkin_id"] = checkin.id
        db.session.commit()
        # A report in the staff token's scope (Guizhou), with a photo, for the report operations.
        report, _ = reports.file_report(
            "station", "no_water", station_id=seeded["station_id"], photo=image_bytes("PNG")
        )
        seeded["report_code"] = report.code
        db.session.commit()
    seeded["auth"] = {"Authorization": f"Bearer {token}"}
    seeded["api_key"] = token
    return seeded


def problem_details(ctx, response, case):
    """Check that every 4xx is RFC 9457 problem+json whose status matches the HTTP status."""
    if not 400 <= response.status_code < 500:
        return None
    if case.path.startswith("/open311/"):
        return open311_error(response)
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.split(";")[0].strip() == PROBLEM_TYPE, f"{response.status_code} as {content_type!r}"
    body = response.json()
    assert isinstance(body, dict), body
    missing = {"type", "title", "status", "detail"} - body.keys()
    assert not missing, f"problem lacks {sorted(missing)}: {body}"
    assert body["status"] == response.status_code, body
    return True


def open311_error(response):
    """Check that an Open311 4xx is the spec's error list, in the URL's format, with the HTTP status."""
    content_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
    if content_type == "application/xml":
        assert b"<errors><error><code>%d</code>" % response.status_code in response.content, response.content
        return True
    assert content_type == "application/json", f"{response.status_code} as {content_type!r}"
    (error,) = response.json()
    assert set(error) == {"code", "description"} and error["code"] == response.status_code, error
    return True


def status_declared(ctx, response, case):
    """Check that the status is declared explicitly, not only covered by a catch-all ``default``."""
    if case.method.upper() != case.operation.method.upper():
        return None  # a probe with another method (405 is not the operation's answer)
    declared = {code for code in case.operation.definition.raw.get("responses", {}) if code != "default"}
    assert str(response.status_code) in declared, (
        f"{case.operation.label} answered {response.status_code}, declares {sorted(declared)}"
    )
    return True


def _load_schema():
    # Collection needs the operations before any fixture exists; the document does not depend on the
    # database, so an app on an in-memory SQLite serves it. Each test then calls its own app.
    app = create_app(
        {"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": TEST_SECRET, "RATELIMIT_ENABLED": False}
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.config.generation.update(
        modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE],
        max_examples=MAX_EXAMPLES,
        deterministic=True,
        allow_x00=True,
    )
    return schema


fuzzed = _load_schema()


def _steer(case, seeded) -> None:
    """Point some valid generated requests at real posters, stations, check-ins and reports."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return  # an invalid request must stay invalid
    body = case.body if isinstance(case.body, dict) else {}
    if isinstance(body.get("token"), str):
        pick = len(body["token"]) % 3
        if pick < 2:
            body["token"] = (seeded["live_token"], seeded["retired_token"])[pick]
    path = case.path_parameters or {}
    if isinstance(path.get("station_id"), int) and path["station_id"] % 2 == 0:
        path["station_id"] = seeded["station_id"]
    if isinstance(body.get("station_id"), int) and body["station_id"] % 2 == 0:
        body["station_id"] = seeded["station_id"]
    if body.get("kind") == "community" and isinstance(body.get("lat"), float) and int(body["lat"]) % 2 == 0:
        body.update(lat=26.58, lon=106.71, coord="wgs84")  # a point in 贵阳市南明区
    if isinstance(path.get("code"), str) and len(path["code"]) % 2 == 0:
        path["code"] = seeded["report_code"]
    _steer_open311(case, body, path, seeded)
    checkin_id = path.get("checkin_id")
    if isinstance(checkin_id, int) and checkin_id % 2 == 0:
        case.path_parameters["checkin_id"] = seeded["checkin_id"]
        if isinstance(body.get("device_id"), str) and len(body["device_id"]) % 2:
            body["device_id"] = "seed-device"


def _steer_open311(case, body, path, seeded) -> None:
    """Give some valid Open311 requests a real api_key, service, station, place or tracking code."""
    if not case.path.startswith("/open311/"):
        return
    query = case.query if isinstance(case.query, dict) else {}
    if isinstance(path.get("service_request_id"), str) and len(path["service_request_id"]) % 2 == 0:
        path["service_request_id"] = seeded["report_code"]
    if isinstance(path.get("service_code"), str) and len(path["service_code"]) % 2 == 0:
        path["service_code"] = "station.no_water"
    if isinstance(query.get("api_key"), str) and len(query["api_key"]) % 2 == 0:
        query["api_key"] = seeded["api_key"]
    if isinstance(body.get("api_key"), str) and len(body["api_key"]) % 4:
        body["api_key"] = seeded["api_key"]
        if str(body.get("service_code", "")).startswith("station."):
            body["attribute[station]"] = str(seeded["station_id"])
        elif isinstance(body.get("lat"), float) and int(body["lat"]) % 2 == 0:
            body.update(lat=26.58, long=106.71)  # a point in 贵阳市南明区


@fuzzed.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_every_operation_survives_fuzzing(case, app, seeded):
    """No 5xx, problem+json 4xx, documented statuses and bodies for generated valid and invalid input."""
    _steer(case, seeded)
    # Mostly as staff, so endpoints behind a token are reached; a quarter anonymously, to fuzz the 401s.
    anonymous = len(repr(case.query)) % 4 == 0
    # schemathesis's WSGI transport asks for compressed answers but cannot read them back; a client's
    # decompression is not what this test is about (tests/test_static_files.py covers compression).
    case.call_and_validate(
        app=app,
        headers={"Accept-Encoding": "identity"} | ({} if anonymous else seeded["auth"]),
        additional_checks=[problem_details, status_declared],
        # Some rules cross fields or go beyond JSON Schema (lat with lon, printable device ids, a BD-09
        # point that has no WGS-84 twin): schema-valid input may still be a 400, so that check is off.
        excluded_checks=[schemathesis.checks.positive_data_acceptance],
    )


# Regression tests: each input below once made the API answer 500, or is a kind of input the issue names.
# Cases share one app per test (loops, not parametrize) to keep the module fast on both databases.

NUL = "Must not contain NUL characters."
SURROGATE = "Must be valid Unicode text (no lone surrogates)."


def assert_problem(response, status: int, context="") -> dict:
    """Assert an RFC 9457 problem+json answer with this status and return its body."""
    assert response.status_code == status, f"{context}: {response.get_data(as_text=True)[:300]}"
    assert response.mimetype == PROBLEM_TYPE, context
    body = response.get_json(force=True)
    assert {"type", "title", "status", "detail"} <= body.keys(), context
    assert body["status"] == status and body["detail"].strip(), context
    return body


@pytest.fixture
def client(app, seeded):
    return app.test_client()


@pytest.fixture
def limited(app_factory, seeded):
    """Return a client of an app with rate limits on: their keys read the body before the view does."""
    app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=f"fuzz-{uuid.uuid4().hex}:")
    return app.test_client()


def _post_checkin(client, data, content_type="application/json"):
    return client.post("/api/v1/checkins", data=data, content_type=content_type)


def test_nul_in_a_query_is_a_400_on_every_database(client):
    # PostgreSQL refuses NUL in text: the name search used to fail with a 500 there.
    cases = {
        "/api/v1/stations?q=a%00b": "q",
        "/api/v1/stations?region=5205%0002": "region",
        "/api/v1/stations?amenity=wifi&amenity=wifi%00": "amenity",
        "/api/v1/stations/nearest?lat=26.5&lon=106.7&coord=gcj02%00": "coord",
        "/api/v1/stations?q%00=x": "q\\x00",
    }
    for query, field in cases.items():
        body = assert_problem(client.get(query), 400, query)
        assert body["errors"] == {field: [NUL]}, query


UNSTORABLE_BODIES = {
    '{"token": "a\\u0000b"}': {"token": [NUL]},
    '{"token": "LIVE", "device_id": "d\\u0000"}': {"device_id": [NUL]},
    '{"token": "LIVE", "x\\u0000": 1}': {"x\\x00": [NUL]},
    '"\\u0000"': {"_schema": [NUL]},
    '{"token": "a\\ud800b"}': {"token": [SURROGATE]},
    '{"token": "LIVE", "device_id": "\\udfff"}': {"device_id": [SURROGATE]},
}


@pytest.mark.parametrize("limits", [False, True], ids=["limits-off", "limits-on"])
def test_unstorable_text_in_a_body_is_a_400(request, seeded, limits):
    # A lone surrogate in device_id used to crash the rate limit's key (500) before the view ran.
    client = request.getfixturevalue("limited" if limits else "client")
    for payload, errors in UNSTORABLE_BODIES.items():
        response = _post_checkin(client, payload.replace("LIVE", seeded["live_token"]))
        assert assert_problem(response, 400, payload)["errors"] == errors, payload


def test_non_finite_numbers_are_a_400(client, seeded):
    for value in ("NaN", "nan", "inf", "-Infinity", "1e400", "-1e999"):
        response = client.get(f"/api/v1/stations/nearest?lat={value}&lon=106.7")
        assert "lat" in assert_problem(response, 400, value)["errors"], value
    for value in ("NaN", "Infinity", "-Infinity", "1e400"):
        payload = f'{{"token": "{seeded["live_token"]}", "lat": {value}, "lon": 106.7}}'
        assert "lat" in assert_problem(_post_checkin(client, payload), 400, payload)["errors"], payload


def test_huge_numbers_are_a_4xx(client):
    cases = [
        ("GET", "/api/v1/stations/nearest?lat=26.5&lon=106.7&limit=" + "9" * 40, 400),
        ("GET", "/api/v1/stations?offset=" + "9" * 40, 400),
        ("GET", "/api/v1/stations/nearest?lat=26.5&lon=106.7&max_distance_m=1e308", 400),
        ("GET", "/api/v1/stations/" + "9" * 40, 404),
        ("GET", "/api/v1/stations/2147483648", 404),
        ("DELETE", "/api/v1/checkins/" + "9" * 40, 404),
        ("DELETE", "/api/v1/checkins/2147483648", 404),
    ]
    for method, url, status in cases:
        assert_problem(client.open(url, method=method, json={"device_id": "d"}), status, url)


def test_an_exclusive_bound_is_documented_and_enforced(client):
    # The document said minimum 0 while the API refused 0: the fuzzer's valid request got a 400.
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = spec["paths"]["/api/v1/stations/nearest"]["get"]["parameters"]
    (param,) = [p for p in parameters if p["name"] == "max_distance_m"]
    assert param["schema"]["minimum"] == 0 and param["schema"]["exclusiveMinimum"] is True
    assert_problem(client.get("/api/v1/stations/nearest?lat=26.5&lon=106.7&max_distance_m=0"), 400)
    tiny = client.get("/api/v1/stations/nearest?lat=26.5&lon=106.7&max_distance_m=5e-324")
    assert tiny.status_code == 200 and tiny.get_json() == {"stations": []}


def test_unicode_names_and_queries(client):
    found = client.get("/api/v1/stations", query_string={"q": "Ünïcode <b>&amp;"})
    assert found.status_code == 200
    assert [s["name"] for s in found.get_json()["stations"]] == ["Ünïcode <b>&amp;</b>"]
    # Python's float() reads full-width digits; the answer must still be a valid search.
    wide = client.get("/api/v1/stations/nearest?lat=２６.５&lon=１０６.７&limit=1")
    assert wide.status_code == 200 and len(wide.get_json()["stations"]) == 1
    assert client.get("/api/v1/stations?q=%ff%fe%ed%a0%80").status_code == 200  # undecodable bytes


def test_overlong_and_repeated_query_parameters(client):
    assert_problem(client.get("/api/v1/stations?q=" + "长" * 101), 400)
    assert client.get("/api/v1/stations?q=" + "长" * 100).status_code == 200
    assert_problem(client.get("/api/v1/stations?q=" + "x" * 200_000), 400)
    body = assert_problem(client.get("/api/v1/stations?" + "&".join(["amenity=wifi"] * 5000)), 400)
    assert "amenity" in body["errors"]
    # A repeated single-valued parameter takes its first value.
    twice = client.get("/api/v1/stations/nearest?lat=27.3&lat=26.5&lon=105.28&limit=1")
    assert twice.status_code == 200
    assert twice.get_json()["stations"][0]["ref"] == "BJ-1"


def test_wrong_json_shapes_are_a_400_naming_the_field(client, seeded):
    cases = {
        '{"token": 5}': "token",
        '{"token": "LIVE", "category": ["courier"]}': "category",
        '{"token": "LIVE", "lat": [26.5], "lon": 106.7}': "lat",
        '{"token": "LIVE", "device_id": true}': "device_id",
        '{"token": "LIVE", "surprise": 1}': "surprise",
        '{"token": "LIVE", "lat": 26.5}': "lat",
        "[1, 2]": "_schema",
        '"LIVE"': "_schema",
        "null": "_schema",
        "42": "_schema",
        "": "token",
        "{}": "token",
    }
    for payload, field in cases.items():
        response = _post_checkin(client, payload.replace("LIVE", seeded["live_token"]))
        assert field in assert_problem(response, 400, payload)["errors"], payload


@pytest.mark.parametrize("limits", [False, True], ids=["limits-off", "limits-on"])
def test_malformed_json_is_a_400(request, limits):
    # JSON nested 5000 deep (25 kB, under the size limit) used to raise RecursionError: a 500.
    client = request.getfixturevalue("limited" if limits else "client")
    for payload in ['{"token": ', "{'token': 'x'}", b"\xff\xfe{", '{"a":' * 5000 + "1" + "}" * 5000]:
        body = assert_problem(_post_checkin(client, payload), 400, repr(payload)[:40])
        assert body["errors"] == {"json": ["Invalid JSON body."]}


def test_a_body_that_is_not_json_is_a_415(client):
    for method, url in [("POST", "/api/v1/checkins"), ("DELETE", "/api/v1/checkins/1")]:
        for content_type in ["text/plain", "application/x-www-form-urlencoded", None]:
            headers = {"Content-Type": content_type} if content_type else {}
            response = client.open(url, method=method, data='{"token": "x"}', headers=headers)
            assert_problem(response, 415, f"{method} {content_type}")


def test_an_oversized_body_is_a_413_and_documented(client, app):
    size = app.config["MAX_CONTENT_LENGTH"] + 1
    assert_problem(_post_checkin(client, '{"token": "' + "x" * size + '"}'), 413)
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "requestBody" in operation:
                assert "413" in operation["responses"], f"{method.upper()} {path}"


def _operations(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if isinstance(operation, dict) and "responses" in operation:
                yield f"{method.upper()} {path}", operation


def test_every_documented_error_is_problem_json(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    components = spec["components"]["responses"]
    problem = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for name, response in components.items():
        assert response["content"] == problem, name
    for label, operation in _operations(spec):
        if " /open311/" in label:
            continue  # Open311 answers errors in its own form (tests/open311/test_errors.py)
        for code, response in operation["responses"].items():
            if code == "default" or int(code) >= 400:
                if "$ref" in response:
                    response = components[response["$ref"].rsplit("/", 1)[1]]
                assert response["content"] == problem, f"{label} {code}"
    assert set(spec["components"]["schemas"]["Problem"]["required"]) == {"type", "title", "status", "detail"}
    assert "Error" not in spec["components"]["schemas"]


def test_a_problem_without_detail_repeats_its_title(app):
    from stationfinder.errors import problem

    with app.test_request_context("/api/v1/stations"):
        response = problem(409, "Conflict")
    assert response.get_json(force=True)["detail"] == "Conflict"


def test_rate_limited_answers_are_declared_problems(app_factory, seeded):
    app = app_factory(
        RATELIMIT_ENABLED=True,
        RATELIMIT_CHECKIN_IP="1 per hour",
        RATELIMIT_CHECKIN_DEVICE="1 per hour",
        RATELIMIT_KEY_PREFIX=f"fuzz-{uuid.uuid4().hex}:",
    )
    client = app.test_client()
    spec = client.get("/api/v1/openapi.json").get_json()
    requests = [
        ("post", "/api/v1/checkins", {"token": seeded["live_token"], "device_id": "rate"}),
        ("delete", "/api/v1/checkins/{checkin_id}", {"device_id": "rate"}),
    ]
    for method, path, body in requests:
        url = path.format(checkin_id=seeded["checkin_id"])
        for _ in range(2):
            response = client.open(url, method=method.upper(), json=body)
        assert_problem(response, 429, path)
        assert int(response.headers["Retry-After"]) >= 1
        assert "429" in spec["paths"][path][method]["responses"], path
