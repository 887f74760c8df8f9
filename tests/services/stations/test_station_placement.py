"""Region codes on import: an empty one is filled from the county boundaries, a wrong one is warned about."""

import json

import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services.stations import demo
from stationfinder.services.stations import importing as station_import
from stationfinder.services.stations.importing import Problem
from stationfinder.services.stations.placement import RegionWarning, judge, place
from tests.factories import StationFactory

# Either side of the 云岩区 (520103) | 南明区 (520102) border, 300 m from it.
YUNYAN = (26.56795, 106.66278)
NANMING = (26.56534, 106.66805)
QIXINGGUAN = (27.2990, 105.2930)


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


def run(text: str, name: str = "s.csv") -> station_import.ImportResult:
    result = station_import.import_file(text.encode(), name)
    db.session.commit()
    return result


def codes() -> dict[str, str | None]:
    return dict(db.session.execute(sa.select(Station.ref, Station.region_code)).all())


def test_place_fills_keeps_and_doubts():
    assert place(None, *YUNYAN) == ("520103", None)
    assert place("", *NANMING) == ("520102", None)
    assert place("520100", *YUNYAN) == ("520100", None)
    assert place("520000", *QIXINGGUAN) == ("520000", None)
    # 300 m across the border is within the boundaries' error: no warning.
    assert place("520102", *YUNYAN) == ("520102", None)
    code, warning = place("520103", *QIXINGGUAN)
    assert code == "520103"
    assert (warning.code, warning.county) == ("520103", "520502")
    assert warning.distance_m == pytest.approx(151_210, abs=100)  # to 云岩区's nearest edge
    assert (
        str(warning)
        == f"region_code: the position lies {warning.distance_m / 1000:.1f} km outside 520103, in 520502"
    )
    assert place(None, 29.0, 124.0) == (None, RegionWarning(None, None, None))
    assert place("520221", *QIXINGGUAN)[1] == RegionWarning("520221", "520502", None)
    assert "has no boundary (old or mistyped?); the position lies in 520502" in str(
        place("520221", *QIXINGGUAN)[1]
    )


def test_judge_takes_a_county_already_found():
    # The import finds every county in one pass and hands each row's over.
    assert judge("520103", *YUNYAN, county="520103") is None
    assert judge(None, *YUNYAN, county="520103") is None
    assert judge("520502", 35.68, 139.65, county=None).county is None


def test_csv_import_fills_empty_codes_and_warns_about_wrong_ones(ctx):
    text = (
        "ref,name,lat,lon,region_code\n"
        f"A,甲,{YUNYAN[0]},{YUNYAN[1]},\n"
        f"B,乙,{NANMING[0]},{NANMING[1]},520102\n"
        "\n"
        f"C,丙,{QIXINGGUAN[0]},{QIXINGGUAN[1]},520103\n"
        "D,丁,29.0,124.0,\n"
    )
    result = run(text)
    assert (result.created, result.filled) == (4, 1)
    assert [(p.position, p.unit) for p in result.warnings] == [(5, "line"), (6, "line")]
    assert str(result.warnings[0]).startswith("line 5: region_code: the position lies 151.2 km")
    assert str(result.warnings[0]).endswith("km outside 520103, in 520502")
    assert str(result.warnings[1]) == (
        "line 6: region_code: empty, and no county boundary holds the position to fill it from"
    )
    # Warned rows are imported as they were written.
    assert codes() == {"A": "520103", "B": "520102", "C": "520103", "D": None}


def test_geojson_warnings_name_the_feature(ctx):
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"ref": ref, "name": ref, "region_code": code},
            }
            for ref, (lat, lon), code in [("G1", YUNYAN, "520103"), ("G2", YUNYAN, "520502")]
        ],
    }
    result = run(json.dumps(doc), "s.geojson")
    assert [p.where for p in result.warnings] == ["features[1]"]
    assert result.filled == 0


def test_gcj02_rows_are_placed_by_their_wgs84_position(ctx):
    from stationfinder.geo.coords import wgs84_to_gcj02

    lat, lon = wgs84_to_gcj02(26.58954, 106.74456)  # 云岩区; the raw GCJ-02 numbers fall in 南明区
    result = run(f"ref,name,lat,lon,coord_system\nG,甲,{lat:.7f},{lon:.7f},gcj02\n")
    assert (result.filled, result.warnings) == (1, ())
    assert codes() == {"G": "520103"}


def test_updates_keep_a_stored_code_unless_the_file_empties_it(ctx):
    StationFactory(ref="KEEP", region_code="520100", lat=YUNYAN[0], lon=YUNYAN[1])
    StationFactory(ref="BLANK", region_code=None, lat=YUNYAN[0], lon=YUNYAN[1])
    StationFactory(ref="WRONG", region_code="520103", lat=YUNYAN[0], lon=YUNYAN[1])
    db.session.commit()
    # No region_code column: a stored code stays (and is checked), an empty one is filled.
    result = run(
        "ref,name,lat,lon\n"
        f"KEEP,甲,{YUNYAN[0]},{YUNYAN[1]}\n"
        f"BLANK,乙,{NANMING[0]},{NANMING[1]}\n"
        f"WRONG,丙,{QIXINGGUAN[0]},{QIXINGGUAN[1]}\n"
    )
    assert (result.updated, result.filled) == (3, 1)
    assert [p.position for p in result.warnings] == [4]
    assert codes() == {"KEEP": "520100", "BLANK": "520102", "WRONG": "520103"}
    # The column present but empty asks for the code from the position, replacing the stored one.
    result = run(f"ref,name,lat,lon,region_code\nWRONG,丙,{QIXINGGUAN[0]},{QIXINGGUAN[1]},\n")
    assert (result.updated, result.filled, result.warnings) == (1, 1, ())
    assert codes()["WRONG"] == "520502"


def test_demo_stations_sit_in_their_counties(ctx):
    result = demo.load()
    db.session.commit()
    assert result.created == len(demo.DEMO_STATIONS)
    assert (result.filled, result.warnings) == (0, ())


def test_dry_run_checks_rows_but_not_region_codes(ctx):
    rows = station_import.read_file(b"name,lat,lon\nA,29.0,124.0\n", "s.csv")
    assert station_import.check_records(rows) == 1


def test_problem_reads_as_a_warning_too():
    assert str(Problem(3, "region_code: x")) == "line 3: region_code: x"
