"""CLI command groups: ``flask --app stationfinder <group> <command>``."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command group."""
    from stationfinder.cli import stations

    app.cli.add_command(stations.stations)
    app.cli.add_command(stations.demo)
