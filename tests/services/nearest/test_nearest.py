"""The nearest search: exact against a brute-force geopy oracle, filters, and refresh on writes."""

import copy
import random
from datetime import UTC, datetime

import numpy as np
import pytest
import sqlalchemy as sa
from geopy.distance import geodesic

from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services import busy, dataset
from stationfinder.services.nearest import search as nearest
from stationfinder.services.nearest.packed import PackedStrings
from stationfinder.services.nearest.search import INDEX, StationIndex
from stationfinder.services.stations import lookup as stations
from tests.factories import StationFactory

MONDAY_10_LOCAL = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
MONDAY_22_LOCAL = datetime(2026, 6, 1, 14, 0, tzinfo=UTC)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def insert(rows: list[dict]) -> None:
    """Insert stations in bulk and bump the dataset version, as every station write must."""
    db.session.execute(sa.insert(Station), rows)
    dataset.bump()
    db.session.commit()


def add(**fields) -> Station:
    station = StationFactory(**fields)
    dataset.bump()
    db.session.commit()
    return station


def random_stations(rng: random.Random, n: int) -> list[dict]:
    """Stations clustered in three Guizhou towns, with exact duplicates and near-ties."""
    towns = [(26.58, 106.71), (27.30, 105.29), (27.72, 106.93)]
    rows = []
    for i in range(n):
        lat, lon = rng.choice(towns)
        spread = rng.choice((0.002, 0.02, 0.2))
        rows.append(
            {
                "name": f"驿站 {i}",
                "lat": lat + rng.gauss(0, spread),
                "lon": lon + rng.gauss(0, spread),
                "amenity_mask": rng.getrandbits(4),
                "opening_hours": rng.choice(("24/7", "Mo-Fr 08:00-20:00", "Mo-Su 06:00-12:00")),
                "status": rng.choices(("open", "temporarily_closed", "closed"), weights=(8, 1, 1))[0],
            }
        )
    # Exact duplicates and stations a few centimetres apart: ties the answer may order either way.
    for j in range(0, 40, 4):
        twin = dict(rows[j], name=f"twin {j}")
        near = dict(rows[j], name=f"near {j}", lat=rows[j]["lat"] + 2e-7)
        rows += [twin, near]
    return rows


def oracle(rows, ids, lat, lon, keep):
    d = np.array([geodesic((lat, lon), (r["lat"], r["lon"])).meters if keep(r) else np.inf for r in rows])
    return dict(zip(ids, d, strict=True))


def check_exact(found, truth: dict, limit: int):
    expected = sorted(d for d in truth.values() if np.isfinite(d))[:limit]
    assert len(found) == len(expected)
    for station, e in zip(found, expected, strict=True):
        true_d = truth[station["id"]]
        # distance_m is the geodesic within max(2 m, 0.01 %); rank by rank it is the oracle's (ties: 1 m).
        assert abs(station["distance_m"] - true_d) <= max(2.0, 1e-4 * true_d)
        assert abs(true_d - e) < 1.0
    returned = {s["id"] for s in found}
    if found and len(found) == limit:
        cut = truth[found[-1]["id"]]
        assert all(d >= cut - 1.0 for i, d in truth.items() if i not in returned)


def test_exact_against_geopy_oracle_with_filters(ctx):
    rng = random.Random(20260601)
    rows = random_stations(rng, 400)
    insert(rows)
    ids = list(db.session.scalars(sa.select(Station.id).order_by(Station.id)))
    by_id = dict(zip(ids, rows, strict=True))
    local = MONDAY_22_LOCAL.astimezone(stations.local_zone())
    cases = [
        ({}, lambda r: r["status"] != "closed"),
        ({"amenities": ["air_conditioning"]}, lambda r: r["status"] != "closed" and r["amenity_mask"] & 1),
        (
            {"amenities": ["air_conditioning", "drinking_water", "hot_water"]},
            lambda r: r["status"] != "closed" and r["amenity_mask"] & 7 == 7,
        ),
        ({"open_now": True}, lambda r: stations.open_at(r["status"], r["opening_hours"], local)),
        ({"max_distance_m": 3000.0}, lambda r: r["status"] != "closed"),
    ]
    for q in range(12):
        town_lat, town_lon = rng.choice([(26.58, 106.71), (27.30, 105.29), (27.72, 106.93), (26.9, 106.0)])
        lat, lon = town_lat + rng.gauss(0, 0.05), town_lon + rng.gauss(0, 0.05)
        kwargs, keep = cases[q % len(cases)]
        limit = (1, 5, 20, 50)[q % 4]
        found = nearest.nearest(lat, lon, limit=limit, now=MONDAY_22_LOCAL, **kwargs)
        truth = oracle(rows, ids, lat, lon, keep)
        if "max_distance_m" in kwargs:
            truth = {i: (d if d <= kwargs["max_distance_m"] else np.inf) for i, d in truth.items()}
        check_exact(found, truth, limit)
        for s in found:
            assert by_id[s["id"]]["name"] == s["name"]


