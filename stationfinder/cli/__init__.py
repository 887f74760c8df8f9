"""CLI command groups: ``flask --app stationfinder <group> <command>``."""

from flask import Flask


def init_app(app: Flask) -> None:
    """Register every command group."""
    from stationfinder.cli import checkins, coverage, posters, reports, rollups, stations, users, webhooks  # noqa: F401  (posters: stations cmds)

    app.cli.add_command(stations.stations)
    app.cli.add_command(checkins.checkins)
    app.cli.add_command(rollups.rollups)
    app.cli.add_command(stations.demo)
    app.cli.add_command(users.users)
    app.cli.add_command(reports.reports)
    app.cli.add_command(webhooks.webhooks)
    app.cli.add_command(webhooks.outbox)
    app.cli.add_command(coverage.coverage)

    # Benchmark seeding lives in the checkout's benchmarks/ package, not in the wheel: where that
    # package can be imported (a checkout, an editable install) `flask bench-data` is there too.
    try:
        from benchmarks.seeding.cli import bench_data_command
    except ModuleNotFoundError as missing:
        if not (missing.name or "").startswith("benchmarks"):
            raise
        return
    app.cli.add_command(bench_data_command)
