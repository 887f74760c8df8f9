"""Where riders search: searches per H3 cell and local day, by how far the nearest open station was.

No coordinates, devices or times finer than a day are kept: a search adds one to its cell's row
for its day and distance band. Staff see a cell only when it holds enough searches (k-anonymity,
``services/planning/demand.py``).
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from stationfinder.models.base import Base


class DemandCount(Base):
    __tablename__ = "demand_count"

    # An H3 cell at resolution 8 (about 0.74 km²), as its 15-digit hex id.
    cell: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    # The nearest open station's distance in 50 m steps (band b: from 50·b up to 50·(b+1) metres);
    # the last band is "10 km or more, or none": so unmet demand can be read for any radius.
    band: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    # The county whose polygon holds the cell's centre, for scoping by region.
    county: Mapped[str | None] = mapped_column(sa.String(6))
    searches: Mapped[int] = mapped_column(sa.Integer, default=0)

    __table_args__ = (sa.Index("ix_demand_count_county_day", "county", "day"),)
