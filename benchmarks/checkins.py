"""Check-in throughput: gunicorn with 4 workers, POST /api/v1/checkins from a load generator on loopback.

For each backend (SQLite file in WAL mode, PostgreSQL schema) the benchmark seeds
stations with posters, starts ``gunicorn stationfinder:create_app()`` configured
only through the environment (as in production, RATELIMIT_ENABLED=false), warms
it up, then sends every request of the run from a bounded pool of threads on
loopback. Afterwards it counts rows: every 201 must be one Checkin row and one
unit in the rollups, with no errors and nothing lost.

Run ``python -m benchmarks.checkins [--backend sqlite|postgresql|both] [--requests N]
[--generator sockets|http.client]``;
results go to ``docs/benchmarks.md`` under "## Check-ins (issue 3)".
"""

import argparse
import os
import statistics
import sys
import time
import uuid
from collections import Counter

import sqlalchemy as sa

from benchmarks import harness
from benchmarks.harness import DEFAULT_PG, Database, cpu_seconds, named
from benchmarks.liveserver import Gunicorn, blast, run_load

HEADING = "## Check-ins (issue 3)"
TARGET = 300.0
SECRET = "benchmark-secret-key-0123456789abcdef"
REGIONS = ("520102", "520502", "520302", "520402", "522601", "522701")


def seed(database: Database, stations: int) -> list[str]:
    """Create the tables and stations with posters; return the poster tokens."""
    from stationfinder import create_app
    from stationfinder.extensions import db
    from stationfinder.models import Station
    from stationfinder.services.posters import tokens as posters

    database.create_tables()
    app = create_app({"DATABASE_URL": database.app_url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False})
    with app.app_context():
        tokens = []
        for n in range(stations):
            station = Station(
                name=f"压测驿站 {n}", lat=26.5 + n * 1e-3, lon=106.7, region_code=REGIONS[n % len(REGIONS)]
            )
            db.session.add(station)
            db.session.flush()
            tokens.append(posters.current_poster(station).token)
        db.session.commit()
        db.engine.dispose()
    return tokens


def count_rows(database: Database) -> tuple[int, int]:
    """Return (Checkin rows, sum of rollup counts) once the check-ins still pending are folded in."""
    from stationfinder import create_app, units
    from stationfinder.extensions import db

    app = create_app({"DATABASE_URL": database.app_url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False})
    with app.app_context():
        units.fold()
        db.engine.dispose()
    engine = database.engine()
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM checkin")).scalar_one()
        counted = conn.execute(sa.text("SELECT coalesce(sum(count), 0) FROM checkin_rollup")).scalar_one()
    engine.dispose()
    return rows, counted


def _http_client(port: int, jobs: list, concurrency: int) -> list:
    # The tests' generator (http.client on keep-alive connections), for comparison with blast.
    return [(status, seconds) for status, _body, seconds in run_load(port, jobs, concurrency)]


GENERATORS = {"sockets": blast, "http.client": _http_client}


def measure(database: Database, args) -> dict:
    """Run one backend and return its figures."""
    tokens = seed(database, args.stations)
    env = {
        "DATABASE_URL": database.app_url,
        "SECRET_KEY": SECRET,
        "RATELIMIT_ENABLED": "false",
        "APP_ENV": "development",
    }
    with Gunicorn(workers=args.workers, threads=args.threads, env=env) as server:
        warm = [("POST", "/api/v1/checkins", {"token": tokens[n % len(tokens)]}) for n in range(args.warmup)]
        send = GENERATORS[args.generator]
        warm_results = send(server.port, warm, args.concurrency)
        jobs = [
            ("POST", "/api/v1/checkins", {"token": tokens[n % len(tokens)], "device_id": uuid.uuid4().hex})
            for n in range(args.requests)
        ]
        server_cpu, client_cpu, db_cpu = server.cpu_seconds(), time.process_time(), _postgres_cpu()
        started = time.perf_counter()
        results = send(server.port, jobs, args.concurrency)
        elapsed = time.perf_counter() - started
        server_cpu, client_cpu = server.cpu_seconds() - server_cpu, time.process_time() - client_cpu
        db_cpu = _postgres_cpu() - db_cpu
    statuses = Counter(status for status, _ in results)
    created = statuses.get(201, 0) + sum(1 for status, _ in warm_results if status == 201)
    rows, counted = count_rows(database)
    latencies = [seconds * 1000 for _, seconds in results]
    return {
        "backend": database.backend,
        "requests": len(jobs),
        "seconds": elapsed,
        "rate": len(jobs) / elapsed,
        "errors": len(jobs) - statuses.get(201, 0),
        "lost": created - rows,
        "rollup_gap": created - counted,
        "p50": statistics.median(latencies),
        "p99": harness.percentile(latencies, 0.99),
        "app_cpu_ms": server_cpu / len(jobs) * 1000,
        "client_cpu_ms": client_cpu / len(jobs) * 1000,
        "db_cpu_ms": db_cpu / len(jobs) * 1000 if database.schema else None,
    }


