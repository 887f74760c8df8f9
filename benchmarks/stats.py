"""Statistics at national scale: the stats API and the dashboard against a raw GROUP BY over check-ins.

Seeds 186,100 stations and 10 million check-ins over a year with ``flask bench-data`` into a
PostgreSQL schema of its own (dropped afterwards), then a fresh child process measures through
the Flask test client, interleaved, ``--repeat`` times each:

- ``GET /api/v1/stats/checkins`` for national 30 days by day, the biggest province by station,
  its biggest county by hour, one year by region (and a few more);
- ``GET /dashboard/`` (every section, HTML rendered) for the country, the province and the county;
- the same questions as a plain GROUP BY over the ``checkin`` table (fewer runs: they are slow).

Run ``python -m benchmarks.stats [--pg [URL]] [--stations N] [--checkins N] [--sqlite [--skip-pg]]``;
``--reuse SCHEMA`` measures an already seeded PostgreSQL schema (kept). Results go to
``docs/benchmarks.md`` under "## Statistics (issue 4)".
"""

import argparse
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from benchmarks import harness
from benchmarks.harness import DEFAULT_PG, ROOT, Database, summary

HEADING = "## Statistics (issue 4)"
TARGET_MS = 200.0
PASSWORD = "bench-password-123"


def _env(database: Database) -> dict:
    env = dict(os.environ, RATELIMIT_ENABLED="false", SECRET_KEY="bench-secret-key-0123456789abcdef")
    env["DATABASE_URL"] = database.app_url
    return env


def seed(database: Database, stations: int, checkins: int) -> float:
    """Create the tables and run ``flask bench-data``; return the seconds it took."""
    database.create_tables()
    started = time.perf_counter()
    # From the checkout, where `flask --app stationfinder` finds the benchmarks' seeding command.
    seeding = ["bench-data", "--stations", str(stations), "--checkins", str(checkins)]
    flask = [sys.executable, "-m", "flask", "--app", "stationfinder", *seeding]
    subprocess.run(flask, env=_env(database), cwd=ROOT, check=True)
    return time.perf_counter() - started


