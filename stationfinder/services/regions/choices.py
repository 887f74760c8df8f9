"""The regions a rider can pick: provinces, cities and counties that have stations that are not closed."""

import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Station, StationStatus
from stationfinder.services.regions import codes as regions


def children(parent: str | None = None) -> list[str]:
    """Return the region codes one level inside ``parent`` (provinces when None) that have stations."""
    if parent is None:
        width, pad, outer = 2, "0000", None
    else:
        outer = regions.validate(parent)
        level = regions.level(outer)
        if level == "county":
            return []
        width, pad = (4, "00") if level == "province" else (6, "")
    part = sa.func.substr(Station.region_code, 1, width)
    query = (
        sa.select(part)
        .distinct()
        .where(Station.region_code.is_not(None), Station.status != StationStatus.CLOSED.value)
    )
    if outer is not None:
        query = query.where(regions.clause(Station.region_code, outer))
    # A station filed at the parent's own level (e.g. 520500) has nothing finer to offer.
    return sorted({p + pad for p in db.session.scalars(query) if p and p + pad != outer})


def start() -> tuple[str | None, list[str]]:
    """Return (parent, children) for the first choice, skipping levels with a single option."""
    parent, codes = None, children(None)
    while len(codes) == 1:
        deeper = children(codes[0])
        if not deeper:
            break
        parent, codes = codes[0], deeper
    return parent, codes
