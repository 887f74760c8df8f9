"""The coverage page: who may see it, its county table, its friendly errors and its exports."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from stationfinder.extensions import db
from stationfinder.geo import cells, counties
from stationfinder.models import DemandCount, utcnow
from stationfinder.services import dataset
from stationfinder.services.checkins.identity import local_day
from stationfinder.services.planning import demand
from tests.factories import StationFactory, UserFactory
from tests.staff import login

BIJIE = "520500"
BIJIE_COUNTIES = 8
HOSTILE = "=cmd()"
# 七星关区: two stations 24/7, one by day only; a hot spot of searches a few km away with none near.
STATIONS = [
    ("毕城驿站", 27.3009, 105.2863, "24/7"),
    (HOSTILE, 27.2900, 105.3000, "24/7"),
    ("白天驿站", 27.3100, 105.2700, "Mo-Su 08:00-20:00"),
]
HOT_SPOT = (27.2500, 105.2000)


@pytest.fixture
def world(app):
    """Create the stations, demand in one cell, and a user of each kind; return today's local day."""
    with app.app_context():
        for name, lat, lon, hours in STATIONS:
            StationFactory(name=name, lat=lat, lon=lon, region_code="520502", opening_hours=hours)
        UserFactory(username="admin", admin=True)
        UserFactory(username="mgr", manager=True)
        UserFactory(username="staff_520100", region_code="520100")
        UserFactory(username="staff_520500", region_code=BIJIE)
        UserFactory(username="staff_none", region_code=None)
        today = local_day(utcnow())
        cell = cells.cell_of(*HOT_SPOT)
        db.session.add_all(
            [
                DemandCount(cell=cell, day=today, band=demand.LAST_BAND, county=counties.county_at(*HOT_SPOT),
                            searches=12),
                DemandCount(cell=cell, day=today - timedelta(days=1), band=2, county="520502", searches=3),
            ]
        )  # fmt: skip
        dataset.bump()
        db.session.commit()
        return today


