"""CLI command groups: ``flask --app stationfinder <group> <command>``."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command group."""
    from stationfinder.cli import checkins, posters, stations, users  # noqa: F401  (posters: stations cmds)

    app.cli.add_command(stations.stations)
    app.cli.add_command(checkins.checkins)
    app.cli.add_command(stations.demo)
    app.cli.add_command(users.users)

    from stationfinder.cli import bench

    app.cli.add_command(bench.bench_data_command)
