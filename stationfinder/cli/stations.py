"""``flask stations …`` and ``flask demo``."""

import io
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from stationfinder.cli.progress import progress_bar
from stationfinder.extensions import db
from stationfinder.services.stations import demo as demo_service
from stationfinder.services.stations import export as station_export
from stationfinder.services.stations import importing as station_import
from stationfinder.services.stations.importing import ImportRejected, ImportResult

stations = AppGroup("stations", help="Import, export and inspect stations.")


def _report_rejection(exc: ImportRejected) -> None:
    db.session.rollback()
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    click.echo(f"nothing imported: {len(exc.problems)} problem(s)", err=True)
    raise click.exceptions.Exit(1)


def _summary(result: ImportResult, what: str = "stations") -> str:
    # Warnings go to stderr, like problems, so stdout stays one line a script can read.
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    text = f"imported {result.total} {what} ({result.created} new, {result.updated} updated)"
    if result.filled:
        text += f"; {result.filled} region code(s) filled from the position"
    if result.warnings:
        text += f"; {len(result.warnings)} warning(s)"
    return text


@stations.command("import")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(station_import.FORMATS),
    help="File format; by default from the extension (.csv, .geojson, .json) or the content.",
)
@click.option("--dry-run", is_flag=True, help="Only check the file and report problems; write nothing.")
def import_command(file, fmt, dry_run):
    """Import stations from a CSV or GeoJSON FILE ("-" for stdin): all rows, or none.

    Required: name, lat, lon (GeoJSON: a Point geometry). Optional: ref, address, region_code,
    amenities (codes separated by ;), opening_hours, phone, coord_system (wgs84, gcj02, bd09),
    access, seats, area_m2, status, last_verified_at, is_demo. A row whose ref is already known
    updates that station, in the columns the file has; rows without a ref are always added.
    """
    data = file.read()
    name = Path(getattr(file, "name", "-")).name
    timezone = current_app.config["TIMEZONE"]
    try:
        with progress_bar() as progress:
            if dry_run:
                rows = station_import.read_file(data, name, fmt, progress)
                count = station_import.check_records(rows, timezone)
            else:
                result = station_import.import_file(
                    data, filename=name, fmt=fmt, timezone=timezone, progress=progress
                )
    except ImportRejected as exc:
        _report_rejection(exc)
    if dry_run:
        click.echo(f"{count} stations are valid; nothing was written (--dry-run)")
        return
    db.session.commit()
    click.echo(_summary(result))


@stations.command("export")
@click.option("--format", "fmt", type=click.Choice(station_import.FORMATS), default="csv", show_default=True)
def export_command(fmt):
    """Write every station to stdout as CSV or GeoJSON (UTF-8, WGS-84)."""
    # UTF-8 whatever the locale says, and no newline translation inside CSV fields.
    with click.open_file("-", "wb") as stdout:
        out = io.TextIOWrapper(stdout, encoding="utf-8", newline="")
        try:
            (station_export.export_csv if fmt == "csv" else station_export.export_geojson)(out)
            out.flush()
        finally:
            out.detach()


@click.command("demo")
@with_appcontext
def demo():
    """Load demo stations in Guizhou (approximate positions); running it again updates them."""
    try:
        result = demo_service.load()
    except ImportRejected as exc:
        _report_rejection(exc)
    db.session.commit()
    click.echo(_summary(result, "demo stations"))