def test_tied_stations_all_come_back(ctx):
    insert([{"name": f"same {i}", "lat": 26.58, "lon": 106.71} for i in range(6)])
    found = nearest.nearest(26.58, 106.71, limit=6)
    assert sorted(s["name"] for s in found) == [f"same {i}" for i in range(6)]
    assert all(s["distance_m"] == 0 for s in found)


def test_closed_never_appear_and_temporarily_closed_are_not_open(ctx):
    closed = add(lat=26.58, lon=106.71, status="closed")
    paused = add(lat=26.581, lon=106.71, status="temporarily_closed")
    found = nearest.nearest(26.58, 106.71, limit=5)
    assert [s["id"] for s in found] == [paused.id]
    assert found[0]["open_now"] is False and found[0]["status"] == "temporarily_closed"
    assert closed.id not in {s["id"] for s in found}
    assert nearest.nearest(26.58, 106.71, open_now=True) == []


def test_open_now_uses_local_hours(ctx):
    day = add(lat=26.58, lon=106.71, opening_hours="Mo-Fr 08:00-20:00")
    night = add(lat=26.60, lon=106.71, opening_hours="Mo-Su 20:00-06:00")
    assert [s["id"] for s in nearest.nearest(26.58, 106.71, open_now=True, now=MONDAY_10_LOCAL)] == [day.id]
    assert [s["id"] for s in nearest.nearest(26.58, 106.71, open_now=True, now=MONDAY_22_LOCAL)] == [night.id]
    both = nearest.nearest(26.58, 106.71, now=MONDAY_22_LOCAL)
    assert [(s["id"], s["open_now"]) for s in both] == [(day.id, False), (night.id, True)]


def test_far_away_stations_are_found_without_max_distance(ctx):
    far = add(lat=45.75, lon=126.65)  # Harbin, about 2,900 km from Guiyang
    found = nearest.nearest(26.58, 106.71)
    assert [s["id"] for s in found] == [far.id]
    assert found[0]["distance_m"] == pytest.approx(geodesic((26.58, 106.71), (45.75, 126.65)).meters, abs=2)
    assert nearest.nearest(26.58, 106.71, max_distance_m=1_000_000) == []


def test_empty_dataset(ctx):
    assert nearest.nearest(26.58, 106.71) == []


def test_refreshes_after_a_write_and_bump(ctx):
    first = add(lat=26.60, lon=106.71)
    assert [s["id"] for s in nearest.nearest(26.58, 106.71)] == [first.id]
    closer = add(lat=26.581, lon=106.71)
    assert [s["id"] for s in nearest.nearest(26.58, 106.71)] == [closer.id, first.id]
    # Moving and renaming a station shows at once, too.
    first.lat, first.name = 26.5801, "moved"
    dataset.bump()
    db.session.commit()
    found = nearest.nearest(26.58, 106.71)
    assert [(s["id"], s["name"]) for s in found] == [(first.id, "moved"), (closer.id, closer.name)]


def test_version_check_is_throttled(app_factory):
    app = app_factory(INDEX_REFRESH_SECONDS=3600)
    with app.app_context():
        add(lat=26.60, lon=106.71)
        assert len(nearest.nearest(26.58, 106.71)) == 1
        built = nearest.get_index()
        add(lat=26.581, lon=106.71)
        # Within the refresh period the index is neither checked nor rebuilt.
        assert len(nearest.nearest(26.58, 106.71)) == 1
        assert nearest.get_index() is built
        INDEX.store().checked_at -= 3601
        assert len(nearest.nearest(26.58, 106.71)) == 2
        assert nearest.get_index() is not built


def test_unchanged_version_keeps_the_index(ctx):
    add(lat=26.60, lon=106.71)
    nearest.nearest(26.58, 106.71)
    built = nearest.get_index()
    nearest.nearest(26.0, 106.0)
    assert nearest.get_index() is built


def test_stations_written_without_a_version_are_found_at_once(ctx):
    # Fixtures write stations without bumping the version: before the first bump nothing is kept.
    first = StationFactory(lat=26.60, lon=106.71)
    db.session.commit()
    assert [s["id"] for s in nearest.nearest(26.58, 106.71)] == [first.id]
    closer = StationFactory(lat=26.581, lon=106.71)
    db.session.commit()
    assert [s["id"] for s in nearest.nearest(26.58, 106.71)] == [closer.id, first.id]


def test_index_answer_matches_to_dict(ctx):
    station = add(
        ref="gz-1",
        name="毕城",
        address="碧阳街道",
        lat=27.2966,
        lon=105.2958,
        region_code="520502",
        amenity_mask=0b1011,
        phone="0857-1234567",
        seats=8,
        area_m2=160,
        is_demo=True,
        access="members",
        last_verified_at=datetime(2026, 5, 1, 4, 0, 0, 123456, tzinfo=UTC),
    )
    (found,) = nearest.nearest(27.30, 105.29, now=MONDAY_10_LOCAL)
    full = stations.to_dict(station, distance_m=found["distance_m"], now=MONDAY_10_LOCAL)
    busy.annotate([full], now=MONDAY_10_LOCAL)
    # The search answers from memory without the station page's details (phone, capacity, verification).
    assert set(full) - set(found) == {"phone", "seats", "area_m2", "last_verified_at"}
    assert found == {key: full[key] for key in found}
    assert found["access"] == "members" and found["is_demo"] is True


