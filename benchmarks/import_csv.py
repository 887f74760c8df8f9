"""Time ``flask stations import`` on 186,100 generated stations, on SQLite and on PostgreSQL.

Each backend imports the file into an empty database (all inserts), then imports
it again (all updates by ref), through the CLI command in-process. PostgreSQL runs
in a schema of its own that is dropped afterwards. Run with
``python -m benchmarks import_csv [--rows N] [--pg URL | --no-pg] [--no-doc]``.
"""

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from benchmarks import harness
from benchmarks.harness import DEFAULT_PG, Database
from stationfinder import create_app
from stationfinder.amenities import CODES
from stationfinder.extensions import db
from stationfinder.geo.coords import from_wgs84
from stationfinder.models import Station

NATIONAL_STATIONS = 186_100
HEADING = "## Station import (issue 2)"
TARGET_S = 120
HOURS = ("24/7", "Mo-Su 08:00-20:00", "Mo-Fr 09:00-18:00; Sa,Su 10:00-16:00", "Mo-Su 07:00-12:00,14:00-22:00")
REGIONS = ("110105", "310115", "440305", "510107", "520502", "520103", "650102", "330106")
HEADER = ("ref", "name", "address", "lat", "lon", "coord_system", "region_code", "amenities", "opening_hours")
HEADER += ("phone", "seats", "area_m2")


def write_csv(path: Path, rows: int, seed: int = 2) -> None:
    """Write ``rows`` stations spread over mainland China, a third of them in GCJ-02 or BD-09."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        for i in range(rows):
            lat, lon = rng.uniform(21.0, 45.0), rng.uniform(98.0, 122.0)
            system = rng.choices(("wgs84", "gcj02", "bd09"), weights=(4, 1, 1))[0]
            lat, lon = from_wgs84(lat, lon, system)
            out.writerow(
                [
                    f"bench-{i}",
                    f"户外劳动者驿站 {i}",
                    f"某市某区某街道 {i} 号",
                    f"{lat:.6f}",
                    f"{lon:.6f}",
                    system,
                    rng.choice(REGIONS),
                    ";".join(rng.sample(CODES, rng.randint(0, 5))),
                    rng.choice(HOURS),
                    f"0851-{rng.randint(1000000, 9999999)}",
                    rng.choice(("", "4", "12")),
                    rng.choice(("", "40", "160")),
                ]
            )


def _config(database: Database) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": database.url,
        "SQLALCHEMY_ENGINE_OPTIONS": database.engine_options,
        "SECRET_KEY": "benchmark-secret-0123456789abcdef",
        "RATELIMIT_ENABLED": False,
    }


def _timed_import(app, path: Path, rows: int, *options: str) -> tuple[float, float]:
    """Return (wall, CPU) seconds of one ``stations import`` run; CPU time shrugs off a busy machine."""
    runner = app.test_cli_runner()
    start, cpu = time.perf_counter(), time.process_time()
    result = runner.invoke(args=["stations", "import", *options, str(path)])
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    if result.exit_code != 0:
        raise RuntimeError(f"import failed: {result.output[-2000:]}")
    with app.app_context():
        count = db.session.scalar(sa.select(sa.func.count()).select_from(Station))
    if count != rows:
        raise RuntimeError(f"expected {rows} stations, found {count}")
    return elapsed, cpu


def run(database: Database, path: Path, rows: int) -> dict:
    """Import into a fresh database: check only, all inserts, then all updates."""
    database.create_tables()
    app = create_app(_config(database))
    try:
        check = _timed_import(app, path, 0, "--dry-run")
        first = _timed_import(app, path, rows)
        second = _timed_import(app, path, rows)
    finally:
        with app.app_context():
            db.engine.dispose()
    return {
        "backend": database.backend,
        "rows": rows,
        "check_s": check,
        "insert_s": first,
        "update_s": second,
        "peak_rss_mb": harness.peak_rss_mb(),
    }


def report(results: list[dict], rows: int, size_mb: float, load_before: float) -> str:
    """Return the markdown section for docs/benchmarks.md."""
    load = os.getloadavg()[0]
    lines = [
        HEADING,
        "",
        f"`python -m benchmarks import_csv` — `flask stations import FILE` (run in-process through the CLI "
        f"runner) on a generated {rows:,}-row CSV ({size_mb:.1f} MB; ⅔ WGS-84, ⅙ GCJ-02, ⅙ BD-09, so a "
        f"third of the rows go through the exact inverse), {time.strftime('%Y-%m-%d')}, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load_before:.1f} before "
        f"and {load:.1f} after (other work shares the machine).",
        "",
    ]

    def timed(key: str):
        return lambda r: f"{r[key][0]:.1f} s (CPU {r[key][1]:.1f} s)"

    lines += harness.by_backend(
        results,
        [
            ("check only (`--dry-run`): read + validate", timed("check_s"), ""),
            ("first import: all inserts", timed("insert_s"), "< 120 s"),
            ("re-import: all updates by ref", timed("update_s"), "< 120 s"),
            ("peak RSS of the process so far", "{peak_rss_mb:.0f} MB", ""),
        ],
    )
    lines.append("")
    for r in results:
        ok = max(r["insert_s"][0], r["update_s"][0]) < TARGET_S
        lines.append(f"- {r['backend']}: under 2 minutes {'✅' if ok else '❌'}.")
    lines += [
        "",
        "Wall time first, then the CPU time of the importing process (PostgreSQL's own work is not in it). "
        "Every row is read and validated first, then all are written in one transaction: executemany "
        "batches of 5,000 inserts, and UPDATE … WHERE id batches grouped by the columns the file has "
        "(refs are looked up in one preloaded ref → id map). Only the cleaned rows stay in memory.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    """Run the benchmark, print the results and update docs/benchmarks.md."""
    parser = argparse.ArgumentParser(prog="benchmarks.import_csv", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=NATIONAL_STATIONS)
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--no-pg", action="store_true", help="only SQLite")
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args(argv)
    results = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-import-") as workdir:
        path = Path(workdir) / "stations.csv"
        write_csv(path, args.rows)
        size_mb = path.stat().st_size / 1e6
        with harness.sqlite("bench-import-") as database:
            results.append(run(database, path, args.rows))
        if not args.no_pg:
            with harness.postgres(args.pg, "bench_import_") as database:
                results.append(run(database, path, args.rows))
    harness.publish(HEADING, report(results, args.rows, size_mb, load_before), no_doc=args.no_doc)
    return results


if __name__ == "__main__":
    main()
