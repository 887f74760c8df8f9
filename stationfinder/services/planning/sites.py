"""Suggest where new stations would serve the most riders who found none near: candidates for a survey."""

from datetime import date

from stationfinder.geo import cells, counties, siting
from stationfinder.services.errors import InvalidInput
from stationfinder.services.planning import demand
from stationfinder.services.planning.plan import Plan

NOTE = (
    "Candidates for a site survey, not decisions: each is an H3 cell centre chosen greedily to cover the "
    "most searches that found no open station within the radius; rent, access, safety and the riders' "
    "own views decide."
)


def suggest(plan: Plan, first: date, last: date, k: int) -> dict:
    """Return up to k suggested sites in a region, best first, each with the unmet searches it serves."""
    try:
        found = siting.suggest(
            demand.unmet_by_cell(plan.region, first, last, plan.radius_m),
            plan.radius_m,
            k,
            within=counties.region_geometry(plan.region),
            # A site's gain is a count of searches near it: never one a cell could not show.
            min_gain=cells.MIN_VISIBLE,
        )
    except ValueError as exc:
        raise InvalidInput(str(exc)) from None
    shown = [site.to_dict() | {"lat": round(site.lat, 6), "lon": round(site.lon, 6)} for site in found]
    return {"radius_m": plan.radius_m, "sites": shown, "note": NOTE}


__all__ = ["NOTE", "suggest"]
