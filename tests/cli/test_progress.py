"""Long commands draw a progress bar on stderr when it is a terminal, and print nothing more when not."""

import click.testing
import pytest
import sqlalchemy as sa

from stationfinder.extensions import db
from stationfinder.models import Station
from stationfinder.services.stations import importing as station_import
from tests.factories import StationFactory

ROWS = 4500  # more than two progress reports' worth of lines


def big_csv(tmp_path):
    lines = ["ref,name,lat,lon,region_code"]
    lines += [f"P{n},驿站{n},26.{n:05d},106.7,522731" for n in range(ROWS)]  # all in 惠水县
    path = tmp_path / "many.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def terminal(monkeypatch):
    """Make the CLI runner's streams claim to be a terminal, as an admin's shell is."""
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)


def test_import_without_a_terminal_prints_only_its_summary(app, runner, tmp_path):
    result = runner.invoke(args=["stations", "import", str(big_csv(tmp_path))])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout == f"imported {ROWS} stations ({ROWS} new, 0 updated)\n"


def test_import_on_a_terminal_shows_progress_on_stderr(app, runner, tmp_path, terminal):
    result = runner.invoke(args=["stations", "import", str(big_csv(tmp_path))])
    assert result.exit_code == 0, result.output
    assert f"imported {ROWS} stations" in result.stdout and "checking" not in result.stdout
    lines = ROWS + 1
    assert "checking rows" in result.stderr and f"{lines}/{lines}" in result.stderr
    assert "writing stations" in result.stderr and f"{ROWS}/{ROWS}" in result.stderr
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Station.id))) == ROWS


def test_dry_run_on_a_terminal_shows_the_check(app, runner, tmp_path, terminal):
    result = runner.invoke(args=["stations", "import", "--dry-run", str(big_csv(tmp_path))])
    assert result.exit_code == 0, result.output
    assert "checking rows" in result.stderr and "writing" not in result.stderr


BENCH = ["bench-data", "--stations", "5", "--checkins", "50", "--days", "3"]


def test_bench_data_without_a_terminal_prints_only_its_summary(app, runner):
    result = runner.invoke(args=BENCH)
    assert result.exit_code == 0, result.output
    assert result.stderr == "" and result.stdout.startswith("seeded 5 stations and 50 check-ins")


def test_bench_data_draws_each_phase_on_a_terminal(app, runner, terminal):
    result = runner.invoke(args=BENCH)
    assert result.exit_code == 0, result.output
    for label, end in (("inserting stations", "5/5"), ("inserting check-ins (days)", "3/3")):
        assert label in result.stderr and end in result.stderr
    assert "building rollups" in result.stderr
    assert result.stdout.startswith("seeded 5 stations and 50 check-ins")


@pytest.fixture
def region_stations(app):
    with app.app_context():
        for n in range(3):
            StationFactory(ref=f"bj-{n}", region_code="520502")
        db.session.commit()


def test_bulk_posters_progress_only_on_a_terminal(app, runner, tmp_path, region_stations, monkeypatch):
    args = ["stations", "posters", "--region", "520500", "--output", str(tmp_path / "p.pdf")]
    quiet = runner.invoke(args=args)
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True)
    shown = runner.invoke(args=args)
    assert shown.exit_code == 0, shown.output
    assert "drawing posters" in shown.stderr and "3/3" in shown.stderr
    assert shown.stdout.startswith(f"wrote {tmp_path / 'p.pdf'}: 3 posters")


def test_the_import_service_reports_through_a_callback(app, tmp_path):
    calls = []
    with app.app_context():
        station_import.import_file(
            big_csv(tmp_path).read_bytes(), "many.csv", progress=lambda *call: calls.append(call)
        )
    assert calls[-1] == (station_import.WRITING, ROWS, ROWS)
    checking = [done for label, done, _ in calls if label == station_import.CHECKING]
    assert checking == sorted(checking) and checking[-1] == ROWS + 1 and len(checking) >= 3
