"""``flask stations checkin-url | poster | posters``: QR posters for scripts and admins."""

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from stationfinder.cli.progress import progress_bar
from stationfinder.cli.stations import stations
from stationfinder.extensions import db
from stationfinder.models import Station, StationStatus
from stationfinder.services.errors import NotFound
from stationfinder.services.posters import fonts as poster_fonts
from stationfinder.services.posters import pdf as poster_pdf
from stationfinder.services.posters import render as poster_render
from stationfinder.services.posters import tokens as posters
from stationfinder.services.regions import codes as regions
from stationfinder.services.stations.lookup import get_station

RENDERERS = {"pdf": poster_pdf.pdf, "png": poster_render.png, "svg": poster_render.svg}


def _station(key: str) -> Station:
    try:
        return get_station(key)
    except NotFound:
        raise click.ClickException(f"no station {key!r} (give its numeric id or its ref)") from None


def _render(render, *args) -> bytes:
    try:
        return render(*args)
    except poster_fonts.FontMissing as exc:
        raise click.ClickException(str(exc)) from None


def _write(path: Path, body: bytes) -> None:
    try:
        path.write_bytes(body)
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror}") from None


@stations.command("checkin-url")
@click.argument("ref_or_id")
def checkin_url_command(ref_or_id):
    """Print the check-in URL in the station's current poster (making the first poster if none)."""
    station = _station(ref_or_id)
    poster = posters.current_poster(station, create=True)
    db.session.commit()
    click.echo(posters.checkin_url(poster, current_app.config["PUBLIC_BASE_URL"]))


@stations.command("poster")
@click.argument("ref_or_id")
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="pdf", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
def poster_command(ref_or_id, fmt, output):
    """Write the station's A4 poster as PDF, PNG or SVG."""
    station = _station(ref_or_id)
    poster = posters.current_poster(station, create=True)
    body = _render(RENDERERS[fmt], station, poster, current_app.config["PUBLIC_BASE_URL"])
    db.session.commit()
    _write(output, body)
    if fmt == "png" and poster_fonts.find_cjk_font() is None:
        click.echo("warning: no CJK font found (install fonts-noto-cjk); Chinese text left out", err=True)
    click.echo(f"wrote {output} (code {posters.display_code(poster.short_code)})")


@stations.command("posters")
@click.option("--region", required=True, help="6-digit adcode; 520000 is all of Guizhou.")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True)
def posters_command(region, output):
    """Write one PDF with the poster of every station (not closed) in a region."""
    try:
        region = regions.validate(region)
    except regions.InvalidRegion as exc:
        raise click.ClickException(str(exc)) from None
    selected = list(
        db.session.scalars(
            sa.select(Station)
            .where(regions.clause(Station.region_code, region), Station.status != StationStatus.CLOSED.value)
            .order_by(Station.region_code, Station.id)
        )
    )
    if not selected:
        raise click.ClickException(f"no open station in region {region}")
    with progress_bar() as progress:
        body = _render(poster_pdf.posters_pdf, selected, current_app.config["PUBLIC_BASE_URL"], progress)
    db.session.commit()
    _write(output, body)
    click.echo(f"wrote {output}: {len(selected)} posters")


@stations.command("poster-fonts")
def poster_fonts_command():
    """Check that the fonts posters are drawn with are installed; exit 1 when one is missing."""
    found = poster_fonts.problems()
    for line in found:
        click.echo(f"warning: {line}", err=True)
    if found:
        click.get_current_context().exit(1)
    click.echo("poster fonts: all installed")
