"""``flask coverage report``: a region's 15-minute coverage per county, for scripts and the monthly report."""

import csv
import sys
from datetime import timedelta

import click
import orjson
from flask.cli import AppGroup

from stationfinder import units
from stationfinder.services.accounts import Scope
from stationfinder.services.cells import inert
from stationfinder.services.errors import DomainError
from stationfinder.services.planning import coverage as planning
from stationfinder.services.planning import plan, table
from stationfinder.services.stats.query import make_period

coverage = AppGroup(
    "coverage", help="Coverage of regions by open stations (the 双15 target) and unmet demand."
)


@coverage.command("report")
@click.option("--region", required=True, help="Province, city or county code, e.g. 520500.")
@click.option("--minutes", type=float, default=15.0, show_default=True, help="Minutes to a station.")
@click.option("--speed-kmh", type=float, default=4.5, show_default=True, help="Speed (4.5: walking).")
@click.option("--at", help="Local time such as 03:00: only stations open then count.")
@click.option("--days", type=click.IntRange(1, 366), default=30, show_default=True, help="Days of searches.")
@click.option("--format", "fmt", type=click.Choice(["csv", "geojson"]), default="csv", show_default=True)
def report_command(region, minutes, speed_kmh, at, days, fmt):
    """Print a region's coverage per county (CSV, with searches and unmet searches) or as GeoJSON."""
    try:
        asked = plan.make(Scope(), region, minutes, speed_kmh, at)
        period = make_period()
        first = max(period.first, period.last - timedelta(days=days - 1))
        units.flush_demand()
        cover = planning.region_coverage(asked)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    if fmt == "geojson":
        click.echo(orjson.dumps(cover.collection).decode())
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=table.COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in table.county_rows(cover, first, period.last):
        writer.writerow({key: inert(value) for key, value in row.items()})
