"""Property-based robustness of the staff pages: any query string gets a page, never a 500.

The JSON API is fuzzed from its OpenAPI document (tests/api/test_fuzz.py); the HTML
pages have no such document, so hypothesis draws their query strings here: the
filters they read (from, to, region, station, page, q, next, lang) with arbitrary
text, dates of any year and integers of any size. Like the whole suite, it runs on
SQLite and, with TEST_DATABASE_URL, on PostgreSQL.
"""

from datetime import date

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from stationfinder.extensions import db
from stationfinder.models import Station
from tests.staff import login
from tests.stats_world import build_world, make_users

# Per page; the module must stay well under a minute on either database.
MAX_EXAMPLES = 60
PAGES = (
    "/dashboard/",
    "/dashboard/export/summary.csv",
    "/dashboard/export/map.xlsx",
    "/dashboard/export/regions.csv",
    "/manage/",
    "/manage/posters",
    "/manage/stations/{id}",
    "/login",
)
KEYS = ("from", "to", "region", "station", "page", "q", "next", "lang")
USERS = ("admin", "gy", "mgr")  # the whole country, a city's staff, one station's manager

# Lone surrogates cannot travel in a URL at all; every other code point, NUL included, may.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
EDGES = st.sampled_from(
    [
        "0001-01-01",
        "9999-12-31",
        "1999-12-31",
        "2000-01-01",
        "2100-12-31",
        "2101-01-01",
        "2025-02-29",
        "2024-02-29",
        "520000",
        "520103",
        "110105",
        "000000",
        "gy-yunyan-1",
        "bj-qxg-1",
        "%00",
        "\x00",
        "NaN",
        "１２",
        "-0",
    ]
)
VALUES = st.one_of(
    TEXT,
    st.dates().map(date.isoformat),
    st.integers().map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    EDGES,
)
QUERIES = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=5)


@pytest.fixture
def clients(app):
    """Return a logged-in client per user of the statistics world, and a station id."""
    with app.app_context():
        build_world()
        make_users()
        station_id = db.session.scalar(db.select(Station.id).where(Station.ref == "gy-yunyan-1"))
    out = {}
    for username in USERS:
        out[username] = app.test_client()
        assert login(out[username], username).status_code == 302
    return out, station_id


@pytest.mark.parametrize("path", PAGES)
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(user=st.sampled_from(USERS), query=QUERIES)
@example(user="admin", query={"from": "0001-01-01", "to": "0001-01-31"})
@example(user="admin", query={"to": "9999-12-31"})
@example(user="gy", query={"page": "99999999999999999999"})
@example(user="admin", query={"station": "a\x00b"})
@example(user="admin", query={"q": "a\x00b", "next": "/manage/?q=\x00"})
@example(user="admin", query={"region": "52\x000000"})
def test_staff_pages_survive_any_query_string(clients, path, user, query):
    """No 5xx; an error is a page in the user's language, not a traceback."""
    by_user, station_id = clients
    response = by_user[user].get(path.format(id=station_id), query_string=query)
    assert response.status_code < 500, (path, query)
    if response.status_code >= 400:
        assert response.mimetype == "text/html", (path, query)
        assert "Traceback" not in response.get_data(as_text=True)
