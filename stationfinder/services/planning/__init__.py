"""Where the next station should go: the "双15" coverage, riders' unmet demand, suggested sites.

- ``plan``: the question — a region inside the caller's scope, a radius (minutes × speed), a time.
- ``coverage``: the share of a region within the radius of an open station (``geo/coverage``),
  per county, with the uncovered area; cached per worker until the stations change.
- ``demand``: every nearest search counted in its H3 cell per local day, by how far the nearest
  open station was; per-worker tallies flushed in batches; cells under 5 searches never shown.
- ``sites``: up to k new sites, greedily covering the most unmet searches (``geo/siting``).
"""
