"""The sphere index returns exactly the k nearest by WGS-84 geodesic (geopy is the oracle)."""

import math

import numpy as np
import pytest
from geopy.distance import geodesic
from hypothesis import given, settings
from hypothesis import strategies as st

from stationfinder.geo import sphere

LAT = st.floats(-89.9, 89.9)
LON = st.floats(-180.0, 180.0)


def oracle(points, lat, lon, keep=None):
    """Return geopy distances to every point (inf where ``keep`` is False)."""
    d = np.array([geodesic((lat, lon), (a, b)).meters for a, b in points])
    if keep is not None:
        d[~keep] = np.inf
    return d


def assert_exact(index, points, lat, lon, limit, keep=None, max_distance_m=None, **kwargs):
    """Check the answer against the oracle: same distances rank by rank, nothing closer left out."""
    top, metres = index.search(lat, lon, limit, max_distance_m=max_distance_m, **kwargs)
    truth = oracle(points, lat, lon, keep)
    if max_distance_m is not None:
        truth[truth > max_distance_m] = np.inf
    expected = np.sort(truth)[:limit]
    expected = expected[np.isfinite(expected)]
    assert len(top) == len(expected)
    for i, m, e in zip(top, metres, expected, strict=True):
        # Each reported distance is the true one, and rank by rank it matches the oracle (ties within 1 m).
        assert m == pytest.approx(truth[i], abs=1e-3)
        assert abs(m - e) < 1.0
    assert list(metres) == sorted(metres)
    if len(top) == limit and limit < len(points):
        left_out = np.delete(truth, top)
        assert left_out.min() >= metres[-1] - 1.0


def random_points(rng, n, lat=(-89.0, 89.0), lon=(-180.0, 180.0)):
    return np.column_stack((rng.uniform(*lat, n), rng.uniform(*lon, n)))


def build(points, masks=None):
    ids = np.arange(1, len(points) + 1)
    return sphere.SphereIndex(points[:, 0].copy(), points[:, 1].copy(), tiebreak=ids, masks=masks)


@given(LAT, LON, LAT, LON)
@settings(max_examples=300, deadline=None)
def test_ellipsoid_bounds_hold(lat1, lon1, lat2, lon2):
    v1, v2 = sphere.unit_vector(lat1, lon1), sphere.unit_vector(lat2, lon2)
    theta = sphere.angle(float(np.linalg.norm(v1 - v2)))
    s = geodesic((lat1, lon1), (lat2, lon2)).meters
    assert sphere.K_MIN * theta <= s + 1e-6
    assert s <= sphere.K_MAX * theta + 1e-6


def test_world_wide_points_with_poles_and_antimeridian():
    rng = np.random.default_rng(1)
    points = random_points(rng, 600)
    points[:20, 1] = rng.choice([-179.9999, 179.9999], 20)
    points[20:30, 0] = rng.choice([-89.99, 89.99], 10)
    index = build(points)
    queries = [(0.0, 180.0), (0.0, -180.0), (89.999, 0.0), (-89.999, 45.0)] + [
        (rng.uniform(-89, 89), rng.uniform(-180, 180)) for _ in range(16)
    ]
    for lat, lon in queries:
        assert_exact(index, points, lat, lon, 5)


def test_dense_city_where_the_sphere_order_differs_from_the_ellipsoid():
    """Points at near-equal distance in all directions: the sphere order is wrong, the answer must not be."""
    rng = np.random.default_rng(2)
    lat0, lon0 = 45.0, 120.0
    bearings = rng.uniform(0, 2 * np.pi, 400)
    radius = rng.normal(0.02, 0.0004, 400)  # a ring of ~2 km
    points = np.column_stack(
        (lat0 + radius * np.cos(bearings), lon0 + radius * np.sin(bearings) / np.cos(0.785))
    )
    index = build(points)
    for limit in (1, 5, 20, 50):
        assert_exact(index, points, lat0, lon0, limit)


def test_ties_come_back_by_tiebreak_and_all_count():
    points = np.array([[26.5, 106.7]] * 8 + [[26.6, 106.7]] * 4)
    index = build(points)
    top, metres = index.search(26.5, 106.7, 5)
    assert list(top) == [0, 1, 2, 3, 4]
    assert np.all(metres == 0)
    top, _ = index.search(26.6, 106.7, 6)
    assert list(top[:4]) == [8, 9, 10, 11]
    assert set(top[4:]) <= set(range(8))


