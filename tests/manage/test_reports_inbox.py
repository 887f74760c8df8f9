"""/manage/reports: the inbox and a ticket's page and photo, for each role and region (the scoping matrix)."""

import itertools
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stationfinder.extensions import db
from stationfinder.models import Report, ReportPhoto
from stationfinder.services import reports
from stationfinder.services.reports import photos
from tests.factories import StationFactory
from tests.photos import phone_jpeg
from tests.reports_world import REPORTS, SEES, make_report_world
from tests.staff import login

WITH_PHOTO = ("station-gy", "community-bj")


@pytest.fixture
def world(app):
    """Return the codes of the reports world; two of its reports have a photo."""
    codes = make_report_world(app)
    with app.app_context():
        for key in WITH_PHOTO:
            report = reports.by_code(codes[key])
            content_type, data = photos.clean(phone_jpeg(300, 100))
            db.session.add(ReportPhoto(report_id=report.id, content_type=content_type, data=data))
        db.session.commit()
    return codes


def listed(response) -> set[str]:
    """Return the tracking codes an inbox page lists."""
    return set(re.findall(r'data-code="([A-Z0-9]{8})"', response.get_data(as_text=True)))


@pytest.mark.parametrize("name", sorted(SEES))
def test_the_inbox_lists_exactly_the_reports_in_scope(client, world, name):
    assert login(client, name).status_code == 302
    response = client.get("/manage/reports", query_string={"status": "all"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert listed(response) == {world[key] for key in SEES[name]}


@pytest.mark.parametrize(("name", "key"), list(itertools.product(sorted(SEES), REPORTS)))
def test_the_ticket_page_only_in_scope(client, world, name, key):
    login(client, name)
    response = client.get(f"/manage/reports/{world[key]}", query_string={"lang": "en"})
    html = response.get_data(as_text=True)
    if key in SEES[name]:
        assert response.status_code == 200
        assert world[key] in html and 'name="status"' in html
    else:
        assert response.status_code == 403
        assert "outside the area you look after" in html and world[key] not in html
        # The staff layout, so nobody is left stranded.
        assert 'class="staff-nav"' in html


@pytest.mark.parametrize(("name", "key"), list(itertools.product(sorted(SEES), WITH_PHOTO)))
def test_the_photo_only_in_scope_and_never_cached(client, world, name, key):
    login(client, name)
    response = client.get(f"/manage/reports/{world[key]}/photo")
    if key in SEES[name]:
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg" and response.data.startswith(b"\xff\xd8")
        assert response.headers["Cache-Control"] == "private, no-store"
        assert b"GPS" not in response.data and b"SecretPhoneMaker" not in response.data
    else:
        assert response.status_code == 403


def test_the_ticket_page_shows_the_photo_map_and_history(client, world):
    login(client, "staff_520500")
    html = client.get(f"/manage/reports/{world['community-bj']}", query_string={"lang": "en"}).get_data(
        as_text=True
    )
    assert f'src="/manage/reports/{world["community-bj"]}/photo"' in html
    assert 'id="report-map"' in html and 'data-lat="27.3"' in html and 'data-lon="105.28"' in html
    assert "/vendor/leaflet/leaflet.js" in html and "cdn" not in html.lower()
    assert re.search(r"/static/js/manage_report\.[0-9a-f]{12}\.js", html)
    assert "A rider (filed the report)" in html
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert scripts == []
    # A station report's map shows its station.
    html = client.get(f"/manage/reports/{world['station-bj']}", query_string={"lang": "en"}).get_data(
        as_text=True
    )
    assert "the station's position" in html and "station-bj" in html


@pytest.mark.parametrize(
    ("lang", "text"), [("en", "outside the area you look after"), ("zh", "这条反馈不在您的管理范围内")]
)
def test_outside_the_scope_the_page_speaks_the_users_language(client, world, lang, text):
    login(client, "manager_bj")
    response = client.get(f"/manage/reports/{world['station-gy']}", query_string={"lang": lang})
    assert response.status_code == 403 and text in response.get_data(as_text=True)


@pytest.mark.parametrize("code", ["AAAAAAAA", "nope", "%00", "23456789"])
def test_an_unknown_code_is_a_404_page(client, world, code):
    login(client, "admin")
    response = client.get(f"/manage/reports/{code}", query_string={"lang": "en"})
    assert response.status_code == 404 and "We could not find that page." in response.get_data(as_text=True)
    assert client.get(f"/manage/reports/{code}/photo").status_code == 404


def test_a_report_without_photo_has_no_photo(client, world):
    login(client, "admin")
    assert client.get(f"/manage/reports/{world['community-gy']}/photo").status_code == 404
    html = client.get(f"/manage/reports/{world['community-gy']}").get_data(as_text=True)
    assert "/photo" not in html


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for path in (
        "/manage/reports",
        f"/manage/reports/{world['station-gy']}",
        f"/manage/reports/{world['station-gy']}/photo",
    ):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_menu_links_the_inbox_with_the_open_count(client, world):
    login(client, "staff_520100")
    html = client.get("/manage/", query_string={"lang": "en"}).get_data(as_text=True)
    assert '<a href="/manage/reports">Reports (2 open)</a>' in html
    html = client.get("/manage/reports", query_string={"lang": "en"}).get_data(as_text=True)
    assert '<a href="/manage/reports" aria-current="page">Reports (2 open)</a>' in html
    assert '<a href="/manage/" aria-current' not in html
    other = client.application.test_client()
    login(other, "manager_bj")
    html = other.get("/manage/", query_string={"lang": "zh"}).get_data(as_text=True)
    assert "反馈（1）" in html


@pytest.fixture
def busy(app, world):
    """Add 25 "other" reports in station-gy's county, one a minute from 2025-03-01; return codes by age."""
    start = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    with app.app_context():
        station = reports.by_code(world["station-gy"]).station
        codes = []
        for i in range(25):
            # One station, one category at a time: "other" reports of distinct stations never merge.
            extra = StationFactory(region_code=station.region_code, name=f"extra-{i}")
            report, merged = reports.file_report(
                "station", "other", station_id=extra.id, now=start + timedelta(minutes=i)
            )
            assert not merged
            codes.append(report.code)
        db.session.commit()
    return codes


def test_the_inbox_is_newest_first_and_paginated(client, busy):
    login(client, "staff_520100")
    first = client.get("/manage/reports", query_string={"category": "other", "lang": "en"})
    html = first.get_data(as_text=True)
    order = re.findall(r'data-code="([A-Z0-9]{8})"', html)
    assert order == list(reversed(busy))[:20]
    assert "25 reports" in html and "Page 1 of 2" in html
    second = client.get("/manage/reports", query_string={"category": "other", "page": 2})
    assert (
        re.findall(r'data-code="([A-Z0-9]{8})"', second.get_data(as_text=True)) == list(reversed(busy))[20:]
    )
    far = client.get("/manage/reports", query_string={"page": 10**30})
    assert far.status_code == 200 and listed(far) == set()


def test_the_filters(app, client, world):
    with app.app_context():
        gy = reports.by_code(world["community-gy"])
        gy.created_at = datetime(2025, 1, 1, tzinfo=UTC)  # long overdue
        db.session.commit()
    login(client, "admin")

    def codes(**params):
        return listed(client.get("/manage/reports", query_string=params))

    everything = {world[key] for key in REPORTS}
    assert codes() == everything  # the open ones, by default
    assert codes(status="closed") == set()
    assert codes(status="open") == everything == codes(status="all") == codes(status="bogus")
    assert codes(category="no_water") == {world["station-gy"], world["station-bj"]}
    assert codes(category="blocked_passage", overdue="1") == {world["community-gy"]}
    assert codes(station="station-gy") == set()  # a name is not a code
    with app.app_context():
        station_id = reports.by_code(world["station-bj"]).station_id
    assert codes(station=str(station_id)) == {world["station-bj"]}
    html = client.get("/manage/reports", query_string={"overdue": "1", "lang": "en"}).get_data(as_text=True)
    assert 'data-testid="overdue"' in html and "is-overdue" in html


@pytest.mark.parametrize(
    ("name", "station", "status", "text"),
    [
        ("admin", "no-such-station", 404, "There is no station with that code."),
        ("staff_520500", "GY", 403, "outside your area"),
    ],
)
def test_a_bad_station_filter_gets_a_friendly_message(app, client, world, name, station, status, text):
    with app.app_context():
        gy = reports.by_code(world["station-gy"]).station_id
    login(client, name)
    response = client.get(
        "/manage/reports", query_string={"station": str(gy) if station == "GY" else station, "lang": "en"}
    )
    assert response.status_code == status and text in response.get_data(as_text=True)


def test_a_manager_picks_one_of_their_stations(client, world):
    login(client, "manager_gy")
    html = client.get("/manage/reports", query_string={"lang": "en"}).get_data(as_text=True)
    assert re.search(r'<select id="f-station" name="station">.*station-gy', html, re.S)
    assert "station-bj" not in html


def test_deleted_reports_stay_out_of_the_count(app, client, world):
    with app.app_context():
        db.session.execute(sa.delete(Report).where(Report.code == world["community-gy"]))
        db.session.commit()
    login(client, "staff_520100")
    html = client.get("/manage/", query_string={"lang": "en"}).get_data(as_text=True)
    assert "Reports (1 open)" in html


FUZZ_KEYS = ("status", "category", "station", "overdue", "page", "from", "to", "region", "lang")
FUZZ_VALUES = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["open", "closed", "all", "fixed", "other", "1", "0", "%00", "\x00", "520000", "１２"]),
)


@pytest.fixture
def fuzz_clients(app, world):
    out = {}
    for name in ("admin", "staff_520100", "manager_gy"):
        out[name] = app.test_client()
        login(out[name], name)
    return out


@pytest.mark.parametrize("path", ["/manage/reports", "/dashboard/export/reports.csv"])
@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    name=st.sampled_from(("admin", "staff_520100", "manager_gy")),
    query=st.dictionaries(st.sampled_from(FUZZ_KEYS), FUZZ_VALUES, max_size=5),
)
@example(name="admin", query={"page": "99999999999999999999999"})
@example(name="admin", query={"station": "a\x00b"})
def test_the_inbox_survives_any_query_string(fuzz_clients, path, name, query):
    """No 5xx: a bad filter is a page in the user's language, never a traceback."""
    response = fuzz_clients[name].get(path, query_string=query)
    assert response.status_code < 500, query
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_place_outside_guizhou_is_named_by_the_county_boundaries(client, world):
    login(client, "staff_440000")
    html = client.get("/manage/reports").get_data(as_text=True)
    assert "福田区" in html
    html = client.get(f"/manage/reports/{world['community-sz']}").get_data(as_text=True)
    assert "福田区 (440304)" in html
