"""GET services.{json,xml} and services/{service_code}.{json,xml}: one service per report category."""

import pytest

from stationfinder.models.report import COMMUNITY_CATEGORIES, STATION_CATEGORIES
from tests.open311.conftest import BASE, spec_error, xml_of

CODES = [f"station.{c}" for c in STATION_CATEGORIES] + [f"community.{c}" for c in COMMUNITY_CATEGORIES]
FIELDS = ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"]


def test_the_list_has_one_service_per_category(client):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    services = response.get_json()
    assert [s["service_code"] for s in services] == CODES
    for service in services:
        assert list(service) == FIELDS
        kind = service["service_code"].split(".")[0]
        assert service["group"] == kind and service["type"] == "realtime"
        assert service["metadata"] is (kind == "station")
        assert service["keywords"] == ", ".join(service["service_code"].split("."))
    by_code = {s["service_code"]: s for s in services}
    # Chinese first: the staff words, as the manage pages say them.
    assert by_code["station.no_water"]["service_name"] == "无饮用水"
    assert by_code["station.no_water"]["description"] == "驿站：无饮用水"
    assert "110" in by_code["community.emergency"]["description"]
    assert "110" in by_code["community.needs_help"]["description"]


@pytest.mark.parametrize("how", [{"query_string": {"locale": "en"}}, {"headers": {"Accept-Language": "en"}}])
def test_english_on_request(client, how):
    services = {s["service_code"]: s for s in client.get(f"{BASE}/services.json", **how).get_json()}
    assert services["station.no_water"]["service_name"] == "No drinking water"
    assert services["station.no_water"]["description"] == "Station: No drinking water"
    assert "call 110, 119 or 120" in services["community.emergency"]["description"]


def test_the_list_in_xml(client):
    root = xml_of(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and {child.tag for child in root} == {"service"}
    assert [s.findtext("service_code") for s in root] == CODES
    first = root[0]
    assert [c.tag for c in first] == FIELDS
    assert first.findtext("metadata") == "true" and root[-1].findtext("metadata") == "false"
    assert first.findtext("group") == "station" and first.findtext("type") == "realtime"


def test_a_station_service_takes_the_station(client):
    body = client.get(f"{BASE}/services/station.no_water.json").get_json()
    assert body["service_code"] == "station.no_water"
    (attribute,) = body["attributes"]
    assert attribute["code"] == "station" and attribute["required"] is True and attribute["variable"] is True
    assert attribute["datatype"] == "string" and attribute["order"] == 1 and attribute["values"] == []
    root = xml_of(client.get(f"{BASE}/services/station.no_water.xml"))
    assert root.tag == "service_definition"
    assert [c.tag for c in root] == ["service_code", "attributes"]
    assert [a.tag for a in root.find("attributes")] == ["attribute"]
    assert root.find("attributes/attribute").findtext("code") == "station"
    assert root.find("attributes/attribute/values") is not None


def test_a_community_service_takes_nothing_more(client):
    body = client.get(f"{BASE}/services/community.other.json").get_json()
    assert body == {"service_code": "community.other", "attributes": []}


@pytest.mark.parametrize(
    "code", ["other", "station.", "nowhere.no_water", "station.blocked_passage", "x" * 300]
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_service_is_a_404(client, code, fmt):
    assert "no service" in spec_error(client.get(f"{BASE}/services/{code}.{fmt}"), 404, fmt)