def _postgres_cpu() -> float:
    # PostgreSQL runs on this machine too: its processes' CPU is part of each check-in's cost.
    return sum(cpu_seconds(pid) for pid in named("postgres"))


def _db_cpu(result: dict) -> str:
    return "—" if result["db_cpu_ms"] is None else f"{result['db_cpu_ms']:.2f} ms"


def section(results: list[dict], args) -> str:
    """Return the markdown section for docs/benchmarks.md."""
    load = os.getloadavg()[0]
    lines = [
        HEADING,
        "",
        f"`python -m benchmarks checkins` — gunicorn `stationfinder:create_app()` with {args.workers} workers"
        + (f" × {args.threads} threads (gthread)" if args.threads > 1 else " (sync)")
        + f" on this {os.cpu_count()}-core machine, {args.requests:,} check-ins of new devices over "
        f"{args.stations} stations, {args.concurrency} client threads ({args.generator}) on loopback in "
        f"the same machine, rate limits off; {time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}, "
        f"load average {load:.1f} at the end.",
        "",
    ]
    lines += harness.by_backend(
        results,
        [
            ("check-ins per second", "{rate:.0f}", f"≥ {TARGET:.0f}"),
            ("errors (non-201)", "{errors}", "0"),
            ("lost (201 without a row)", "{lost}", "0"),
            ("missing from rollups", "{rollup_gap}", "0"),
            ("latency p50", "{p50:.1f} ms", ""),
            ("latency p99", "{p99:.1f} ms", ""),
            ("gunicorn CPU per check-in", "{app_cpu_ms:.2f} ms", ""),
            ("load generator CPU per check-in", "{client_cpu_ms:.2f} ms", ""),
            ("PostgreSQL server CPU per check-in", _db_cpu, ""),
        ],
    )
    lines += [
        "",
        "Every check-in goes through one path, written in SQLAlchemy Core (`services/checkins/`: "
        "`recording.record`; the views call `units.check_in`, which commits): on SQLite one "
        "`BEGIN IMMEDIATE` "
        "transaction with the poster lookup, the dedupe upsert on `device_presence`, the unique-device "
        "rows in `device_day` (one multi-row insert) and the `checkin` row; on PostgreSQL one statement "
        "that also re-checks the poster and station the worker remembered (a worker's first check-in "
        "at a poster reads it first). The databases differ only in `writes.py`'s `claim_and_add`. "
        "The row is stored "
        "pending; each worker folds pending check-ins into the rollup tables in one batch every "
        "`ROLLUP_FOLD_EVERY` check-ins or `ROLLUP_FOLD_SECONDS` (`units.fold`, "
        "`services/rollups/fold.py`; on PostgreSQL one "
        "`INSERT … SELECT FROM unnest(…)` upsert per table), and statistics fold before they "
        "read. The rollup check above counts after a last fold.\n\n"
        "The throughput is bound by CPU: the two cores run the four workers, PostgreSQL and the "
        "load generator together, so 2 cores ÷ (the three CPU rows above) is the ceiling. The load "
        "generator (`liveserver.blast`) sends prepared requests from 16 threads on plain sockets, "
        "one connection per request as riders' phones make them (gunicorn's sync workers close "
        "each connection anyway); its CPU per request is about a third of the http.client "
        "generator the tests use. The concurrency "
        "guarantees (one device tapping 32 times at once counts once; nothing lost) are tested in "
        "`tests/services/checkins/test_checkin_concurrency.py` "
        "against the same gunicorn set-up.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    """Run the benchmark on the chosen backends and record the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG_URL", DEFAULT_PG))
    parser.add_argument("--requests", type=int, default=6000)
    parser.add_argument("--warmup", type=int, default=400)
    parser.add_argument("--stations", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--generator", choices=sorted(GENERATORS), default="sockets")
    parser.add_argument("--no-doc", action="store_true", help="print only; leave docs/benchmarks.md alone")
    args = parser.parse_args(argv)
    results = []
    if args.backend in ("sqlite", "both"):
        with harness.sqlite("sf-bench-", backend="SQLite (WAL)") as database:
            results.append(measure(database, args))
    if args.backend in ("postgresql", "both"):
        with harness.postgres(args.pg) as database:
            results.append(measure(database, args))
    harness.publish(HEADING, section(results, args), no_doc=args.no_doc)
    ok = all(
        r["rate"] >= TARGET and r["errors"] == 0 and r["lost"] == 0 and r["rollup_gap"] == 0 for r in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
