import csv
import io
import json

import sqlalchemy as sa

from stationfinder.amenities import to_mask
from stationfinder.extensions import db
from stationfinder.models import AuditEntry, Station
from stationfinder.services import dataset

CSV = (
    "ref,name,lat,lon,coord_system,region_code,amenities\n"
    "C1,甲驿站,26.5800,106.7100,wgs84,520102,seating;drinking_water\n"
    "C2,乙驿站,26.5900,106.7200,gcj02,520103,charging\n"
    "C3,丙驿站,27.3000,105.2900,wgs84,520502,air_conditioning\n"
)
BAD_CSV = (
    "ref,name,lat,lon,amenities,opening_hours\n"
    "C1,甲驿站,26.58,106.71,seating,24/7\n"
    "C2,乙驿站,100,106.72,,\n"
    "C3,丙驿站,27.3,105.29,sauna,\n"
    "C1,丁驿站,27.3,105.29,,Mo-Fr 9-17\n"
)


def stations(app):
    with app.app_context():
        return db.session.scalars(sa.select(Station).order_by(Station.ref)).all()


def test_import_csv_prints_a_summary(app, runner, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text(CSV, encoding="utf-8")
    result = runner.invoke(args=["stations", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "imported 3 stations (3 new, 0 updated)"
    assert [s.ref for s in stations(app)] == ["C1", "C2", "C3"]
    result = runner.invoke(args=["stations", "import", str(path)])
    assert result.stdout.strip() == "imported 3 stations (0 new, 3 updated)"
    with app.app_context():
        audit = db.session.scalars(sa.select(AuditEntry.changes).order_by(AuditEntry.id)).all()
        assert audit == [
            {"file": "s.csv", "created": 3, "updated": 0},
            {"file": "s.csv", "created": 0, "updated": 3},
        ]


def test_bad_file_reports_each_line_exits_nonzero_and_writes_nothing(app, runner, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV, encoding="utf-8")
    with app.app_context():
        version = dataset.current()
    result = runner.invoke(args=["stations", "import", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "line 3: lat: 100.0 is outside -90..90"
    assert lines[1] == "line 4: amenities: unknown amenity 'sauna'"
    assert lines[2].startswith("line 5: opening_hours:")
    assert lines[3] == "line 5: ref 'C1' is already used by line 2"
    assert lines[4] == "nothing imported: 4 problem(s)"
    assert stations(app) == []
    with app.app_context():
        assert dataset.current() == version
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_import_sniffs_geojson_from_stdin(app, runner):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [106.71, 26.58]},
                "properties": {"ref": "G1", "name": "甲", "amenities": ["wifi"]},
            }
        ],
    }
    result = runner.invoke(args=["stations", "import", "-"], input=json.dumps(doc).encode())
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "imported 1 stations (1 new, 0 updated); 1 region code(s) filled from the position"
    )
    (g1,) = stations(app)
    assert (g1.ref, g1.lat, g1.lon, g1.amenities) == ("G1", 26.58, 106.71, ["wifi"])


def test_format_option_overrides_the_extension(app, runner, tmp_path):
    path = tmp_path / "stations.txt"
    path.write_text(CSV, encoding="utf-8")
    result = runner.invoke(args=["stations", "import", "--format", "geojson", str(path)])
    assert result.exit_code == 1
    assert result.stderr.startswith("line 1: invalid JSON")
    assert stations(app) == []


