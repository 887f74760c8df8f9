"""An Open311 client from PyPI (georeport) against the app in a real server on 127.0.0.1.

georeport reads services, definitions and requests in JSON and XML; it cannot file requests, so the
filing goes through ``requests`` as any client would send it: form-encoded.
"""

import georeport
import pytest
import requests

from tests.e2e.server import serve
from tests.open311.conftest import REQUEST_FIELDS
from tests.reports_world import POINTS


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_what_it_filed(app, world, fmt):
    codes, tokens = world
    with serve(app) as base:
        client = georeport.GeoReport(f"{base}/open311/v2", api_key=tokens["admin"], output_format=fmt)
        services = client.get_service_list()
        assert {s["service_code"] for s in services} >= {"station.no_water", "community.blocked_passage"}
        definition = client.get_service_definition("station.no_water")
        assert definition["service_code"] == "station.no_water"

        lat, lon = POINTS["bj"]
        form = {"api_key": client.api_key, "service_code": "community.road_hazard", "lat": lat, "long": lon}
        posted = requests.post(f"{client.root_address}/requests.json", data=form, timeout=10)
        assert posted.status_code == 201
        code = posted.json()[0]["service_request_id"]

        both = client.get_service_requests(service_request_id=f"{code},{codes['station-gy']}")
        assert sorted(r["service_request_id"] for r in both) == sorted([code, codes["station-gy"]])
        request = client.get_service_request(code)
        assert list(request) == REQUEST_FIELDS
        assert request["service_code"] == "community.road_hazard" and request["status"] == "open"
        assert request["agency_responsible"] == "七星关区"
        recent = client.get_service_requests(service_code="community.road_hazard", status="open")
        # xmltodict reads a lone element as a dict, a list only from two on.
        recent = [recent] if isinstance(recent, dict) else recent
        assert [r["service_request_id"] for r in recent] == [code]
