"""benchmarks.coverage: seeds stations inside a region, and its worker measures cold, cached and edited."""

import shapely

from benchmarks import coverage
from benchmarks.harness import Database
from stationfinder.geo import counties


def _database(database) -> Database:
    """Return the session's database as the benchmarks' Database (its schema, on PostgreSQL)."""
    options = database["engine_options"].get("connect_args", {}).get("options", "")
    schema = options.split("=", 1)[1] if options else None
    return Database(database["backend"], database["url"], schema)


def test_points_lie_inside_the_region_and_name_their_county():
    lat, lon, codes = coverage.points("520500", 200)
    assert len(lat) == len(lon) == len(codes) == 200
    assert shapely.intersects_xy(counties.region_geometry("520500"), lon, lat).all()
    assert {c[:4] for c in codes} == {"5205"}
    again = coverage.points("520500", 200)
    assert (again[0] == lat).all()  # seeded: the same stations every run


def test_worker_measures_cold_cached_and_a_station_edit(app_factory, database, monkeypatch):
    import stationfinder

    # The child makes a served app (not a test app), which would freeze the test process's heap.
    monkeypatch.setattr(stationfinder, "settle_memory", lambda app: None)
    app_factory()  # wipes the rows afterwards
    bench = _database(database)
    _, token = coverage.fill(bench, "520502", 40)
    out = coverage.child(bench.as_args(), "520502", token, 3, True)
    assert out["counties"] == 1 and 30 <= out["stations"] <= 40 and 0 < out["share"] < 1
    assert out["edited_stations"] == out["stations"] - 1
    assert len(out["cached"]) == 3 and out["load_s"] > 0 and out["cold_s"] > 0

    result = {
        "backend": bench.backend, "region": "520502", "n": 40, "fill_s": 1.0, "first": out, "runs": 1,
        "cold": (out["cold_s"],) * 3, "warm_cold": (out["cold_s"],) * 3, "polygons": (out["load_s"],) * 3,
        "union": (out["union_s"],) * 3, "index": (out["index_build_s"],) * 3,
        "cached": {"median_ms": 1.0, "p95_ms": 2.0, "n": 3}, "edited": (out["edited_s"],) * 3,
        "after_edit": (out["after_edit_ms"],) * 3, "load": out["load"],
    }  # fmt: skip
    text = coverage.report([result], 3)
    assert text.startswith(coverage.HEADING) and "520502 (40 stations, 1 county)" in text
