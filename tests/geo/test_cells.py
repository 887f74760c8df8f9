"""H3 resolution-8 cells: lookup, centres, corners, disks and a region's cells."""

import math

import h3
import numpy as np
import pytest
import shapely

from stationfinder.geo import cells, counties
from stationfinder.geo.sphere import GEOD

BIJIE_STATION = (27.2987, 105.2851)  # 毕节 city centre, 七星关区


def test_a_point_has_a_resolution_8_cell_whose_centre_is_near():
    cell = cells.cell_of(*BIJIE_STATION)
    assert cells.is_cell(cell) and h3.get_resolution(cell) == 8
    lat, lon = cells.centre(cell)
    assert cells.cell_of(lat, lon) == cell
    assert GEOD.inv(lon, lat, BIJIE_STATION[1], BIJIE_STATION[0])[2] < 2 * cells.EDGE_M


def test_the_boundary_is_a_hexagon_of_about_0_74_km2():
    cell = cells.cell_of(*BIJIE_STATION)
    corners = cells.boundary(cell)
    assert len(corners) == 6
    polygon = cells.polygon(cell)
    assert polygon.is_valid
    assert polygon.contains(shapely.Point(cells.centre(cell)[::-1]))
    area = abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(polygon))[0]) / 1e6
    assert area == pytest.approx(0.74, rel=0.25)


def test_disks_grow_by_rings():
    cell = cells.cell_of(*BIJIE_STATION)
    assert [len(cells.disk(cell, k)) for k in range(4)] == [1, 7, 19, 37]
    assert cell in cells.disk(cell, 1)


@pytest.mark.parametrize("radius", [500.0, 1125.0, 2500.0])
def test_rings_for_reach_every_cell_within_the_radius(radius):
    cell = cells.cell_of(*BIJIE_STATION)
    lat, lon = cells.centre(cell)
    wide = sorted(cells.disk(cell, cells.rings_for(radius) + 3))
    lats, lons = cells.centres(wide)
    _, _, metres = GEOD.inv(np.full(len(wide), lon), np.full(len(wide), lat), lons, lats)
    within = {c for c, m in zip(wide, metres, strict=True) if m <= radius}
    assert within <= cells.disk(cell, cells.rings_for(radius))
    assert cells.rings_for(1125.0) == 3


def test_cells_in_a_county_have_their_centres_inside():
    found = cells.cells_in("520502")
    lats, lons = cells.centres(sorted(found))
    assert shapely.intersects_xy(counties.region_geometry("520502"), lons, lats).all()
    # 七星关区 is about 3,400 km²; a resolution-8 cell is about 0.74 km².
    assert len(found) == pytest.approx(3400 / 0.74, rel=0.15)
    assert cells.cell_of(*BIJIE_STATION) in found
    assert cells.cells_in("999999") == frozenset()


def test_only_cells_with_five_searches_are_visible():
    assert cells.visible({"a": 4, "b": 5, "c": 40}) == {"b": 5, "c": 40}
    assert cells.MIN_VISIBLE == 5


@pytest.mark.parametrize(
    ("lat", "lon"), [(91.0, 0.0), (0.0, 181.0), (math.nan, 0.0), (0.0, math.inf), ("x", 0)]
)
def test_impossible_positions_are_refused(lat, lon):
    with pytest.raises(ValueError):
        cells.cell_of(lat, lon)


@pytest.mark.parametrize("cell", ["", "zz", "8840082419fffff0", h3.latlng_to_cell(27.3, 105.3, 7), 42, None])
def test_bad_cells_are_refused(cell):
    assert not cells.is_cell(cell)
    with pytest.raises(ValueError):
        cells.centre(cell)
    with pytest.raises(ValueError):
        cells.boundary(cell)
