"""``flask stations …`` and ``flask demo``."""

import click
from flask.cli import AppGroup

stations = AppGroup("stations", help="Import, export and inspect stations.")


@click.command("demo")
def demo():
    """Load demo stations in Guizhou (approximate positions)."""
    raise click.ClickException("not implemented yet")