def child(database: list, repeat: int, raw_repeat: int) -> dict:
    """Measure in this (fresh) process and return the results."""
    import sqlalchemy as sa

    from stationfinder import create_app
    from stationfinder.extensions import db
    from stationfinder.models import Station, User
    from stationfinder.services import accounts

    database = Database(*database)
    config = {"RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False}
    os.environ.update(_env(database))
    app = create_app(config)
    with app.app_context():
        prefix2 = sa.func.substr(Station.region_code, 1, 2)
        by_province = db.session.execute(
            sa.select(prefix2, sa.func.count()).group_by(prefix2).order_by(sa.func.count().desc())
        ).first()
        province = by_province[0] + "0000"
        county = db.session.execute(
            sa.select(Station.region_code, sa.func.count())
            .where(Station.region_code.like(by_province[0] + "%"))
            .group_by(Station.region_code)
            .order_by(sa.func.count().desc())
        ).first()[0]
        tz = app.config["TIMEZONE"]
        today = datetime.now(ZoneInfo(tz)).date()
        users = {}
        roles = (("b-admin", "admin", None), ("b-prov", "staff", province), ("b-county", "staff", county))
        for name, role, region in roles:
            user = db.session.scalar(sa.select(User).where(User.username == name))
            if user is None:
                user = accounts.create_user(name, PASSWORD, role, region=region)
            users[name] = accounts.issue_token(user)
        db.session.commit()
        counts = {
            "stations": db.session.scalar(sa.select(sa.func.count(Station.id))),
            "checkins": db.session.scalar(sa.text("SELECT count(*) FROM checkin")),
        }
    year_from = (today - timedelta(days=364)).isoformat()
    month_from = (today - timedelta(days=29)).isoformat()
    api = {
        "national, 30 days, by day": ("b-admin", {"group_by": "day"}),
        "biggest province, 30 days, by station": ("b-prov", {"group_by": "station"}),
        "its biggest county, 30 days, by hour": ("b-county", {"group_by": "hour"}),
        "national, 1 year, by region": ("b-admin", {"group_by": "region", "from": year_from}),
        "national, 30 days, total": ("b-admin", {}),
        "province, 1 year, by station": ("b-prov", {"group_by": "station", "from": year_from}),
        "province, 30 days, by region (cities)": ("b-prov", {"group_by": "region"}),
    }
    pages = {
        "national, 30 days": ("b-admin", {}),
        "national, 1 year": ("b-admin", {"from": year_from}),
        "biggest province, 30 days": ("b-prov", {}),
        "its biggest county, 30 days": ("b-county", {}),
    }
    clients = {}
    for name in users:
        client = app.test_client()
        response = client.post("/login", data={"username": name, "password": PASSWORD})
        assert response.status_code == 302, response.status_code
        clients[name] = client
    samples: dict[str, list[float]] = {f"api: {k}": [] for k in api} | {f"page: {k}": [] for k in pages}
    for round_ in range(repeat + 1):
        for label, (user, params) in api.items():
            started = time.perf_counter()
            response = app.test_client().get(
                "/api/v1/stats/checkins",
                query_string=params,
                headers={"Authorization": f"Bearer {users[user]}"},
            )
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.get_data(as_text=True)[:300]
            if round_:  # the first round warms caches and connections
                samples[f"api: {label}"].append(elapsed)
        for label, (user, params) in pages.items():
            started = time.perf_counter()
            response = clients[user].get("/dashboard/", query_string=params)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            if round_:
                samples[f"page: {label}"].append(elapsed)
    prefix = by_province[0]
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    raw_sql = {
        "national, 30 days, by day": (
            "SELECT local_day, count(*) FROM checkin WHERE local_day BETWEEN :m AND :t GROUP BY 1",
        ),
        "biggest province, 30 days, by station": (
            "SELECT c.station_id, count(*) FROM checkin c JOIN station s ON s.id = c.station_id "
            "WHERE s.region_code >= :p AND s.region_code < :u AND c.local_day BETWEEN :m AND :t GROUP BY 1",
        ),
        "its biggest county, 30 days, by hour": (
            "SELECT HOUR, count(*) FROM checkin c "
            "JOIN station s ON s.id = c.station_id WHERE s.region_code = :c "
            "AND c.local_day BETWEEN :m AND :t GROUP BY 1",
        ),
        "national, 1 year, by region": (
            "SELECT substr(s.region_code, 1, 2), count(*) FROM checkin c "
            "JOIN station s ON s.id = c.station_id WHERE c.local_day BETWEEN :y AND :t GROUP BY 1",
        ),
    }
    params = {"m": month_from, "t": today.isoformat(), "y": year_from, "p": prefix, "u": upper, "c": county}
    raw: dict[str, list[float]] = {k: [] for k in raw_sql}
    engine = database.engine()
    postgres = engine.dialect.name == "postgresql"
    hour = (
        f"extract(hour FROM c.created_at AT TIME ZONE '{tz}')" if postgres else "strftime('%H', c.created_at)"
    )
    with engine.connect() as conn:
        for _ in range(raw_repeat):
            for label, (sql,) in raw_sql.items():
                sql = sql.replace("HOUR", hour)
                bound = {k: v for k, v in params.items() if f":{k}" in sql}
                if postgres:
                    for name in ("m", "t", "y"):
                        sql = sql.replace(f":{name} ", f"CAST(:{name} AS DATE) ")
                started = time.perf_counter()
                conn.execute(sa.text(sql), bound).all()
                raw[label].append((time.perf_counter() - started) * 1000)
    engine.dispose()
    return {
        "counts": counts,
        "province": province,
        "county": county,
        "cpus": os.cpu_count(),
        "load": os.getloadavg(),
        "results": {k: summary(v) for k, v in samples.items()},
        "raw": {k: summary(v) for k, v in raw.items()},
    }


def run(database: Database, stations: int, checkins: int, repeat: int, raw_repeat: int, seeded: bool) -> dict:
    """Seed the database unless it was ``seeded`` before, then measure in a fresh process."""
    seed_s = None if seeded else seed(database, stations, checkins)
    measured = harness.run_child("benchmarks.stats", database.as_args(), repeat, raw_repeat)
    return {"backend": database.backend, "seed_s": seed_s, **measured}


def _verdict(ms: float) -> str:
    return "yes" if ms < TARGET_MS else "**NO**"


def report(results: list[dict]) -> str:
    """Return the markdown section for docs/benchmarks.md."""
    lines = [HEADING, ""]
    for r in results:
        counts = r["counts"]
        seeded = (
            f"seeded by `flask bench-data` in {r['seed_s']:.0f} s"
            if r["seed_s"]
            else "a schema seeded earlier"
        )
        runs = next(iter(r["results"].values()))["n"]
        size = f"{counts['stations']:,} stations, {counts['checkins']:,} check-ins over a year"
        lines += [
            f"### {r['backend']}: {size}",
            "",
            f"`python -m benchmarks stats` — {seeded}; biggest province {r['province']}, its biggest county "
            f"{r['county']}; Flask test client in a fresh process, {runs} "
            f"timed runs each after one warm-up, {r['cpus']} CPUs, load average "
            f"{', '.join(f'{x:.1f}' for x in r['load'])} at the end; {time.strftime('%Y-%m-%d')}.",
            "",
        ]
        rows = []
        for label, s in r["results"].items():
            kind, question = label.split(": ", 1)
            raw = r["raw"].get(question) if kind == "api" else None
            raw_text = (
                f"{raw['median_ms']:,.0f} ms ({raw['median_ms'] / s['median_ms']:,.0f}× slower)"
                if raw
                else ""
            )
            name = f"API {question}" if kind == "api" else f"dashboard page, {question}"
            rows.append(
                [name, f"{s['median_ms']:.1f} ms", f"{s['p95_ms']:.1f} ms", _verdict(s["p95_ms"]), raw_text]
            )
        header = ["question", "median", "p95", "< 200 ms", "raw GROUP BY over `checkin`, median"]
        lines += [*harness.table(header, rows), ""]
    lines += NOTES
    return "\n".join(lines)


NOTES = [
    "The raw GROUP BY counts check-ins only (no unique devices) and is what the API would cost without "
    "rollups. The API and page times include authentication, parsing, the rollup queries, JSON or HTML.",
    "",
    "Where the answers come from (`services/stats/` picks the coarsest table): totals, days, "
    "weekdays, rider groups and child regions of any region read `checkin_area_month` for whole months and "
    "`checkin_area_day` for the rest (a year nationally is ~80 rows per group); hours and the heatmap read "
    "`checkin_area_hour` (country, provinces, cities), summed by hour of day or by weekday and hour in "
    "SQL, or, for counties, managers and single stations, the "
    "hourly `checkin_rollup` of their few hundred stations. Per-station answers read the per-station "
    "day, month, quarter and calendar-year tables, keyed by province first: each level takes a partial "
    "unit whole minus the rest when the rest is shorter (`stats/spans.station_spans`), so a year to today "
    "is about three rows per station (a few days, a month and the year; the days and month still to "
    "come have no rows). Station names of a region are kept per worker and joined to the counts in "
    "Python. The busiest-station ranking of a big area uses the threshold algorithm over the month "
    "rows (about 800 candidates counted exactly) and the least-used list probes stations until it has "
    "ten without check-ins. Station counts, child regions, station names and map centres are kept per "
    "worker until the stations dataset version moves.",
    "",
    "The largest answer is every station of the biggest province over a year (Guangdong: 16,556 "
    "stations, a 1.5 MB JSON answer). Timings come from a 2-core machine that may be shared: the load "
    "average is given.",
    "",
    "",
]


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(prog="benchmarks.stats", description=__doc__.split("\n")[0])
    parser.add_argument("--stations", type=int, default=186_100)
    parser.add_argument("--checkins", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--raw-repeat", type=int, default=3)
    harness.pg_flag(parser)
    parser.add_argument("--reuse", help="measure this already seeded PostgreSQL schema; keep it")
    parser.add_argument("--sqlite", action="store_true", help="also measure SQLite (seeding it is slow)")
    parser.add_argument("--reuse-sqlite", metavar="FILE", help="measure this already seeded SQLite file")
    parser.add_argument("--skip-pg", action="store_true", help="measure SQLite only")
    harness.doc_and_child_flags(parser)
    args = harness.parse(parser, argv, child)
    if args is None:  # a child process, which has measured
        return []
    results = []
    sizes = (args.stations, args.checkins, args.repeat, args.raw_repeat)
    if not args.skip_pg:
        with harness.postgres(args.pg or DEFAULT_PG, "bench_stats_", reuse=args.reuse) as database:
            results.append(run(database, *sizes, seeded=bool(args.reuse)))
    if args.reuse_sqlite:
        database = Database("SQLite", f"sqlite:///{os.path.abspath(args.reuse_sqlite)}")
        results.append(run(database, *sizes, seeded=True))
    elif args.sqlite:
        with harness.sqlite("bench-stats-", "stats.sqlite") as database:
            results.append(run(database, *sizes, seeded=False))
    harness.publish(HEADING, report(results), no_doc=args.no_doc)
    return results


if __name__ == "__main__":
    main()