def rows(html: str) -> list[list[str]]:
    table = re.search(r'<table class="dash-table" data-table="coverage">(.*?)</table>', html, re.S)
    assert table, "no county table"
    body = table.group(1).split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def figure(html: str, name: str) -> str:
    match = re.search(rf'data-figure="{name}".*?class="card-value">([^<]+)<', html, re.S)
    assert match, name
    return match.group(1).strip()


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for path in ("/dashboard/coverage", "/dashboard/coverage.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("username", ["mgr", "staff_none"])
def test_people_without_a_region_get_a_friendly_403(client, world, username):
    login(client, username)
    for path in ("/dashboard/coverage?lang=zh", "/dashboard/coverage.geojson?region=520500&lang=zh"):
        response = client.get(path)
        assert response.status_code == 403
        assert "覆盖" in response.get_data(as_text=True)
    assert "覆盖与需求" not in client.get("/dashboard/?lang=zh").get_data(as_text=True)


def test_staff_cannot_see_another_region(client, world):
    login(client, "staff_520100")
    response = client.get("/dashboard/coverage", query_string={"region": BIJIE, "lang": "zh"})
    assert response.status_code == 403
    assert "不在您的" in response.get_data(as_text=True) or "outside" in response.get_data(as_text=True)
    assert client.get("/dashboard/coverage.csv", query_string={"region": BIJIE}).status_code == 403


def test_staff_see_their_own_region_with_its_county_table(client, world):
    login(client, "staff_520500")
    response = client.get("/dashboard/coverage", query_string={"lang": "zh"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    html = response.get_data(as_text=True)
    table = rows(html)
    assert len(table) == BIJIE_COUNTIES
    qxg = next(r for r in table if r[0] == "520502")
    assert qxg[1] == "七星关区" and qxg[5] == "3" and qxg[6] == "15" and qxg[7] == "12"
    assert figure(html, "stations") == "3"
    assert "1,125" in html and "双15" in html
    assert "这些是供实地调研的候选点，不是选址决定" in html
    assert 'data-site="1"' in html
    assert 'aria-current="page">覆盖与需求<' in html
    data = json.loads(re.search(r'id="cov-map-data">(.*?)</script>', html, re.S).group(1))
    assert len(data["stations"]) == 3 and {s["name"] for s in data["stations"]} >= {HOSTILE}
    assert [c["h3"] for c in data["cells"]] == [cells.cell_of(*HOT_SPOT)]
    assert len(data["cells"][0]["ring"]) == 6 and data["cells"][0]["level"] == 2
    assert data["sites"][0]["n"] == 1 and data["sites"][0]["gain"] == 12
    assert data["uncovered_url"].startswith("/api/v1/stats/coverage?")
    assert client.get(data["uncovered_url"]).status_code == 200


def test_admins_pick_a_region_first(client, world):
    login(client, "admin")
    html = client.get("/dashboard/coverage?lang=zh").get_data(as_text=True)
    assert 'data-testid="pick-region"' in html and 'data-table="coverage"' not in html
    response = client.get("/dashboard/coverage", query_string={"region": BIJIE})
    assert response.status_code == 200 and len(rows(response.get_data(as_text=True))) == BIJIE_COUNTIES


@pytest.mark.parametrize(
    ("params", "text"),
    [
        ({"minutes": "abc"}, "分钟数"),
        ({"minutes": "0"}, "分钟数"),
        ({"minutes": "nan"}, "分钟数"),
        ({"speed_kmh": "1e9"}, "速度"),
        ({"at": "25:00"}, "03:00"),
        ({"at": "soon"}, "03:00"),
        ({"region": "12345"}, "520500"),
        ({"region": "520599"}, "520500"),
        ({"from": "2025-13-01"}, "2024-05-31"),
        ({"from": "2025-03-10", "to": "2025-03-01"}, "不能晚于"),
    ],
)
def test_bad_input_gets_a_friendly_400(client, world, params, text):
    login(client, "staff_520500")
    response = client.get("/dashboard/coverage", query_string={**params, "lang": "zh"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'data-testid="error"' in html and text in html
    assert client.get("/dashboard/coverage.xlsx", query_string=params).status_code == 400


def test_at_three_in_the_night_drops_the_day_station(client, world):
    login(client, "staff_520500")
    night = client.get("/dashboard/coverage", query_string={"at": "03:00"}).get_data(as_text=True)
    assert figure(night, "stations") == "2"
    assert '<option value="03:00" selected>' in night
    noon = client.get("/dashboard/coverage", query_string={"at": "12:00"}).get_data(as_text=True)
    assert figure(noon, "stations") == "3"


def test_csv_and_xlsx_exports_hold_the_county_table(client, world):
    login(client, "staff_520500")
    response = client.get("/dashboard/coverage.csv", query_string={"lang": "zh"})
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "coverage_520500_" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert table[0][:2] == ["行政区划代码", "区县"] and len(table) == 1 + BIJIE_COUNTIES
    assert next(r for r in table if r[0] == "520502")[5:] == ["3", "15", "12"]

    book = load_workbook(io.BytesIO(client.get("/dashboard/coverage.xlsx").get_data()))
    sheet = book.worksheets[0]
    assert sheet.max_row == 1 + BIJIE_COUNTIES
    assert any(row[0].value == "520502" for row in sheet.iter_rows(min_row=2))


def test_geojson_export_holds_every_layer_and_names_as_plain_text(client, world):
    login(client, "staff_520500")
    response = client.get("/dashboard/coverage.geojson", query_string={"at": "12:00"})
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/geo+json"
    collection = json.loads(response.get_data(as_text=True))
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds.count("uncovered") == 1 and kinds.count("station") == 3
    assert kinds.count("demand") == 1 and kinds.count("site") >= 1
    hexagon = next(f for f in collection["features"] if f["properties"]["kind"] == "demand")
    assert hexagon["geometry"]["type"] == "Polygon" and hexagon["properties"]["unmet"] == 12
    site = next(f for f in collection["features"] if f["properties"]["kind"] == "site")
    assert site["properties"]["rank"] == 1 and site["properties"]["gain"] == 12
    # GeoJSON is data, not a spreadsheet: the name stays as the station wrote it, safely JSON-encoded.
    assert HOSTILE in {f["properties"].get("name") for f in collection["features"]}


def test_unknown_export_formats_are_404(client, world):
    login(client, "staff_520500")
    assert client.get("/dashboard/coverage.pdf").status_code == 404
