"""The dashboard page: who may see it, that it shows only the caller's figures, and its errors."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Checkin, Station
from tests.staff import login
from tests.stats_world import COUNTIES, NOW, build_world, checkin, make_users, world_total

RANGE = {"from": "2025-03-01", "to": "2025-03-10"}
# user -> (region seen, refs it must never show)
OWN = {
    "admin": None,
    "gz": "520000",
    "gy": "520100",
    "qxg": "520502",
    "gd": "440000",
}


@pytest.fixture
def world(app):
    with app.app_context():
        build_world()
        make_users()


def _foreign_refs(region: str | None) -> set[str]:
    if region is None:
        return set()
    short = region[:2] if region.endswith("0000") else region[:4] if region.endswith("00") else region
    return {ref for code, (refs, _n) in COUNTIES.items() if not code.startswith(short) for ref in refs}


def figure(html: str, name: str) -> int:
    match = re.search(rf'data-figure="{name}".*?data-value="([\d.]+)"', html, re.S)
    assert match, name
    return int(float(match.group(1)))


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/dashboard/export/days.csv").status_code == 302


@pytest.mark.parametrize("username", sorted(OWN))
def test_each_role_sees_its_own_region_and_nothing_else(client, world, username):
    assert login(client, username).status_code == 302
    response = client.get("/dashboard/", query_string={**RANGE, "lang": "zh"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert figure(html, "count") == world_total(OWN[username])
    for ref in _foreign_refs(OWN[username]):
        assert ref not in html, ref
    assert "数据统计" in html or "统计" in html


def test_a_manager_sees_only_their_stations(client, world):
    assert login(client, "mgr").status_code == 302
    html = client.get("/dashboard/", query_string=RANGE).get_data(as_text=True)
    assert figure(html, "count") == 3 and figure(html, "stations") == 1
    for ref in ("gy-nanming-1", "bj-qxg-1", "sz-nanshan-1", "gy-idle"):
        assert ref not in html
    assert client.get("/dashboard/", query_string={**RANGE, "region": "520103"}).status_code == 403


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"region": "520500"}, 403, "outside your area"),
        ({"from": "2025-13-01"}, 400, "2024-05-31"),
        ({"from": "2025-03-10", "to": "2025-03-01"}, 400, "must not be after"),
        ({"from": "2020-01-01", "to": "2025-03-01"}, 400, "3 years"),
        ({"station": "nope"}, 404, "no station"),
        ({"from": "0001-01-01", "to": "0001-01-31"}, 400, "between 2000-01-01 and 2100-12-31"),
        ({"to": "9999-12-31"}, 400, "between 2000-01-01 and 2100-12-31"),
    ],
)
def test_bad_filters_get_a_friendly_message(client, world, params, status, text):
    login(client, "gy")
    response = client.get("/dashboard/", query_string={"lang": "en", **params})
    assert response.status_code == status
    html = response.get_data(as_text=True)
    assert text in html and "Traceback" not in html
    assert 'name="from"' in html  # the filters stay, to correct them


def test_the_page_has_every_section_and_no_inline_script(client, world):
    login(client, "admin")
    html = client.get("/dashboard/", query_string={**RANGE, "lang": "en"}).get_data(as_text=True)
    for section in ("days", "heatmap", "busiest", "least-used", "categories", "regions", "map"):
        assert f'id="{section}"' in html
    assert html.count("<svg") == 2 and 'class="chart chart-heat"' in html
    assert "gy-idle" in html  # least used includes stations with zero check-ins
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attrs for attrs in scripts)
    assert "/vendor/leaflet/" in html and "cdn" not in html.lower()
    for name in ("summary", "days", "heatmap", "busiest", "least_used", "categories", "regions", "map"):
        assert f"/dashboard/export/{name}.csv?" in html and f"/dashboard/export/{name}.xlsx?" in html


def test_region_filter_drills_down_from_city_to_county(client, world):
    login(client, "gy")
    html = client.get("/dashboard/", query_string={**RANGE, "lang": "zh"}).get_data(as_text=True)
    assert "南明区" in html and "云岩区" in html
    county = client.get("/dashboard/", query_string={**RANGE, "region": "520103"}).get_data(as_text=True)
    assert figure(county, "count") == 3


@pytest.mark.parametrize(("days", "dots"), [(10, 10), (62, 62), (63, 0), (365, 0)])
def test_the_line_chart_marks_each_day_only_on_short_ranges(client, world, days, dots):
    assert login(client, "admin").status_code == 302
    first = date(2025, 3, 10) - timedelta(days=days - 1)
    html = client.get("/dashboard/", query_string={"from": first.isoformat(), "to": "2025-03-10"}).get_data(
        as_text=True
    )
    assert html.count('<circle class="dot"') == dots
    # The table under the chart keeps every day either way.
    table = re.search(r'data-table="days".*?</table>', html, re.S).group(0)
    assert table.count("<tr>") == days + 1


def test_the_page_counts_a_checkin_still_pending(app, client, world):
    with app.app_context():
        checkin(db.session.scalar(sa.select(Station).where(Station.ref == "bj-qxg-1")), NOW, "late-rider")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).where(Checkin.pending)) == 1
    login(client, "admin")
    html = client.get("/dashboard/", query_string=RANGE).get_data(as_text=True)
    assert figure(html, "count") == world_total(None) + 1


def test_the_daily_average_shows_a_quiet_station(client, world):
    # gy-nanming-2 has one check-in: over 30 days one decimal showed it as 0.0.
    login(client, "admin")
    query = {"from": "2025-02-09", "to": "2025-03-10", "station": "gy-nanming-2", "lang": "en"}
    html = client.get("/dashboard/", query_string=query).get_data(as_text=True)
    assert figure(html, "count") == 1
    card = re.search(r'data-figure="per_day".*?data-value="([^"]*)">([^<]*)<', html, re.S)
    assert card.groups() == ("0.033", "0.033")
    summary = client.get("/dashboard/export/summary.csv", query_string=query).data.decode("utf-8-sig")
    assert "Check-ins per day,0.033,0.0," in summary