def test_stations_answered_again_come_back_equal_and_each_answer_owns_its_dicts(ctx, monkeypatch):
    monkeypatch.setattr(nearest, "_KEPT", 3)
    insert(random_stations(random.Random(2), 60))
    first = nearest.nearest(26.58, 106.71, limit=2, now=MONDAY_10_LOCAL)
    index = nearest.get_index()
    assert len(index.kept) == 2
    expected = copy.deepcopy(first)
    first[0]["nav"]["amap"] = "changed"
    first[0]["amenities"].append("changed")
    first[1]["name"] = "changed"
    again = nearest.nearest(26.58, 106.71, limit=2, now=MONDAY_10_LOCAL)
    assert again == expected
    # What is kept does not depend on the hour: the open state is worked out for each answer.
    late = nearest.nearest(26.58, 106.71, limit=2, now=MONDAY_22_LOCAL)
    local = MONDAY_22_LOCAL.astimezone(stations.local_zone())
    expected_open = [stations.open_at(s["status"], s["opening_hours"], local) for s in late]
    assert [s["open_now"] for s in late] == expected_open
    # More stations than it may keep: the least recently answered make room.
    nearest.nearest(27.30, 105.29, limit=5, now=MONDAY_10_LOCAL)
    assert len(index.kept) == 3


def test_index_is_columnar(ctx):
    insert(random_stations(random.Random(1), 300))
    nearest.nearest(26.58, 106.71)
    index = nearest.get_index()
    assert isinstance(index, StationIndex)
    assert len(index) == db.session.scalar(sa.select(sa.func.count()).where(Station.status != "closed"))
    for column in (index.ids, index.lat, index.lon, index.masks):
        assert isinstance(column, np.ndarray) and len(column) == len(index)
    assert isinstance(index.names, PackedStrings)
    # Well under a kilobyte per station, tree included.
    assert index.nbytes < 400 * len(index)


def test_the_open_set_keeps_its_tree_until_opening_or_closing_time(ctx):
    day = add(lat=26.58, lon=106.71, opening_hours="Mo-Fr 08:00-20:00")
    always = add(lat=26.70, lon=106.71, opening_hours="24/7")
    index = nearest.get_index()
    zone = stations.local_zone()
    at_10 = index.open_at(MONDAY_10_LOCAL.astimezone(zone))
    at_1001 = index.open_at(datetime(2026, 6, 1, 2, 1, 30, tzinfo=UTC).astimezone(zone))
    assert at_1001.points is at_10.points and at_1001.minute != at_10.minute
    assert sorted(index.ids[at_10.rows].tolist()) == [day.id, always.id]
    at_22 = index.open_at(MONDAY_22_LOCAL.astimezone(zone))
    assert at_22.points is not at_10.points
    assert index.ids[at_22.rows].tolist() == [always.id]
    # The nearest open station to the day station at night is the 24/7 one, 13 km north.
    reach = nearest.nearest_open_m(26.58, 106.71, [], complete=False, horizon_m=20_000, now=MONDAY_22_LOCAL)
    assert reach == pytest.approx(geodesic((26.58, 106.71), (26.70, 106.71)).meters, abs=1)
    assert (
        nearest.nearest_open_m(26.58, 106.71, [], complete=False, horizon_m=10_000, now=MONDAY_22_LOCAL)
        is None
    )


def test_open_now_with_amenities_and_skipped_stations_against_the_oracle(ctx):
    rng = random.Random(15)
    rows = random_stations(rng, 300)
    insert(rows)
    ids = list(db.session.scalars(sa.select(Station.id).order_by(Station.id)))
    index = nearest.get_index()
    assert index.ids.tolist() == [i for i, r in zip(ids, rows, strict=True) if r["status"] != "closed"]
    known = [dict(r, id=i) for i, r in zip(ids, rows, strict=True)]
    skipped = set(rng.sample(ids, 60))
    skip = np.isin(index.ids, list(skipped))
    for now in (MONDAY_10_LOCAL, MONDAY_22_LOCAL):
        local = now.astimezone(stations.local_zone())
        for q in range(6):
            lat, lon = 26.58 + rng.gauss(0, 0.1), 106.71 + rng.gauss(0, 0.1)
            mask = (0, 1, 3)[q % 3]
            top, metres = index.search(lat, lon, limit=7, mask=mask, local=local, skip=skip)
            found = [
                {"id": int(i), "distance_m": float(m)} for i, m in zip(index.ids[top], metres, strict=True)
            ]
            truth = oracle(
                known,
                ids,
                lat,
                lon,
                lambda r, m=mask, t=local: (
                    r["id"] not in skipped
                    and r["amenity_mask"] & m == m
                    and stations.open_at(r["status"], r["opening_hours"], t)
                ),
            )
            check_exact(found, truth, 7)
