"""Coordinate conversion against published vectors, and exact round trips."""

import numpy as np
import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from stationfinder.geo import coords

# eviltransform's test vectors (googollee/eviltransform, python/test.py): wgs lat, lon -> gcj lat, lon.
EVILTRANSFORM = [
    pytest.param(31.1774276, 121.5272106, 31.17530398364597, 121.531541859215, id="shanghai"),
    pytest.param(22.543847, 113.912316, 22.540796131694766, 113.9171764808363, id="shenzhen"),
    pytest.param(39.911954, 116.377817, 39.91334545536069, 116.38404722455657, id="beijing"),
]

# wandergis/coordtransform README example, input (lon 116.404, lat 39.915) in every system.
WANDERGIS_INPUT = (39.915, 116.404)
WANDERGIS_GCJ02_TO_BD09 = (39.92133699351021, 116.41036949371029)
WANDERGIS_WGS84_TO_GCJ02 = (39.91640428150164, 116.41024449916938)
# wandergis's bd09ToGcj02 is the one-step approximation, so ours may differ by a little.
WANDERGIS_BD09_TO_GCJ02_APPROX = (39.90865673957631, 116.39762729119315)

CHINA = {"lat": st.floats(18.2, 53.5), "lon": st.floats(73.6, 134.7)}


def metres(a, b) -> float:
    return geodesic(a, b).meters


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM)
def test_wgs84_to_gcj02_matches_eviltransform(wlat, wlon, glat, glon):
    lat, lon = coords.wgs84_to_gcj02(wlat, wlon)
    assert lat == pytest.approx(glat, abs=1e-9)
    assert lon == pytest.approx(glon, abs=1e-9)


@pytest.mark.parametrize(("wlat", "wlon", "glat", "glon"), EVILTRANSFORM)
def test_gcj02_to_wgs84_is_exact_on_eviltransform_vectors(wlat, wlon, glat, glon):
    back = coords.gcj02_to_wgs84(glat, glon)
    assert metres(back, (wlat, wlon)) < 0.01


def test_one_step_inverse_would_not_do():
    """The vectors must be able to tell the naive inverse from ours (else the test above proves little)."""
    wlat, wlon, glat, glon = EVILTRANSFORM[0].values
    dlat, dlon = coords._gcj_delta(glat, glon)
    naive = (glat - dlat, glon - dlon)
    assert metres(naive, (wlat, wlon)) > 0.5


def test_wandergis_forward_vectors():
    assert coords.wgs84_to_gcj02(*WANDERGIS_INPUT) == pytest.approx(WANDERGIS_WGS84_TO_GCJ02, abs=1e-12)
    assert coords.gcj02_to_bd09(*WANDERGIS_INPUT) == pytest.approx(WANDERGIS_GCJ02_TO_BD09, abs=1e-12)


def test_bd09_to_gcj02_is_exact_where_the_published_one_step_is_close():
    ours = coords.bd09_to_gcj02(*WANDERGIS_INPUT)
    assert metres(ours, WANDERGIS_BD09_TO_GCJ02_APPROX) < 1.0
    assert metres(coords.gcj02_to_bd09(*ours), WANDERGIS_INPUT) < 0.001


def test_bd09_is_gcj02_then_baidu_offset():
    wgs = EVILTRANSFORM[2].values[:2]
    assert coords.wgs84_to_bd09(*wgs) == coords.gcj02_to_bd09(*coords.wgs84_to_gcj02(*wgs))


@pytest.mark.parametrize(
    "position", [(51.5007, -0.1246), (-33.8568, 151.2153), (35.68, 139.69), (-6.2, 106.8)]
)
def test_outside_china_gcj02_is_wgs84(position):
    assert coords.out_of_china(*position)
    assert coords.wgs84_to_gcj02(*position) == position
    assert coords.gcj02_to_wgs84(*position) == position
    assert coords.to_wgs84(*position, "gcj02") == position
    assert coords.wgs84_to_bd09(*position) == position
    assert coords.bd09_to_wgs84(*position) == position


def test_inside_china_moves_a_few_hundred_metres():
    position = (27.30, 105.29)  # 毕节
    assert not coords.out_of_china(*position)
    assert 100 < metres(coords.wgs84_to_gcj02(*position), position) < 1000


@given(**CHINA)
@settings(max_examples=300, deadline=None)
def test_gcj02_round_trip_is_exact(lat, lon):
    back = coords.gcj02_to_wgs84(*coords.wgs84_to_gcj02(lat, lon))
    assert metres(back, (lat, lon)) < 0.5
    assert abs(back[0] - lat) < 1e-8 and abs(back[1] - lon) < 1e-8


@given(**CHINA)
@settings(max_examples=300, deadline=None)
def test_bd09_round_trip_is_exact(lat, lon):
    back = coords.bd09_to_wgs84(*coords.wgs84_to_bd09(lat, lon))
    assert metres(back, (lat, lon)) < 0.5
    assert abs(back[0] - lat) < 1e-8 and abs(back[1] - lon) < 1e-8


@given(**CHINA)
@settings(max_examples=200, deadline=None)
def test_inverse_of_forward_of_inverse(lat, lon):
    """Starting from a GCJ-02 or BD-09 position, the inverse lands where the forward maps back."""
    for system in ("gcj02", "bd09"):
        wgs = coords.to_wgs84(lat, lon, system)
        again = coords.from_wgs84(*wgs, system)
        assert metres(again, (lat, lon)) < 0.5


@pytest.mark.parametrize("system", coords.SYSTEMS)
def test_to_and_from_dispatch(system):
    lat, lon = 26.58, 106.71  # 贵阳
    assert coords.to_wgs84(*coords.from_wgs84(lat, lon, system), system) == pytest.approx(
        (lat, lon), abs=1e-8
    )


def test_wgs84_is_identity():
    assert coords.to_wgs84(26.58, 106.71, "wgs84") == (26.58, 106.71)
    assert coords.from_wgs84(26.58, 106.71, "wgs84") == (26.58, 106.71)


@pytest.mark.parametrize("system", ["WGS84", "gcj", "", None, "epsg:4326"])
def test_unknown_system_is_a_value_error(system):
    with pytest.raises(ValueError, match="unknown coordinate system"):
        coords.to_wgs84(26.58, 106.71, system)
    with pytest.raises(ValueError, match="unknown coordinate system"):
        coords.from_wgs84(26.58, 106.71, system)


def test_many_at_once_equals_one_by_one_inside_outside_and_on_the_border():
    # The search index shifts every station at once; its route links must match the one-by-one path.
    rng = np.random.default_rng(7)
    lat = np.concatenate([rng.uniform(-5.0, 60.0, 5000), [0.8293, 55.8271, 30.0, 30.0, 0.8292]])
    lon = np.concatenate([rng.uniform(65.0, 145.0, 5000), [100.0, 100.0, 72.004, 137.8347, 100.0]])
    many_lat, many_lon = coords.wgs84_to_gcj02_many(lat, lon)
    one_by_one = np.array(
        [coords.wgs84_to_gcj02(a, b) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)]
    )
    # numpy's sine may differ from libm's in the last bit on some CPUs: 1e-12 degrees is 0.1 µm.
    np.testing.assert_allclose(many_lat, one_by_one[:, 0], rtol=0, atol=1e-12)
    np.testing.assert_allclose(many_lon, one_by_one[:, 1], rtol=0, atol=1e-12)
    # Both sides of the box were drawn, so the check covers shifted and unshifted positions.
    outside = [coords.out_of_china(a, b) for a, b in zip(lat.tolist(), lon.tolist(), strict=True)]
    assert any(outside) and not all(outside)
