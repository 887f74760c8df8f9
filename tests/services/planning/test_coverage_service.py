"""A region's coverage from the stations the nearest search knows: open ones only, at a time, cached."""

import math

import pytest

from stationfinder.extensions import db
from stationfinder.services import dataset
from stationfinder.services.accounts import Scope
from stationfinder.services.planning import coverage, plan
from tests.factories import StationFactory
from tests.services.planning.conftest import QIXINGGUAN

CIRCLE_KM2 = math.pi * 1.125**2


def _stations(*specs):
    made = [StationFactory(region_code="520502", lat=lat, lon=lon, **extra) for lat, lon, extra in specs]
    dataset.bump()
    db.session.commit()
    return made


def _county(cover, code="520502"):
    return next(c for c in cover.result.counties if c.code == code)


def test_one_station_covers_a_circle_and_the_rest_is_uncovered(ctx):
    _stations((*QIXINGGUAN, {}))
    cover = coverage.region_coverage(plan.make(Scope(), "520500"))
    county = _county(cover)
    assert county.covered_km2 == pytest.approx(CIRCLE_KM2, rel=0.01)
    assert county.stations == 1 and cover.result.stations == 1
    assert all(c.covered_km2 == 0 for c in cover.result.counties if c.code != "520502")
    assert len(cover.result.counties) == 8
    body = cover.to_dict()
    assert body["uncovered"]["type"] in ("Polygon", "MultiPolygon")
    assert 0 < body["covered_share"] < 0.001


def test_closed_and_temporarily_closed_stations_cover_nothing(ctx):
    _stations((*QIXINGGUAN, {"status": "temporarily_closed"}))
    cover = coverage.region_coverage(plan.make(Scope(), "520502"))
    assert cover.result.covered_km2 == 0 and cover.stations == ()


def test_at_night_only_stations_open_then_count(ctx):
    day, night = _stations(
        (*QIXINGGUAN, {"opening_hours": "Mo-Su 08:00-20:00", "name": "白天站"}),
        (27.35, 105.30, {"opening_hours": "24/7", "name": "通宵站"}),
    )
    now = coverage.region_coverage(plan.make(Scope(), "520502"))
    at_night = coverage.region_coverage(plan.make(Scope(), "520502", at="2025-03-10T03:00"))
    at_noon = coverage.region_coverage(plan.make(Scope(), "520502", at="2025-03-10T12:00"))
    assert {s.name for s in now.stations} == {"白天站", "通宵站"}
    assert [s.name for s in at_night.stations] == ["通宵站"]
    assert at_night.result.covered_km2 == pytest.approx(CIRCLE_KM2, rel=0.01)
    assert at_noon.result.covered_km2 == pytest.approx(2 * CIRCLE_KM2, rel=0.01)


def test_answers_are_kept_until_the_stations_change(ctx):
    _stations((*QIXINGGUAN, {}))
    asked = plan.make(Scope(), "520502")
    first = coverage.region_coverage(asked)
    assert coverage.region_coverage(asked) is first
    _stations((27.35, 105.30, {}))
    again = coverage.region_coverage(asked)
    assert again is not first and again.result.stations == 2


def test_a_neighbours_station_covers_across_the_border(ctx):
    from stationfinder.geo import counties

    # A point of 大方县 (520521) a few hundred metres from 七星关区's border.
    border = counties.region_geometry("520502").boundary
    inside_neighbour = None
    for fraction in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        point = border.interpolate(fraction, normalized=True)
        for dx, dy in ((0.004, 0), (-0.004, 0), (0, 0.004), (0, -0.004)):
            lon, lat = point.x + dx, point.y + dy
            if counties.county_at(lat, lon) == "520521" and counties.distance_m("520502", lat, lon) > 200:
                inside_neighbour = (lat, lon)
                break
        if inside_neighbour:
            break
    assert inside_neighbour, "no point of 大方县 near the border found"
    StationFactory(region_code="520521", lat=inside_neighbour[0], lon=inside_neighbour[1])
    dataset.bump()
    db.session.commit()
    cover = coverage.region_coverage(plan.make(Scope(), "520502"))
    assert 0 < cover.result.covered_km2 < CIRCLE_KM2
    assert cover.result.stations == 0  # it stands in the neighbour county


def test_feature_collection_holds_the_uncovered_area_and_the_stations(ctx):
    (station,) = _stations((*QIXINGGUAN, {"name": "毕城驿站"}))
    collection = coverage.feature_collection(coverage.region_coverage(plan.make(Scope(), "520502")))
    kinds = [f["properties"]["kind"] for f in collection["features"]]
    assert kinds == ["uncovered", "station"]
    point = collection["features"][1]
    assert point["properties"]["id"] == station.id and point["properties"]["name"] == "毕城驿站"
    assert point["geometry"]["coordinates"] == [round(QIXINGGUAN[1], 6), round(QIXINGGUAN[0], 6)]
