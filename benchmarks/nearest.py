"""Nearest search at national scale: 186,100 stations spread over China, denser near cities.

The parent process fills a temporary database; a fresh child process (one "worker") then
measures, through the Flask test client:

- the time from ``create_app()`` to the first nearest answer (includes building the index);
- median and p99 of ``GET /api/v1/stations/nearest`` against a bare Flask route in the same app
  returning the same JSON (interleaved, so drift hits both alike);
- the process memory (VmRSS / VmHWM from /proc/self/status) after the queries;
- a brute-force scan with geopy's ``geodesic`` for a few queries, which also cross-checks the answers.

Run ``python -m benchmarks.nearest [--pg [URL]] [--stations N] [--queries N]``; results go to
``docs/benchmarks.md`` under "## Nearest search (issue 2)".
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from benchmarks.doc_sections import write_section

NATIONAL_STATIONS = 186_100
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
HEADING = "## Nearest search (issue 2)"

# (lat, lon, weight): big cities get more stations.
CITIES = [
    (39.90, 116.40, 10),
    (31.23, 121.47, 10),
    (23.13, 113.26, 8),
    (22.54, 114.06, 8),
    (30.57, 104.07, 7),
    (29.56, 106.55, 7),
    (30.59, 114.31, 6),
    (34.34, 108.94, 5),
    (32.06, 118.80, 6),
    (30.27, 120.16, 6),
    (39.08, 117.20, 5),
    (36.07, 120.38, 4),
    (38.04, 114.51, 4),
    (34.75, 113.62, 5),
    (28.23, 112.94, 4),
    (26.07, 119.30, 3),
    (24.48, 118.09, 3),
    (25.04, 102.71, 3),
    (26.65, 106.63, 4),
    (27.30, 105.29, 2),
    (27.73, 106.93, 2),
    (22.82, 108.37, 3),
    (20.04, 110.34, 2),
    (36.65, 117.12, 4),
    (41.80, 123.43, 4),
    (45.80, 126.53, 3),
    (43.82, 125.32, 3),
    (37.87, 112.55, 3),
    (36.06, 103.83, 2),
    (43.83, 87.62, 2),
    (29.65, 91.13, 1),
    (36.62, 101.78, 1),
    (38.49, 106.23, 1),
    (40.84, 111.75, 2),
    (28.68, 115.86, 3),
    (31.82, 117.23, 3),
    (25.28, 110.29, 1),
    (24.88, 102.83, 1),
    (26.25, 105.93, 1),
    (25.09, 104.90, 1),
]
HOURS = ("24/7", "Mo-Su 08:00-20:00", "Mo-Fr 09:00-18:00; Sa,Su 10:00-16:00", "Mo-Su 07:00-12:00,14:00-22:00")
REGIONS = ("110105", "310115", "440305", "510107", "520502", "520103", "650102", "330106")


def _point(rng: random.Random, cities_only: bool = False) -> tuple[float, float]:
    """Return a WGS-84 point: mostly scattered around a city, sometimes anywhere in China's box."""
    if cities_only or rng.random() < 0.75:
        lat, lon, _ = rng.choices(CITIES, weights=[c[2] for c in CITIES])[0]
        spread = rng.choice((0.03, 0.1, 0.4))
        return lat + rng.gauss(0, spread), lon + rng.gauss(0, spread)
    return rng.uniform(21.0, 46.0), rng.uniform(80.0, 128.0)


def _rows(n: int, seed: int = 7):
    rng = random.Random(seed)
    for i in range(n):
        lat, lon = _point(rng)
        status = rng.choices(("open", "temporarily_closed", "closed"), weights=(97, 2, 1))[0]
        yield {
            "ref": f"bench-{i}",
            "name": f"户外劳动者驿站 {i} 号",
            "address": f"某省某市某区某街道 {rng.randint(1, 999)} 号",
            "lat": lat,
            "lon": lon,
            "region_code": rng.choice(REGIONS),
            "amenity_mask": rng.getrandbits(14) & rng.getrandbits(14),
            "opening_hours": rng.choice(HOURS),
            "phone": f"0851-{rng.randint(1000000, 9999999)}",
            "access": "public",
            "seats": rng.choice((None, 4, 12)),
            "area_m2": rng.choice((None, 40, 160)),
            "status": status,
            "is_demo": False,
        }


