"""``flask coverage report``: the county table as CSV, or GeoJSON, for scripts."""

import csv
import io

import orjson
import pytest

from stationfinder.extensions import db
from stationfinder.services import dataset
from tests.factories import StationFactory


@pytest.fixture
def stations(app):
    with app.app_context():
        StationFactory(region_code="520502", lat=27.30, lon=105.28, name='=HYPERLINK("http://x")')
        dataset.bump()
        db.session.commit()


def test_csv_has_every_county_and_a_total(runner, stations):
    result = runner.invoke(args=["coverage", "report", "--region", "520500"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [r["code"] for r in rows] == [
        "520502", "520521", "520523", "520524", "520525", "520526", "520527", "520581", "520500",
    ]  # fmt: skip
    assert rows[0]["name"] == "七星关区" and rows[0]["stations"] == "1"
    assert 0 < float(rows[0]["covered_share"]) < 0.01 and float(rows[-1]["area_km2"]) > 20_000


def test_geojson_holds_the_uncovered_area_and_the_stations(runner, stations):
    result = runner.invoke(
        args=["coverage", "report", "--region", "520502", "--minutes", "10", "--format", "geojson"]
    )
    assert result.exit_code == 0, result.output
    body = orjson.loads(result.output)
    assert body["features"][0]["properties"]["radius_m"] == pytest.approx(750.0)
    assert body["features"][1]["properties"]["name"].startswith("=HYPERLINK")  # GeoJSON is data, not a sheet


@pytest.mark.parametrize(
    "args", [["--region", "99"], ["--region", "990000"], ["--region", "520500", "--minutes", "0"],
             ["--region", "520500", "--at", "later"]],
)  # fmt: skip
def test_bad_questions_are_errors_not_tracebacks(runner, stations, args):
    result = runner.invoke(args=["coverage", "report", *args])
    assert result.exit_code != 0 and "Error" in result.output and "Traceback" not in result.output
