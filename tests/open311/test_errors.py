"""Every error under /open311/v2 in the spec's form: unknown paths and methods, crashes, bad text."""

import pytest

from stationfinder.open311 import shapes
from tests.open311.conftest import BASE, spec_error


@pytest.mark.parametrize(
    "path", ["", "/", "/nothing", "/services.yaml", "/services", "/requests/ABCD2345", "/a/b/c.xml"]
)
def test_an_unknown_path_is_a_404(client, path):
    fmt = "xml" if path.endswith(".xml") else "json"
    spec_error(client.get(BASE + path), 404, fmt)


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("DELETE", "/services.json", "GET, HEAD"),
        ("POST", "/services/station.other.xml", "GET, HEAD"),
        ("PUT", "/requests.json", "GET, POST, HEAD"),
        ("PATCH", "/requests/ABCD2345.json", "GET, HEAD"),
        ("QUERY", "/requests/ABCD2345.json", "GET, HEAD"),
    ],
)
def test_another_method_is_a_405(client, method, path, allowed):
    response = client.open(BASE + path, method=method)
    spec_error(response, 405, "xml" if path.endswith(".xml") else "json")
    assert set(response.headers["Allow"].split(", ")) == set(allowed.split(", ")) | {"OPTIONS"}


def test_other_paths_keep_the_site_error_path(client):
    assert client.get("/open311/v3/services.json").mimetype == "text/html"
    assert client.get("/api/v1/nothing").mimetype == "application/problem+json"
    response = client.delete("/api/v1/stations")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"


def test_a_crash_is_a_500_in_the_spec_form(client, monkeypatch, caplog):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(shapes, "services", broken)
    assert "boom" not in spec_error(client.get(f"{BASE}/services.xml"), 500, "xml")
    assert "unhandled error" in caplog.text


@pytest.mark.parametrize("query", ["locale=%00", "locale=" + "x" * 40, "api_key=a%00"])
def test_bad_text_in_a_query_is_a_400(client, query):
    spec_error(client.get(f"{BASE}/requests.json?{query}"), 400)


def test_the_endpoints_are_in_the_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = {path: sorted(ops) for path, ops in spec["paths"].items() if path.startswith("/open311/")}
    assert paths == {
        "/open311/v2/services.{fmt}": ["get", "parameters"],
        "/open311/v2/services/{service_code}.{fmt}": ["get", "parameters"],
        "/open311/v2/requests.{fmt}": ["get", "parameters", "post"],
        "/open311/v2/requests/{service_request_id}.{fmt}": ["get", "parameters"],
    }
    post = spec["paths"]["/open311/v2/requests.{fmt}"]["post"]
    form = post["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert form == {"$ref": "#/components/schemas/Open311RequestForm"}
    schema = spec["components"]["schemas"]["Open311Request"]["properties"]
    assert list(schema) == [
        "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
        "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "address",
        "lat", "long", "media_url",
    ]  # fmt: skip
    errors = post["responses"]["403"]["content"]["application/json"]["schema"]
    assert errors == {"type": "array", "items": {"$ref": "#/components/schemas/Open311Error"}}
