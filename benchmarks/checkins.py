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
import tempfile
import time
import uuid
from collections import Counter

import sqlalchemy as sa

from benchmarks.doc_sections import write_section
from benchmarks.liveserver import Gunicorn, blast, cpu_seconds, named, run_load

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HEADING = "## Check-ins (issue 3)"
TARGET = 300.0
SECRET = "benchmark-secret-key-0123456789abcdef"
REGIONS = ("520102", "520502", "520302", "520402", "522601", "522701")


def seed(url: str, stations: int) -> list[str]:
    """Create the tables and stations with posters; return the poster tokens."""
    from stationfinder import create_app
    from stationfinder.extensions import db
    from stationfinder.models import Base, Station
    from stationfinder.services.posters import tokens as posters

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False})
    with app.app_context():
        Base.metadata.create_all(db.engine)
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


def count_rows(url: str) -> tuple[int, int]:
    """Return (Checkin rows, sum of rollup counts) once the check-ins still pending are folded in."""
    from stationfinder import create_app
    from stationfinder.extensions import db
    from stationfinder.services.rollups import fold

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False})
    with app.app_context():
        fold.fold()
        db.engine.dispose()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM checkin")).scalar_one()
        counted = conn.execute(sa.text("SELECT coalesce(sum(count), 0) FROM checkin_rollup")).scalar_one()
    engine.dispose()
    return rows, counted


def _http_client(port: int, jobs: list, concurrency: int) -> list:
    # The tests' generator (http.client on keep-alive connections), for comparison with blast.
    return [(status, seconds) for status, _body, seconds in run_load(port, jobs, concurrency)]


GENERATORS = {"sockets": blast, "http.client": _http_client}


def measure(backend: str, url: str, args) -> dict:
    """Run one backend and return its figures."""
    tokens = seed(url, args.stations)
    env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "false", "APP_ENV": "development"}
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
    rows, counted = count_rows(url)
    latencies = sorted(seconds * 1000 for _, seconds in results)
    return {
        "backend": backend,
        "requests": len(jobs),
        "seconds": elapsed,
        "rate": len(jobs) / elapsed,
        "errors": len(jobs) - statuses.get(201, 0),
        "lost": created - rows,
        "rollup_gap": created - counted,
        "p50": statistics.median(latencies),
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "app_cpu_ms": server_cpu / len(jobs) * 1000,
        "client_cpu_ms": client_cpu / len(jobs) * 1000,
        "db_cpu_ms": db_cpu / len(jobs) * 1000 if backend == "PostgreSQL" else None,
    }


def _postgres_cpu() -> float:
    # PostgreSQL runs on this machine too: its processes' CPU is part of each check-in's cost.
    return sum(cpu_seconds(pid) for pid in named("postgres"))


def pg_schema_url(base: str) -> tuple[str, str]:
    """Create a fresh schema and return (URL that uses it, schema name)."""
    schema = "bench_" + uuid.uuid4().hex[:10]
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}options=-csearch_path%3D{schema}", schema


def drop_schema(base: str, schema: str) -> None:
    engine = sa.create_engine(base)
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


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
        "| | " + " | ".join(r["backend"] for r in results) + " | target |",
        "|---|" + "---|" * len(results) + "---|",
    ]

    def row(label, fmt, key, target=""):
        lines.append(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in results) + f" | {target} |")

    row("check-ins per second", "{:.0f}", "rate", f"≥ {TARGET:.0f}")
    row("errors (non-201)", "{}", "errors", "0")
    row("lost (201 without a row)", "{}", "lost", "0")
    row("missing from rollups", "{}", "rollup_gap", "0")
    row("latency p50", "{:.1f} ms", "p50")
    row("latency p99", "{:.1f} ms", "p99")
    row("gunicorn CPU per check-in", "{:.2f} ms", "app_cpu_ms")
    row("load generator CPU per check-in", "{:.2f} ms", "client_cpu_ms")
    lines.append(
        "| PostgreSQL server CPU per check-in | "
        + " | ".join("—" if r["db_cpu_ms"] is None else f"{r['db_cpu_ms']:.2f} ms" for r in results)
        + " |  |"
    )
    lines += [
        "",
        "Every check-in goes through one path, written in SQLAlchemy Core (`services/checkins/`: "
        "`recording.record`; the views call `check_in`, which commits): on SQLite one `BEGIN IMMEDIATE` "
        "transaction with the poster lookup, the dedupe upsert on `device_presence`, the unique-device "
        "rows in `device_day` (one multi-row insert) and the `checkin` row; on PostgreSQL one statement "
        "that also re-checks the poster and station the worker remembered (a worker's first check-in "
        "at a poster reads it first). The databases differ only in `writes.py`'s `claim_and_add`. "
        "The row is stored "
        "pending; each worker folds pending check-ins into the rollup tables in one batch every "
        "`ROLLUP_FOLD_EVERY` check-ins or `ROLLUP_FOLD_SECONDS` (`services/fold.py`; on PostgreSQL one "
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
        with tempfile.TemporaryDirectory(prefix="sf-bench-") as folder:
            results.append(measure("SQLite (WAL)", f"sqlite:///{folder}/bench.sqlite", args))
    if args.backend in ("postgresql", "both"):
        url, schema = pg_schema_url(args.pg)
        try:
            results.append(measure("PostgreSQL", url, args))
        finally:
            drop_schema(args.pg, schema)
    text = section(results, args)
    print(text)
    if not args.no_doc:
        write_section(HEADING, text)
    ok = all(
        r["rate"] >= TARGET and r["errors"] == 0 and r["lost"] == 0 and r["rollup_gap"] == 0 for r in results
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
