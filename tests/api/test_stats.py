"""GET /api/v1/stats/checkins: authentication, the scoping matrix, errors as problem+json, the OpenAPI doc."""

import pytest
import sqlalchemy as sa
import time_machine

from stationfinder.extensions import db
from stationfinder.models import Checkin
from stationfinder.services.posters import tokens as posters
from tests.factories import StationFactory, UserFactory
from tests.staff import login
from tests.stats_world import NOW, build_world, make_users, refs_in, token_for, world_total

URL = "/api/v1/stats/checkins"
RANGE = {"from": "2025-03-01", "to": "2025-03-10"}
# user label -> the regions whose figures it may see (None: everything)
SEES = {
    "admin": None,
    "staff-520000": "520000",
    "staff-520100": "520100",
    "staff-520502": "520502",
    "staff-440000": "440000",
}
ASKED = [None, "520000", "520100", "520103", "520500", "520502", "440000", "440305", "110000"]


@pytest.fixture
def world(app):
    with app.app_context():
        stations = build_world()
        users = make_users()
        tokens = {label: token_for(user) for label, user in users.items()}
        ids = {ref: s.id for ref, s in stations.items()}
    return {"tokens": tokens, "ids": ids}


def get(client, token=None, **params):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get(URL, query_string={**RANGE, **params}, headers=headers)


def _covers(own: str | None, asked: str | None) -> bool:
    if own is None:
        return True
    if asked is None:
        return False
    short = own[:2] if own.endswith("0000") else own[:4] if own.endswith("00") else own
    return asked.startswith(short) and len(asked.rstrip("0")) >= len(short)


@pytest.mark.parametrize("label", sorted(SEES))
@pytest.mark.parametrize("asked", ASKED)
def test_scoping_matrix(client, world, label, asked):
    own = SEES[label]
    response = get(client, world["tokens"][label], region=asked, group_by="station")
    if asked is not None and not _covers(own, asked):
        assert response.status_code == 403
        assert response.content_type == "application/problem+json"
        assert not {"total", "groups", "unique_devices"} & set(response.get_json())
        return
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    region = asked if asked is not None else own
    assert body["total"] == world_total(region)
    keys = {g["key"] for g in body["groups"]}
    no_ref = str(world["ids"]["no-ref"])
    assert keys - {no_ref} == refs_in(region)
    # No figure from elsewhere, in any grouping.
    for group_by in ("day", "hour", "weekday", "category", "region"):
        groups = get(client, world["tokens"][label], region=asked, group_by=group_by).get_json()["groups"]
        assert sum(g["count"] for g in groups) == body["total"]


def test_a_manager_sees_their_station_and_nothing_else(client, world):
    token = world["tokens"]["manager"]
    body = get(client, token, group_by="station").get_json()
    assert body["total"] == 3 and [g["key"] for g in body["groups"]] == ["gy-yunyan-1"]
    assert get(client, token, region="520103").status_code == 403
    assert get(client, token, station="bj-qxg-1").status_code == 403
    assert get(client, token, station="gy-yunyan-1").get_json()["total"] == 3


def test_without_credentials_it_is_401_problem_json(client, world):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
        response = client.get(URL, headers=headers)
        assert response.status_code == 401
        assert response.content_type == "application/problem+json"
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")


def test_an_answer_counts_a_checkin_recorded_just_before(app_factory):
    # Workers fold only every 1000 check-ins or an hour here: the GET itself must count the pending one.
    app = app_factory(ROLLUP_FOLD_EVERY=1000, ROLLUP_FOLD_SECONDS=3600.0)
    client = app.test_client()
    with app.app_context():
        token = posters.current_poster(StationFactory(region_code="520502")).token
        bearer = token_for(UserFactory(admin=True, username="root"))
    assert client.post("/api/v1/checkins", json={"token": token, "device_id": "a"}).status_code == 201
    with app.app_context():
        assert db.session.scalar(sa.select(Checkin.pending)) is True
    # The default range: the 30 local days ending today.
    body = client.get(URL, headers={"Authorization": f"Bearer {bearer}"}).get_json()
    assert (body["total"], body["unique_devices"]) == (1, 1)
    with app.app_context():
        assert db.session.scalar(sa.select(Checkin.pending)) is False


