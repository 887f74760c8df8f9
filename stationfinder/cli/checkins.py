"""``flask checkins purge``: the retention policy's command."""

import click
from flask.cli import AppGroup

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.services import checkins as checkin_service
from stationfinder.services.errors import InvalidInput

checkins = AppGroup("checkins", help="Check-in data retention.")


@checkins.command("purge")
@click.option("--older-than", "days", type=int, required=True, metavar="DAYS", help="Age in days (>= 1).")
def purge_command(days):
    """Delete raw check-ins and device rows older than DAYS; the aggregate counts stay."""
    try:
        # Count what is pending first: purge keeps the raw rows of check-ins not yet counted.
        units.fold()
        removed = checkin_service.purge(days)
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(
        f"removed {removed['checkins']} check-ins, {removed['device_days']} device-day rows and "
        f"{removed['device_presence']} device-presence rows older than {days} days; rollups kept"
    )
