"""``flask bench-data``: seed national-scale stations and check-ins for benchmarks.

The command lives with the benchmarks, outside the installed package: ``stationfinder.cli``
adds it when this package can be imported (a checkout, or an editable install of one), so
``flask --app stationfinder bench-data`` works there and an installed wheel has no such command.
"""

import time

import click
from flask.cli import with_appcontext

from stationfinder.cli.progress import progress_bar
from stationfinder.extensions import db
from stationfinder.services.errors import DomainError


@click.command("bench-data")
@click.option("--stations", "n_stations", type=click.IntRange(1, 2_000_000), default=1000, show_default=True)
@click.option("--checkins", "n_checkins", type=click.IntRange(0, 10**8), default=10_000, show_default=True)
@click.option("--days", type=click.IntRange(1, 3 * 365), default=365, show_default=True, help="Local days.")
@click.option("--seed", "seed", type=int, default=1, show_default=True, help="Random seed.")
@with_appcontext
def bench_data_command(n_stations: int, n_checkins: int, days: int, seed: int):
    """Seed benchmark stations across China and check-ins over the past days, with their rollups."""
    from benchmarks.seeding import data as bench_data  # numpy and the seeding code, only when asked

    started = time.perf_counter()
    try:
        with progress_bar() as progress:
            result = bench_data.seed(n_stations, n_checkins, days=days, seed=seed, progress=progress)
        db.session.commit()
    except (DomainError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    if db.engine.dialect.name == "postgresql":
        # What autovacuum would do some minutes later: visibility maps make index-only scans possible.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(
                "VACUUM ANALYZE " + ", ".join(("station", "checkin", *bench_data.ROLLUP_TABLES))
            )
    click.echo(
        f"seeded {result.stations} stations and {result.checkins} check-ins "
        f"({result.first_day} to {result.last_day}) in {time.perf_counter() - started:.1f} s"
    )
