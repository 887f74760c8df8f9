"""Greedy maximal-covering site suggestions on synthetic unmet demand."""

import random

import numpy as np
import pytest

from stationfinder.geo import cells, counties, siting
from stationfinder.geo.sphere import GEOD

R = 1125.0
CLUSTER = (27.2318, 105.1051)  # deep inside 七星关区


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[1], a[0], b[1], b[0])[2]


def cluster(lat: float, lon: float, counts=(20, 12, 8)) -> dict[str, int]:
    """Return unmet searches in a cell and two of its neighbours (40 by default)."""
    centre = cells.cell_of(lat, lon)
    neighbours = sorted(cells.disk(centre, 1) - {centre})[:2]
    return dict(zip([centre, *neighbours], counts, strict=True))


def noise(seed: int, n: int = 30, away_from=CLUSTER, at_least_m: float = 5000.0) -> dict[str, int]:
    """Return single unmet searches scattered around 毕节, none within ``at_least_m`` of a point."""
    rng, out = np.random.default_rng(seed), {}
    while len(out) < n:
        point = (27.0 + rng.uniform(0, 0.6), 104.9 + rng.uniform(0, 0.8))
        if metres(point, away_from) > at_least_m:
            out[cells.cell_of(*point)] = 1
    return out


def test_the_first_site_lies_in_the_cluster_and_gains_all_of_it():
    demand = cluster(*CLUSTER) | noise(seed=1)
    sites = siting.suggest(demand, R, k=5)
    first = sites[0]
    centre = cells.centre(cells.cell_of(*CLUSTER))
    assert metres((first.lat, first.lon), centre) <= R
    assert first.gain == 40
    assert (first.lat, first.lon) == cells.centre(first.h3)
    assert [site.gain for site in sites] == sorted((site.gain for site in sites), reverse=True)
    assert first.to_dict() == {"h3": first.h3, "lat": first.lat, "lon": first.lon, "gain": 40}


def test_covered_demand_is_not_counted_again():
    demand = cluster(*CLUSTER)
    sites = siting.suggest(demand, R, k=5)
    assert [site.gain for site in sites] == [40]


def test_gains_add_up_to_the_demand_covered():
    demand = cluster(*CLUSTER) | noise(seed=2, n=12)
    sites = siting.suggest(demand, R, k=50)
    assert sum(site.gain for site in sites) == sum(demand.values())
    assert len({site.h3 for site in sites}) == len(sites)


def test_the_answer_does_not_depend_on_order():
    demand = cluster(*CLUSTER) | noise(seed=3)
    items = list(demand.items())
    random.Random(7).shuffle(items)
    assert siting.suggest(dict(items), R, k=8) == siting.suggest(demand, R, k=8)


def test_k_limits_the_sites():
    far = (27.2318, 105.3051)  # 20 km east
    demand = cluster(*CLUSTER) | cluster(*far, counts=(5, 5, 5)) | noise(seed=4, n=5, at_least_m=30_000)
    assert siting.suggest(demand, R, k=0) == []
    two = siting.suggest(demand, R, k=2)
    assert [site.gain for site in two] == [40, 15]
    assert len(siting.suggest(demand, R, k=50)) <= len(demand)


def test_min_gain_hides_small_counts():
    demand = cluster(*CLUSTER) | noise(seed=5)
    sites = siting.suggest(demand, R, k=50, min_gain=cells.MIN_VISIBLE)
    assert [site.gain for site in sites] == [40]


def test_no_demand_gives_no_sites():
    assert siting.suggest({}, R, k=5) == []
    assert siting.suggest({cells.cell_of(*CLUSTER): 0}, R, k=5) == []


def test_sites_can_be_kept_inside_a_district():
    # Demand straddling the 七星关区 | 大方县 border; sites must stay in 七星关区.
    border = (27.31893, 105.50338)  # 300 m inside 大方县
    demand = cluster(*border)
    district = counties.region_geometry("520502")
    sites = siting.suggest(demand, R, k=3, within=district)
    assert sites and all(counties.contains("520502", site.lat, site.lon) for site in sites)
    assert siting.suggest(cluster(*CLUSTER), R, k=3, within=counties.region_geometry("520523")) == []


@pytest.mark.parametrize(
    ("demand", "radius", "k"),
    [
        ({"zz": 1}, R, 5),
        ({cells.cell_of(*CLUSTER): -1}, R, 5),
        ({cells.cell_of(*CLUSTER): 1.5}, R, 5),
        ({cells.cell_of(*CLUSTER): 1}, 0, 5),
        ({cells.cell_of(*CLUSTER): 1}, float("nan"), 5),
        ({cells.cell_of(*CLUSTER): 1}, R, -1),
        ({cells.cell_of(*CLUSTER): 1}, R, siting.MAX_SITES + 1),
        ({cells.cell_of(*CLUSTER): 1}, R, 2.0),
    ],
)
def test_bad_arguments_are_refused(demand, radius, k):
    with pytest.raises(ValueError):
        siting.suggest(demand, radius, k)