def test_a_ring_of_equally_far_points_is_settled_by_a_radius_search():
    """The tree's first candidates cannot prove the cut, since every point of the ring ties with the fifth."""
    ring = 300
    azimuths = np.linspace(0.0, 360.0, ring, endpoint=False)
    lons, lats, _ = sphere.GEOD.fwd(np.full(ring, 106.7), np.full(ring, 26.5), azimuths, np.full(ring, 900.0))
    far = random_points(np.random.default_rng(5), 200, lat=(27.0, 30.0), lon=(104.0, 110.0))
    points = np.vstack((np.column_stack((lats, lons)), far))
    index = build(points)
    radii = []
    ball = sphere._Tree.ball

    def counted(tree, radius):
        radii.append(radius)
        return ball(tree, radius)

    sphere._Tree.ball = counted
    try:
        top, metres = index.search(26.5, 106.7, 5)
    finally:
        sphere._Tree.ball = ball
    assert len(radii) == 1
    assert np.allclose(metres, 900.0, atol=1e-6)
    assert set(top.tolist()) <= set(range(ring))
    assert_exact(index, points, 26.5, 106.7, 5)


@pytest.mark.parametrize("mask", [0, 1])
@pytest.mark.parametrize("radius_km", [0.5, 3.0, 40.0, 30_000.0])
def test_radius_search_finds_every_point_within_the_radius(mask, radius_km):
    """It asks for 64, 256, … neighbours until one lies outside: a dense city takes several rounds."""
    rng = np.random.default_rng(6)
    points = random_points(rng, 3000, lat=(26.45, 26.55), lon=(106.65, 106.75))
    masks = rng.integers(0, 2, len(points)).astype(np.int32)
    index = build(points, masks)
    v = sphere.unit_vector(26.5, 106.7)
    radius = sphere.chord(radius_km * 1000 / sphere.K_MIN)
    found = sphere._Tree(index, v, mask).ball(radius)
    chords = np.linalg.norm(index.vectors - v, axis=1)
    expected = np.flatnonzero((chords <= radius) & ((masks & mask) == mask))
    assert sorted(found.tolist()) == expected.tolist()
    assert found.dtype == np.int64


@pytest.mark.parametrize("scan_max", [0, 100_000])
def test_mask_filter_by_tree_and_by_scan(monkeypatch, scan_max):
    monkeypatch.setattr(sphere, "SCAN_MAX", scan_max)
    rng = np.random.default_rng(3)
    points = random_points(rng, 800, lat=(20, 45), lon=(95, 125))
    masks = rng.integers(0, 16, 800).astype(np.int32)
    index = build(points, masks)
    for mask in (1, 3, 7, 15):
        keep = (masks & mask) == mask
        for _ in range(4):
            lat, lon = rng.uniform(20, 45), rng.uniform(95, 125)
            assert_exact(index, points, lat, lon, 5, keep=keep, mask=mask)


def test_accept_filter_that_rejects_most_widens_the_search():
    rng = np.random.default_rng(4)
    points = random_points(rng, 2000, lat=(20, 45), lon=(95, 125))
    keep = rng.random(2000) < 0.01
    index = build(points)
    for _ in range(5):
        lat, lon = rng.uniform(20, 45), rng.uniform(95, 125)
        assert_exact(index, points, lat, lon, 5, keep=keep, accept=lambda idx: keep[idx])


def test_max_distance():
    rng = np.random.default_rng(5)
    points = random_points(rng, 1000, lat=(25, 28), lon=(104, 108))
    index = build(points)
    for limit, max_d in ((5, 5_000.0), (50, 20_000.0), (5, 1.0)):
        assert_exact(index, points, 26.5, 106.0, limit, max_distance_m=max_d)


def test_without_a_limit_on_distance_the_far_side_of_the_world_is_found():
    points = np.array([[-26.5, -73.3]])  # antipode of Guizhou, in the Pacific off Chile
    top, metres = build(points).search(26.5, 106.7, 5)
    assert list(top) == [0]
    assert 19_900_000 < metres[0] < 20_010_000


def test_empty_and_small():
    empty = sphere.SphereIndex(np.zeros(0), np.zeros(0), tiebreak=np.zeros(0, dtype=np.int64))
    assert len(empty.search(0, 0, 5)[0]) == 0
    points = np.array([[1.0, 1.0], [2.0, 2.0]])
    top, _ = build(points).search(0, 0, 50)
    assert list(top) == [0, 1]


def test_chord_and_angle_are_inverse():
    for theta in (0.0, 1e-9, 0.1, 1.0, 3.0):
        assert sphere.angle(sphere.chord(theta)) == pytest.approx(theta, abs=1e-12)
    assert sphere.chord(math.pi) == 2.0
    assert sphere.angle(math.inf) == math.inf
