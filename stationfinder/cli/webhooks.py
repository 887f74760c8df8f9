"""``flask webhooks …`` and ``flask outbox work``: where report notifications go, and sending them."""

import signal
import time

import click
from flask import current_app
from flask.cli import AppGroup

from stationfinder import units
from stationfinder.extensions import db
from stationfinder.models.webhook import FORMATS
from stationfinder.services.errors import DomainError
from stationfinder.services.webhooks import registry

webhooks = AppGroup(
    "webhooks", help="Webhooks (WeCom group robots, signed JSON) that get a region's reports."
)
outbox = AppGroup("outbox", help="The outbox of report notifications: send them.")


@webhooks.command("add")
@click.option(
    "--region", required=True, help="6-digit region code; its reports and those inside it are sent."
)
@click.option("--url", required=True, help="https URL of the robot or receiver.")
@click.option("--format", "fmt", required=True, type=click.Choice(FORMATS), help="wecom or json.")
@click.option(
    "--secret", help="json only: the HMAC key (16-128 characters); made up and shown once if not given."
)
@click.option("--name", default="", help="A name for the list, e.g. the group's name.")
@click.option(
    "--allow-private",
    is_flag=True,
    help="Allow an address on a private network (an office's intranet robot); never cloud metadata.",
)
def add_command(region, url, fmt, secret, name, allow_private):
    """Add a webhook for a region's reports."""
    try:
        webhook, shown = registry.add(
            region,
            url,
            fmt,
            secret=secret,
            name=name,
            allow_private=allow_private,
            allow_http=current_app.config["APP_ENV"] != "production",
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"added webhook {webhook.id}: {webhook.format} for region {webhook.region_code}")
    if shown:
        click.echo(f"secret (shown once; give it to the receiver to check signatures): {shown}")


@webhooks.command("list")
def list_command():
    """List the webhooks, with their URLs' keys hidden."""
    for webhook in registry.listed():
        flags = " private" if webhook.allow_private else ""
        signed = " signed" if webhook.secret else ""
        click.echo(
            f"{webhook.id}\t{webhook.region_code}\t{webhook.format}{signed}{flags}\t"
            f"{registry.masked(webhook.url)}\t{webhook.name}"
        )


@webhooks.command("remove")
@click.argument("webhook_id", type=int)
def remove_command(webhook_id):
    """Remove a webhook and the messages it still had to send."""
    try:
        webhook = registry.remove(webhook_id)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"removed webhook {webhook.id}")


@outbox.command("work")
@click.option("--once", is_flag=True, help="Send what is due now, then exit (tests, timers).")
def work_command(once):
    """Send the outbox's messages as they fall due; with --once, what is due now."""
    if once:
        _report(units.deliver())
        return
    stopping = []
    # systemd stops a service with SIGTERM: finish the message in hand, then exit.
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    poll = current_app.config["OUTBOX_POLL_SECONDS"]
    click.echo(f"sending outbox messages as they fall due (every {poll:g} s); Ctrl-C stops")
    try:
        while not stopping:
            done = units.deliver(limit=100)
            if done.tried:
                _report(done)
            else:
                time.sleep(poll)
    except KeyboardInterrupt:
        pass


def _report(done: units.Delivered) -> None:
    click.echo(f"sent {done.sent}, failed {done.failed} (retried later), abandoned {done.abandoned}")
