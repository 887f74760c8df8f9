"""A station's region code against the county boundaries: fill an empty one, doubt a wrong one.

A code that does not hold the station's position is kept, with a warning, never refused: a county
may run a station in an enclave of its neighbour, codes change (水城县 520221 became 水城区 520204
in 2020), and the boundaries are generalised, so a point near a border may fall on the wrong side
(``counties.BORDER_SLACK_M``).
"""

from dataclasses import dataclass

from stationfinder.geo import counties
from stationfinder.services.regions import codes as regions


@dataclass(frozen=True)
class RegionWarning:
    """Why a station's region code looks wrong for its position.

    ``code`` is the station's code, None when it was empty and no county could fill it; ``county``
    is the county whose boundary holds the position (None outside every county); ``distance_m`` is
    how far outside the code's area the position lies (None when the code has no boundary).
    """

    code: str | None
    county: str | None
    distance_m: float | None

    def __str__(self) -> str:
        where = f"in {self.county}" if self.county else "outside every county boundary"
        if self.code is None:
            return "region_code: empty, and no county boundary holds the position to fill it from"
        if self.distance_m is None:
            return f"region_code: {self.code} has no boundary (old or mistyped?); the position lies {where}"
        return f"region_code: the position lies {self.distance_m / 1000:.1f} km outside {self.code}, {where}"


def judge(code: str | None, lat: float, lon: float, county: str | None) -> RegionWarning | None:
    """Return a warning about ``code`` for a WGS-84 position that lies in ``county``, or None if it fits."""
    if code is None:
        return None if county else RegionWarning(None, None, None)
    if county is not None and regions.contains(code, county):
        return None
    distance = counties.distance_m(code, lat, lon)
    if distance is not None and distance <= counties.BORDER_SLACK_M:
        return None
    return RegionWarning(code, county, distance)


def place(code: str | None, lat: float, lon: float) -> tuple[str | None, RegionWarning | None]:
    """Return the region code for a station at a WGS-84 position (an empty one filled) and any warning."""
    county = counties.county_at(lat, lon)
    return code or county, judge(code or None, lat, lon, county)
