"""``flask rollups fold``: count pending check-ins into the rollups, for a timer or a worker."""

import click
from flask.cli import AppGroup

from stationfinder import units

rollups = AppGroup("rollups", help="The pre-aggregated check-in counts behind the statistics.")


@rollups.command("fold")
def fold_command():
    """Count every pending check-in into the rollups now (workers and statistics pages also do this)."""
    click.echo(f"counted {units.fold()} pending check-ins into the rollups")