def fill(url: str, engine_options: dict, n: int) -> float:
    """Create the tables and insert ``n`` stations; return the seconds it took."""
    import sqlalchemy as sa

    from stationfinder.models import Base, DatasetVersion, Station

    start = time.perf_counter()
    engine = sa.create_engine(url, **engine_options)
    Base.metadata.create_all(engine)
    rows = _rows(n)
    with engine.begin() as conn:
        while chunk := [r for _, r in zip(range(20_000), rows, strict=False)]:
            conn.execute(sa.insert(Station), chunk)
        conn.execute(sa.insert(DatasetVersion), [{"name": "stations", "version": 1}])
    engine.dispose()
    return time.perf_counter() - start


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def child(url: str, engine_options: dict, queries: int, scans: int) -> dict:
    """Measure one worker: first answer, latency against a bare route, memory, brute-force ratio."""
    import_start = time.perf_counter()
    from flask import request
    from geopy.distance import geodesic

    from stationfinder import create_app
    from stationfinder.api.schemas import NearestQuery
    from stationfinder.services.nearest import search as nearest_service

    import_s = time.perf_counter() - import_start
    config = {
        "DATABASE_URL": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "SECRET_KEY": "benchmark-secret-0123456789abcdef",
    }
    start = time.perf_counter()
    app = create_app(config)
    canned: dict[bytes, dict] = {}

    @app.get("/bench/bare")
    def bare():
        return canned[request.query_string]

    client = app.test_client()
    first = client.get("/api/v1/stations/nearest?lat=26.58&lon=106.71")
    first_s = time.perf_counter() - start
    assert first.status_code == 200, first.get_data(as_text=True)
    build_s = app.extensions[nearest_service.EXTENSION].index.build_seconds
    index_mb = app.extensions[nearest_service.EXTENSION].index.nbytes / 1e6

    rng = random.Random(11)
    urls = []
    for i in range(queries):
        lat, lon = _point(rng, cities_only=i % 4 != 0)
        urls.append(f"lat={lat:.6f}&lon={lon:.6f}")
    filters = "&amenity=drinking_water&amenity=charging&open_now=true"

    # The worker's own memory: every query answered once, before the benchmark keeps answers around.
    for qs in urls:
        assert client.get("/api/v1/stations/nearest?" + qs).status_code == 200
        assert client.get("/api/v1/stations/nearest?" + qs + filters).status_code == 200
    rss_mb, peak_mb = _status_kb("VmRSS") / 1024, _status_kb("VmHWM") / 1024

    for qs in urls:
        canned[qs.encode()] = client.get("/api/v1/stations/nearest?" + qs).get_json()
    for qs in urls[:200]:  # warm the bare route too
        client.get("/bench/bare?" + qs)

    wall, cpu = time.perf_counter, time.process_time
    load_before = os.getloadavg()[0]
    api_ms, bare_ms, api_cpu, bare_cpu = [], [], [], []
    for qs in urls:
        t, c = wall(), cpu()
        r = client.get("/api/v1/stations/nearest?" + qs)
        api_ms.append((wall() - t) * 1e3)
        api_cpu.append((cpu() - c) * 1e3)
        t, c = wall(), cpu()
        b = client.get("/bench/bare?" + qs)
        bare_ms.append((wall() - t) * 1e3)
        bare_cpu.append((cpu() - c) * 1e3)
        assert r.status_code == 200 and b.status_code == 200
    filtered_ms = []
    for qs in urls[: max(1, queries // 4)]:
        t = wall()
        r = client.get("/api/v1/stations/nearest?" + qs + filters)
        filtered_ms.append((wall() - t) * 1e3)
        assert r.status_code == 200
    load_after = os.getloadavg()[0]
    schema = NearestQuery()
    args = {"lat": "26.58", "lon": "106.71"}
    t = wall()
    for _ in range(2000):
        schema.load(args)
    parse_us = (wall() - t) / 2000 * 1e6
    with app.app_context():
        t = wall()
        for qs in urls[:500]:
            lat, lon = (float(p.split("=")[1]) for p in qs.split("&"))
            nearest_service.nearest(lat, lon, limit=5)
        service_us = (wall() - t) / min(500, len(urls)) * 1e6

    # Brute force over every searchable station with geopy, checking our answers on the way.
    index = app.extensions[nearest_service.EXTENSION].index
    points = list(zip(index.lat.tolist(), index.lon.tolist(), strict=True))
    scan_s, mismatches = [], 0
    for qs in urls[:scans]:
        lat, lon = (float(p.split("=")[1]) for p in qs.split("&"))
        t = wall()
        distances = sorted((geodesic((lat, lon), p).meters, i) for i, p in enumerate(points))
        scan_s.append(wall() - t)
        ours = [s["distance_m"] for s in canned[qs.encode()]["stations"]]
        oracle = [round(d, 1) for d, _ in distances[: len(ours)]]
        mismatches += any(abs(a - b) > max(2.0, 1e-4 * b) for a, b in zip(ours, oracle, strict=True))

    api_median, bare_median = statistics.median(api_ms), statistics.median(bare_ms)
    return {
        "api_cpu_median_ms": statistics.median(api_cpu),
        "bare_cpu_median_ms": statistics.median(bare_cpu),
        "ratio_cpu_median": statistics.median(api_cpu) / statistics.median(bare_cpu),
        "load": f"{load_before:.1f} / {load_after:.1f}",
        "cpus": os.cpu_count(),
        "stations_indexed": len(index),
        "import_s": import_s,
        "first_answer_s": first_s,
        "index_build_s": build_s,
        "index_mb": index_mb,
        "api_median_ms": api_median,
        "api_p99_ms": _percentile(api_ms, 0.99),
        "bare_median_ms": bare_median,
        "bare_p99_ms": _percentile(bare_ms, 0.99),
        "ratio_median": api_median / bare_median,
        "filtered_median_ms": statistics.median(filtered_ms),
        "filtered_p99_ms": _percentile(filtered_ms, 0.99),
        "parse_us": parse_us,
        "service_us": service_us,
        "rss_mb": rss_mb,
        "peak_rss_mb": peak_mb,
        "scan_median_s": statistics.median(scan_s),
        "scan_ratio": statistics.median(scan_s) / (api_median / 1e3),
        "scan_mismatches": mismatches,
        "scans": len(scan_s),
        "queries": queries,
    }


def _run_child(url: str, engine_options: dict, queries: int, scans: int) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.nearest",
            "--child",
            json.dumps([url, engine_options, queries, scans]),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_sqlite(n: int, queries: int, scans: int, workdir: str) -> dict:
    url = f"sqlite:///{workdir}/nearest.sqlite"
    fill_s = fill(url, {}, n)
    return {"backend": "SQLite", "fill_s": fill_s, **_run_child(url, {}, queries, scans)}


def run_postgres(n: int, queries: int, scans: int, url: str) -> dict:
    import sqlalchemy as sa

    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    schema = "bench_nearest_" + uuid.uuid4().hex[:10]
    options = {"connect_args": {"options": f"-csearch_path={schema}"}}
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        fill_s = fill(url, options, n)
        return {"backend": "PostgreSQL", "fill_s": fill_s, **_run_child(url, options, queries, scans)}
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _verdict(ok: bool) -> str:
    return "yes" if ok else "**NO**"


def report(results: list[dict], n: int) -> str:
    """Return the markdown section for docs/benchmarks.md."""
    lines = [
        HEADING,
        "",
        f"`python -m benchmarks nearest` — {n:,} stations (about 75 % scattered around 40 cities, the rest "
        "anywhere in China's box; 1 % closed), one fresh worker process per backend, Flask test client, "
        f"{time.strftime('%Y-%m-%d')}, Python {sys.version.split()[0]}.",
        "",
        "| | " + " | ".join(r["backend"] for r in results) + " | target |",
        "|---|" + "---|" * len(results) + "---|",
    ]

    def row(label, fmt, key, target=""):
        lines.append(f"| {label} | " + " | ".join(fmt.format(r[key]) for r in results) + f" | {target} |")

    row("first answer after `create_app()`", "{:.2f} s", "first_answer_s", "≤ 5 s")
    row("… of which index build", "{:.2f} s", "index_build_s")
    row("nearest, median", "{:.3f} ms", "api_median_ms")
    row("bare Flask route, same JSON, median", "{:.3f} ms", "bare_median_ms")
    row("**median ratio nearest / bare**", "{:.2f}×", "ratio_median", "≤ 2×")
    row("median ratio by CPU time (load-independent)", "{:.2f}×", "ratio_cpu_median")
    row("nearest, p99", "{:.3f} ms", "api_p99_ms", "< 5 ms")
    row("bare route, p99", "{:.3f} ms", "bare_p99_ms")
    row("nearest + 2 amenities + open_now, median", "{:.3f} ms", "filtered_median_ms")
    row("nearest + 2 amenities + open_now, p99", "{:.3f} ms", "filtered_p99_ms")
    row("query parsing (marshmallow), per request", "{:.0f} µs", "parse_us")
    row("search + shaping without HTTP, per query", "{:.0f} µs", "service_us")
    row("load average before / after the timed loop", "{}", "load")
    row("process RSS after the queries", "{:.0f} MB", "rss_mb", "< 200 MB")
    row("process peak RSS (VmHWM)", "{:.0f} MB", "peak_rss_mb", "< 200 MB")
    row("index columns + tree", "{:.0f} MB", "index_mb")
    row("brute-force geopy scan, per query", "{:.1f} s", "scan_median_s")
    row("**scan / nearest median**", "{:,.0f}×", "scan_ratio")
    row("scan answers that differ from ours", "{}", "scan_mismatches", "0")
    lines.append("")
    checks = []
    for r in results:
        verdicts = (
            f"median ≤ 2× bare {_verdict(r['ratio_median'] <= 2)}, "
            f"p99 < 5 ms {_verdict(r['api_p99_ms'] < 5)}, "
            f"first answer ≤ 5 s {_verdict(r['first_answer_s'] <= 5)}, "
            f"peak memory < 200 MB {_verdict(r['peak_rss_mb'] < 200)}"
        )
        checks.append(
            f"- {r['backend']}: {verdicts} ({r['queries']} queries, {r['scans']} geopy scans, "
            f"{r['cpus']} CPUs; filling the database took {r['fill_s']:.0f} s)."
        )
    lines += checks
    lines += [
        "",
        "The bare route is registered on the same app and returns the very dict the nearest endpoint "
        "answered for that query, so the ratio isolates parsing, the search and shaping the stations.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="benchmarks.nearest", description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=NATIONAL_STATIONS)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--scans", type=int, default=3, help="brute-force geopy scans (about 15 s each)")
    parser.add_argument(
        "--pg", nargs="?", const=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG), default=None
    )
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*json.loads(args.child))))
        return []
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-nearest-") as workdir:
        results.append(run_sqlite(args.stations, args.queries, args.scans, workdir))
    if args.pg:
        results.append(run_postgres(args.stations, args.queries, args.scans, args.pg))
    section = report(results, args.stations)
    print(section)
    if not args.no_doc:
        write_section(HEADING, section)
    return results


if __name__ == "__main__":
    main()
