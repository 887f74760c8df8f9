"""``flask reports purge``: the retention policy of riders' reports."""

import click
from flask.cli import AppGroup

from stationfinder.extensions import db
from stationfinder.services import reports as report_service
from stationfinder.services.errors import InvalidInput

reports = AppGroup("reports", help="Riders' reports: data retention.")


@reports.command("purge")
@click.option(
    "--closed-older-than", "days", type=int, required=True, metavar="DAYS", help="Days since closing (>= 1)."
)
def purge_command(days):
    """Remove photos, exact positions and device hashes of reports closed over DAYS ago; the tickets stay."""
    try:
        removed = report_service.purge(days)
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(
        f"removed {removed['photos']} photos, {removed['positions']} exact positions and "
        f"{removed['devices']} device confirmations of reports closed over {days} days ago; "
        "reports and their counts kept"
    )