def test_a_logged_in_session_works_too(client, world):
    assert login(client, "gy").status_code == 302
    body = client.get(URL, query_string=RANGE).get_json()
    assert body["total"] == world_total("520100")


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"from": "2025-02-30"}, 400),
        ({"from": "03/01/2025"}, 400),
        ({"from": "20250301"}, 400),
        ({"to": "2025-3-10"}, 400),
        ({"to": "yesterday"}, 400),
        ({"from": "2025-03-10", "to": "2025-03-01"}, 400),
        ({"from": "2022-03-09", "to": "2025-03-10"}, 400),
        ({"group_by": "month"}, 400),
        ({"region": "52"}, 400),
        ({"station": "no-such-station"}, 404),
        ({"region": "520100", "station": "bj-qxg-1"}, 400),
    ],
)
def test_bad_questions_are_problem_json(client, world, params, status):
    response = get(client, world["tokens"]["admin"], **params)
    assert response.status_code == status
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status and problem["detail"]


def test_days_outside_2000_to_2100_are_a_400_problem_not_a_500(client, world):
    headers = {"Authorization": f"Bearer {world['tokens']['admin']}"}
    for query in (
        {"to": "9999-12-31"},
        {"from": "0001-01-01", "to": "0001-01-31"},
        {"to": "0001-01-05"},
        {"from": "1999-12-31", "to": "2000-01-05"},
        {"from": "2100-12-01", "to": "2101-01-01"},
    ):
        response = client.get(URL, query_string=query, headers=headers)
        assert response.status_code == 400, query
        assert response.content_type == "application/problem+json"
        problem = response.get_json()
        assert problem["type"].endswith("/invalid-query") and "2000-01-01" in problem["detail"], query
    for query, days in (
        ({"from": "2000-01-01", "to": "2000-01-31"}, ("2000-01-01", "2000-01-31")),
        ({"from": "2100-12-01", "to": "2100-12-31"}, ("2100-12-01", "2100-12-31")),
        # The default start (29 days before `to`) stops at the window's first day.
        ({"to": "2000-01-10"}, ("2000-01-01", "2000-01-10")),
    ):
        body = client.get(URL, query_string={**query, "group_by": "day"}, headers=headers).get_json()
        assert (body["from"], body["to"], body["total"]) == (*days, 0), query


def test_answer_shape_keys_labels_and_language(client, world):
    token = world["tokens"]["admin"]
    body = get(client, token, group_by="station", region="520103").get_json()
    assert set(body) == {"from", "to", "timezone", "total", "unique_devices", "groups"}
    assert (body["from"], body["to"], body["timezone"]) == ("2025-03-01", "2025-03-10", "Asia/Shanghai")
    assert {tuple(sorted(g)) for g in body["groups"]} == {("count", "key", "label", "unique_devices")}
    keys = {g["key"]: g for g in body["groups"]}
    assert keys[str(world["ids"]["no-ref"])]["label"] == "驿站 without ref"
    english = get(client, token, group_by="category", lang="en").get_json()["groups"]
    assert english[0] == {
        "key": "food_delivery",
        "label": "Food delivery rider",
        "count": 11,  # every third check-in of each county: 1 + 1 + 2 + 3 + 4
        "unique_devices": 11,
    }
    chinese = get(client, token, group_by="category", lang="zh").get_json()["groups"]
    assert chinese[0]["label"] == "外卖骑手"
    assert get(client, token).get_json()["groups"] == []


def test_default_range_is_the_last_30_local_days(client, world):
    with time_machine.travel(NOW, tick=False):
        body = client.get(URL, headers={"Authorization": f"Bearer {world['tokens']['admin']}"}).get_json()
    assert (body["from"], body["to"]) == ("2025-02-09", "2025-03-10")
    assert body["total"] == world_total(None)


def test_openapi_documents_parameters_and_unique_semantics(client, app):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/stats/checkins"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {p["schema"].get("format") for p in operation["parameters"] if p["name"] in ("from", "to")} == {
        "date"
    }
    assert names == {"from", "to", "region", "station", "group_by"}
    group_by = next(p for p in operation["parameters"] if p["name"] == "group_by")
    assert group_by["schema"]["enum"] == ["day", "hour", "weekday", "station", "category", "region"]
    text = str(spec)
    assert "rider-days" in text and "distinct daily device hashes" in text
    assert {"200", "400", "401", "403", "404"} <= set(operation["responses"])
    with app.app_context():
        db.session.remove()
