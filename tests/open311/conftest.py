"""The reports world of tests/reports_world.py, with an API token per user, for the Open311 tests."""

import xml.etree.ElementTree as ET

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import User
from stationfinder.services import accounts
from tests.reports_world import make_report_world

BASE = "/open311/v2"
# Every field of a request, in the spec's names and order.
REQUEST_FIELDS = [
    "service_request_id", "status", "status_notes", "service_name", "service_code", "description",
    "agency_responsible", "requested_datetime", "updated_datetime", "expected_datetime", "address",
    "lat", "long", "media_url",
]  # fmt: skip


@pytest.fixture
def world(app):
    """Return (codes by report, API tokens by username) of the reports world."""
    codes = make_report_world(app)
    with app.app_context():
        users = db.session.scalars(sa.select(User).where(User.active.is_(True)))
        tokens = {user.username: accounts.issue_token(user) for user in users}
        db.session.commit()
    return codes, tokens


def xml_of(response) -> ET.Element:
    """Return the root of an XML answer, checking its content type and that it is well-formed."""
    assert response.mimetype == "application/xml", response.headers["Content-Type"]
    body = response.get_data()
    assert body.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(body)


def spec_error(response, status: int, fmt: str = "json") -> str:
    """Assert an error in the spec's form with this status; return its description."""
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    if fmt == "xml":
        root = xml_of(response)
        assert root.tag == "errors" and [e.tag for e in root] == ["error"]
        assert [c.tag for c in root[0]] == ["code", "description"]
        assert root[0].findtext("code") == str(status)
        return root[0].findtext("description")
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"code", "description"}, body
    assert body[0]["code"] == status and body[0]["description"].strip()
    return body[0]["description"]
