"""GET requests.{json,xml} and requests/{id}.{json,xml}: public views, filters, the 90 days, the 1,000 cap."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Report, User, utcnow
from stationfinder.services import reports
from stationfinder.services.reports import open311
from tests.open311.conftest import BASE, REQUEST_FIELDS, spec_error, xml_of
from tests.reports_world import REPORTS

URL = f"{BASE}/requests.json"


def listed(client, **query) -> list[dict]:
    response = client.get(URL, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def codes_of(items) -> set[str]:
    return {item["service_request_id"] for item in items}


def backdate(app, code: str, days: float) -> None:
    with app.app_context():
        moment = utcnow() - timedelta(days=days)
        db.session.execute(
            sa.update(Report).where(Report.code == code).values(created_at=moment, updated_at=moment)
        )
        db.session.commit()


def close(app, code: str, note: str = "已处理") -> None:
    """Close a report as fixed, as the admin, with a public note."""
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        reports.change(reports.by_code(code), admin, status="fixed", note=note)
        db.session.commit()


def test_the_public_list(app, client, world):
    codes, _ = world
    items = listed(client)
    assert codes_of(items) == {codes[key] for key in REPORTS}
    for item in items:
        assert list(item) == REQUEST_FIELDS
        assert item["status"] == "open" and item["media_url"] == "" and item["description"] == ""
        assert item["requested_datetime"].endswith("+08:00") and item["updated_datetime"].endswith("+08:00")
    by_code = {item["service_request_id"]: item for item in items}
    station = by_code[codes["station-gy"]]
    assert station["service_code"] == "station.no_water" and station["service_name"] == "无饮用水"
    assert station["status_notes"] == "新反馈"
    assert station["agency_responsible"] == "南明区"
    assert station["address"] == "贵阳市云岩区 station-gy"
    with app.app_context():
        report = reports.by_code(codes["station-gy"])
        assert (station["lat"], station["long"]) == (report.station.lat, report.station.lon)
        due = report.created_at + timedelta(days=app.config["REPORT_FIX_DAYS"])
    assert datetime.fromisoformat(station["expected_datetime"]) == due.replace(microsecond=0)
    community = by_code[codes["community-bj"]]
    assert community["service_code"] == "community.blocked_passage"
    assert community["agency_responsible"] == community["address"] == "七星关区"
    # Newest first.
    assert [i["service_request_id"] for i in items][0] == codes["community-sz"]


def test_a_place_is_rounded_to_about_100_m(app, client, world):
    with app.app_context():
        report, _ = reports.file_report("community", "road_hazard", lat=26.581234, lon=106.714567)
        db.session.commit()
        code = report.code
    (item,) = listed(client, service_request_id=code)
    assert (item["lat"], item["long"]) == (26.581, 106.715)


def test_descriptions_are_for_staff_in_scope(app, client, world):
    codes, tokens = world
    with app.app_context():
        db.session.execute(sa.update(Report).values(description="门口有人晕倒"))
        db.session.commit()
    assert {i["description"] for i in listed(client)} == {""}
    response = client.get(URL, query_string={"api_key": tokens["staff_520100"]})
    assert response.headers["Cache-Control"] == "private, no-store"
    described = {i["service_request_id"] for i in response.get_json() if i["description"]}
    assert described == {codes["station-gy"], codes["community-gy"]}
    single = client.get(
        f"{BASE}/requests/{codes['station-bj']}.json", query_string={"api_key": tokens["manager_bj"]}
    )
    assert single.get_json()[0]["description"] == "门口有人晕倒"
    single = client.get(
        f"{BASE}/requests/{codes['station-bj']}.json", query_string={"api_key": tokens["manager_gy"]}
    )
    assert single.get_json()[0]["description"] == ""
    assert (
        "Cache-Control" not in client.get(URL).headers
        or "private" not in client.get(URL).headers["Cache-Control"]
    )


@pytest.mark.parametrize("category", ["needs_help", "emergency"])
def test_private_services_are_listed_only_in_scope(app, client, world, category):
    codes, tokens = world
    with app.app_context():
        report, _ = reports.file_report("community", category, lat=26.58, lon=106.71)
        db.session.commit()
        code = report.code
    assert code not in codes_of(listed(client))
    assert code not in codes_of(listed(client, api_key=tokens["staff_520500"]))
    assert code in codes_of(listed(client, api_key=tokens["staff_520100"]))
    assert code in codes_of(listed(client, api_key=tokens["admin"]))
    # Whoever holds the tracking code reads its public view, as at /r/<code>.
    assert codes_of(listed(client, service_request_id=code)) == {code}
    assert client.get(f"{BASE}/requests/{code}.json").status_code == 200


def test_ids_override_every_other_filter(app, client, world):
    codes, _ = world
    backdate(app, codes["station-bj"], 200)
    wanted = f"{codes['station-bj']}, {codes['community-sz'].lower()},NOT-A-CODE,"
    items = listed(client, service_request_id=wanted, status="closed", service_code="station.other")
    assert codes_of(items) == {codes["station-bj"], codes["community-sz"]}
    assert listed(client, service_request_id="nothing") == []
    assert "at most 100" in spec_error(
        client.get(URL, query_string={"service_request_id": ",".join(["A"] * 101)}), 400
    )


def test_service_codes(client, world):
    codes, _ = world
    community = {codes[k] for k in REPORTS if k.startswith("community")}
    assert codes_of(listed(client, service_code="community.blocked_passage")) == community
    both = listed(client, service_code="community.blocked_passage,station.no_water")
    assert codes_of(both) == {codes[k] for k in REPORTS}
    assert listed(client, service_code="station.other") == []
    assert "unknown service_code" in spec_error(
        client.get(URL, query_string={"service_code": "station.nope"}), 400
    )
    spec_error(client.get(URL, query_string={"service_code": "no_water"}), 400)


def test_statuses(app, client, world):
    codes, _ = world
    close(app, codes["station-gy"], note="已送水")
    closed = listed(client, status="closed")
    assert codes_of(closed) == {codes["station-gy"]}
    (item,) = closed
    assert item["status"] == "closed" and item["status_notes"] == "已解决：已送水"
    assert item["expected_datetime"] is None
    assert codes_of(listed(client, status="open")) == {codes[k] for k in REPORTS} - {codes["station-gy"]}
    assert len(listed(client, status="open,closed")) == len(REPORTS)
    assert len(listed(client, status="")) == len(REPORTS)  # empty is absent
    spec_error(client.get(URL, query_string={"status": "acknowledged"}), 400)
    english = client.get(URL, query_string={"status": "closed", "locale": "en"}).get_json()[0]
    assert english["status_notes"] == "Fixed: 已送水"


def test_the_last_90_days_by_default(app, client, world):
    codes, _ = world
    backdate(app, codes["station-bj"], 91)
    backdate(app, codes["community-bj"], 89)
    default = codes_of(listed(client))
    assert codes["station-bj"] not in default and codes["community-bj"] in default
    now = utcnow()
    old = codes_of(
        listed(
            client,
            start_date=(now - timedelta(days=95)).isoformat(),
            end_date=(now - timedelta(days=90)).isoformat(),
        )
    )
    assert old == {codes["station-bj"]}
    # Only a start: the 90 days from it. Only an end: the 90 days before it.
    day = (now - timedelta(days=100)).strftime("%Y-%m-%d")
    assert codes_of(listed(client, start_date=day)) == {codes["station-bj"], codes["community-bj"]}
    assert codes_of(listed(client, end_date=(now - timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%SZ"))) == {
        codes["station-bj"]
    }


@pytest.mark.parametrize(
    "query, message",
    [
        ({"start_date": "2024-01-01", "end_date": "2024-04-01"}, "90 days"),
        ({"start_date": "2024-03-02", "end_date": "2024-03-01"}, "after"),
        ({"start_date": "yesterday"}, "W3C"),
        ({"start_date": "2024-02-30"}, "W3C"),
        ({"end_date": "2024-01-01T25:00:00Z"}, "W3C"),
        ({"end_date": "1999-12-31T00:00:00Z"}, "2000 and 2100"),
        ({"start_date": "9999-12-31T23:59:59-23:59"}, "2000 and 2100"),
        ({"start_date": " 2024-01-01"}, "W3C"),
        ({"status": "open\x00"}, "NUL"),
    ],
)
def test_bad_dates_are_a_400(client, world, query, message):
    assert message in spec_error(client.get(URL, query_string=query), 400)
    assert message in spec_error(client.get(f"{BASE}/requests.xml", query_string=query), 400, "xml")


def test_w3c_datetimes(client, world):
    codes, _ = world
    for text in [
        "2024-05-01T08:00:00+08:00",
        "2024-05-01T00:00:00Z",
        "2024-05-01t00:00:00.123456789z",
        "2024-05-01T08:00",
    ]:
        assert listed(client, start_date=text) == [], text


def test_at_most_1000(client, world, monkeypatch):
    codes, _ = world
    assert open311.MAX_REQUESTS == 1000
    monkeypatch.setattr(open311, "MAX_REQUESTS", 2)
    items = listed(client)
    assert [i["service_request_id"] for i in items] == [codes["community-sz"], codes["community-bj"]]


def test_a_key_that_is_not_valid_is_a_403(client, world):
    _, tokens = world
    spec_error(client.get(URL, query_string={"api_key": "nope"}), 403)
    spec_error(client.get(f"{BASE}/requests/ABCD2345.xml", query_string={"api_key": "nope"}), 403, "xml")


def test_one_request(app, client, world):
    codes, _ = world
    code = codes["community-gy"]
    response = client.get(f"{BASE}/requests/{code}.json")
    assert response.status_code == 200
    (item,) = response.get_json()
    assert item["service_request_id"] == code
    # As a rider reads it out: any case, grouped.
    assert client.get(f"{BASE}/requests/{code[:4].lower()}-{code[4:]}.json").get_json() == [item]
    assert "tracking code" in spec_error(client.get(f"{BASE}/requests/ABCD2345.json"), 404)
    spec_error(client.get(f"{BASE}/requests/{code}.xml".replace(code, "zz")), 404, "xml")


def test_requests_in_xml(app, client, world):
    codes, _ = world
    close(app, codes["station-gy"])
    root = xml_of(client.get(f"{BASE}/requests.xml"))
    assert root.tag == "service_requests" and {child.tag for child in root} == {"request"}
    assert len(root) == len(REPORTS)
    for request in root:
        assert [c.tag for c in request] == REQUEST_FIELDS
    closed = root.find(f"request[service_request_id='{codes['station-gy']}']")
    assert closed.findtext("status") == "closed" and closed.findtext("expected_datetime") == ""
    assert closed.findtext("media_url") == "" and float(closed.findtext("lat")) > 26
    one = xml_of(client.get(f"{BASE}/requests/{codes['station-gy']}.xml"))
    assert [r.findtext("service_request_id") for r in one] == [codes["station-gy"]]


def test_text_xml_cannot_hold_is_replaced(app, client, world):
    codes, tokens = world
    with app.app_context():
        db.session.execute(
            sa.update(Report).where(Report.code == codes["community-gy"]).values(description="a\x01b")
        )
        db.session.commit()
    root = xml_of(
        client.get(f"{BASE}/requests/{codes['community-gy']}.xml", query_string={"api_key": tokens["admin"]})
    )
    assert root.find("request").findtext("description") == "a\ufffdb"
