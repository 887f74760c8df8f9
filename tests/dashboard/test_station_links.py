"""Station names in the dashboard's rankings open the station's statistics, with an edit link if allowed."""

import html as html_lib
import re

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services import accounts
from tests.staff import login
from tests.stats_world import build_world, make_users

RANGE = {"from": "2025-03-01", "to": "2025-03-10"}


@pytest.fixture
def world(app):
    with app.app_context():
        build_world()
        make_users()
        return dict(db.session.execute(sa.select(Station.ref, Station.id)).all())


def section(page: str, name: str) -> str:
    match = re.search(rf'<section class="dash-section" id="{name}">(.*?)</section>', page, re.S)
    assert match, name
    return html_lib.unescape(match.group(1))


def links(fragment: str) -> dict[str, list[str]]:
    """Return each link text in a fragment with the hrefs it has."""
    found: dict[str, list[str]] = {}
    for href, label in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', fragment):
        found.setdefault(label.strip(), []).append(href)
    return found


def test_station_names_open_their_statistics_for_the_same_days(client, world):
    login(client, "gy")
    page = client.get("/dashboard/", query_string={**RANGE, "region": "520103"}).get_data(as_text=True)
    busiest = links(section(page, "busiest"))
    assert busiest["驿站 gy-yunyan-1"] == ["/dashboard/?station=gy-yunyan-1&from=2025-03-01&to=2025-03-10"]
    least = links(section(page, "least-used"))
    assert least["驿站 idle"] == ["/dashboard/?station=gy-idle&from=2025-03-01&to=2025-03-10"]
    assert 'href="/stations/' not in section(page, "busiest") + section(
        page, "least-used"
    )  # not the rider page
    # Following the link shows that one station's figures for the same days.
    station_page = client.get(busiest["驿站 gy-yunyan-1"][0]).get_data(as_text=True)
    assert re.search(r'data-figure="count".*?data-value="3"', station_page, re.S)
    assert 'value="2025-03-01"' in station_page and 'value="2025-03-10"' in station_page


def test_a_station_without_ref_links_by_its_id(client, world):
    login(client, "gy")
    page = client.get("/dashboard/", query_string={**RANGE, "region": "520103"}).get_data(as_text=True)
    least = links(section(page, "least-used"))
    assert least["驿站 without ref"][0] == f"/dashboard/?station={world[None]}&from=2025-03-01&to=2025-03-10"


@pytest.mark.parametrize("username", ["admin", "gy", "mgr"])
def test_those_who_may_edit_get_a_manage_link(client, world, username):
    login(client, username)
    page = client.get("/dashboard/", query_string={**RANGE, "lang": "en"}).get_data(as_text=True)
    busiest = links(section(page, "busiest"))
    assert f"/manage/stations/{world['gy-yunyan-1']}" in busiest["Manage"]
    assert 'aria-label="Manage 驿站 gy-yunyan-1"' in section(page, "busiest")
    # Every manage link on the page opens for this user.
    for href in busiest["Manage"] + links(section(page, "least-used")).get("Manage", []):
        assert client.get(href).status_code == 200, href


def test_no_manage_link_for_a_station_the_user_may_not_edit(client, world, monkeypatch):
    login(client, "admin")
    allowed = accounts.can_manage
    monkeypatch.setattr(
        accounts, "can_manage", lambda user, station: station.ref != "bj-qxg-1" and allowed(user, station)
    )
    page = client.get("/dashboard/", query_string=RANGE).get_data(as_text=True)
    busiest = section(page, "busiest")
    assert "驿站 bj-qxg-1" in busiest
    assert f"/manage/stations/{world['bj-qxg-1']}" not in busiest
    assert f"/manage/stations/{world['sz-nanshan-1']}" in busiest
    assert ">管理<" in busiest