def test_missing_file_is_a_usage_error(runner, tmp_path):
    result = runner.invoke(args=["stations", "import", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2
    assert "nope.csv" in result.output


def test_export_csv_and_geojson_round_trip_through_the_cli(app, app_factory, runner, tmp_path):
    source = tmp_path / "s.csv"
    source.write_text(CSV, encoding="utf-8")
    assert runner.invoke(args=["stations", "import", str(source)]).exit_code == 0
    exported_csv = runner.invoke(args=["stations", "export"])
    exported_geojson = runner.invoke(args=["stations", "export", "--format", "geojson"])
    assert exported_csv.exit_code == exported_geojson.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported_csv.stdout_bytes.decode("utf-8"), newline="")))
    assert [r["ref"] for r in rows] == ["C1", "C2", "C3"]
    assert {r["coord_system"] for r in rows} == {"wgs84"}
    assert rows[0]["amenities"] == "drinking_water;seating"
    features = json.loads(exported_geojson.stdout_bytes)["features"]
    assert [f["properties"]["ref"] for f in features] == ["C1", "C2", "C3"]
    before = [(s.ref, s.name, s.lat, s.lon, s.region_code, s.amenity_mask) for s in stations(app)]
    for name, output in (("e.csv", exported_csv), ("e.geojson", exported_geojson)):
        with app.app_context():
            db.session.execute(sa.delete(Station))
            db.session.commit()
        path = tmp_path / name
        path.write_bytes(output.stdout_bytes)
        result = runner.invoke(args=["stations", "import", str(path)])
        assert result.stdout.strip() == "imported 3 stations (3 new, 0 updated)", result.output
        after = [(s.ref, s.name, s.lat, s.lon, s.region_code, s.amenity_mask) for s in stations(app)]
        assert after == before
        again = runner.invoke(
            args=["stations", "export"] + (["--format", "geojson"] if "geojson" in name else [])
        )
        assert again.stdout_bytes == output.stdout_bytes


def test_demo_is_idempotent_and_has_the_bijie_station(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "imported 10 demo stations (10 new, 0 updated)"
    second = runner.invoke(args=["demo"])
    assert second.stdout.strip() == "imported 10 demo stations (0 new, 10 updated)"
    rows = stations(app)
    assert len(rows) == 10
    assert all(s.is_demo for s in rows)
    assert all(s.region_code.startswith("52") for s in rows)
    assert all("近似" in s.address for s in rows)
    bijie = next(s for s in rows if s.ref == "demo-bijie-1")
    assert bijie.name == "毕城红骑手网约配送新业态综合服务中心"
    assert "奥莱国际广场" in bijie.address
    assert bijie.region_code == "520502"
    assert bijie.area_m2 == 160
    assert bijie.amenity_mask == to_mask(["air_conditioning", "drinking_water", "seating", "charging"])
    assert 27.2 < bijie.lat < 27.4 and 105.2 < bijie.lon < 105.4
    regions = {s.region_code for s in rows}
    assert {"520103", "520302", "520402", "520201", "520602", "522301", "522632", "522729"} <= regions
    assert any(s.opening_hours == "24/7" for s in rows) and any(s.opening_hours != "24/7" for s in rows)


def test_dry_run_checks_without_writing(app, runner, tmp_path):
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_text(CSV, encoding="utf-8")
    bad.write_text(BAD_CSV, encoding="utf-8")
    result = runner.invoke(args=["stations", "import", "--dry-run", str(good)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "3 stations are valid; nothing was written (--dry-run)"
    result = runner.invoke(args=["stations", "import", "--dry-run", str(bad)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == "line 3: lat: 100.0 is outside -90..90"
    assert stations(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_import_reports_region_code_warnings_on_stderr(app, runner, tmp_path):
    path = tmp_path / "w.csv"
    rows = "ref,name,lat,lon,region_code\nW1,甲,27.299,105.293,520103\nW2,乙,27.299,105.293,\n"
    path.write_text(rows, encoding="utf-8")
    result = runner.invoke(args=["stations", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        "imported 2 stations (2 new, 0 updated); 1 region code(s) filled from the position; 1 warning(s)"
    )
    assert (
        result.stderr
        == "warning: line 2: region_code: the position lies 151.2 km outside 520103, in 520502\n"
    )
    assert [(s.ref, s.region_code) for s in stations(app)] == [("W1", "520103"), ("W2", "520502")]
