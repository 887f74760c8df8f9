"""The nearest search against a plain Flask app, counted in instructions (issue 15).

Wall-clock ratios on a shared two-core machine move by a third within an hour, and with them the
verdict on "≤ 2× a bare Flask app". valgrind's callgrind counts the instructions a process runs:
the same count for the same code and input, whatever else the machine is doing. This benchmark
is the nearest benchmark's request loop under callgrind, with counting switched on only inside
the measured loops (each one run through ``functools.reduce``, which callgrind toggles on and
dumps after):

- a plain ``Flask()`` app with no extensions answering the canned JSON (the issue's yardstick);
- a bare route in the app answering the same JSON;
- ``GET /api/v1/stations/nearest``.

Instructions are not time: a request that walks numpy, SciPy and pyproj over a national index
misses the CPU's caches more than one that runs Werkzeug and the C JSON encoder, so the wall-clock
ratio stays the target; this one says whether a change did less work.

Run ``python -m benchmarks.instructions [--stations N] [--requests N]``. It needs valgrind
(Debian's ``valgrind`` package); results go to ``docs/benchmarks.md`` under
"## Nearest search in instructions (issue 15)".
"""

import argparse
import functools
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks import harness
from benchmarks.harness import Database
from benchmarks.nearest import NATIONAL_STATIONS, _point, fill, worker

HEADING = "## Nearest search in instructions (issue 15)"
WARM_QUERIES = 400
PHASES = ("plain", "bare", "nearest")


def child(database: list, requests: int) -> dict:
    """Answer the benchmark's queries once, then run each phase's loop through ``functools.reduce``."""
    app, plain, canned = worker(Database(*database))
    client, plain_client = app.test_client(), plain.test_client()
    rng = random.Random(11)  # the nearest benchmark's queries
    urls = []
    for i in range(WARM_QUERIES):
        lat, lon = _point(rng, cities_only=i % 4 != 0)
        urls.append(f"lat={lat:.6f}&lon={lon:.6f}")
    for qs in urls:
        canned[qs.encode()] = client.get("/api/v1/stations/nearest?" + qs).get_json()
    for qs in urls[:20]:
        client.get("/bench/bare?" + qs)
        plain_client.get("/bench/bare?" + qs)
    # Queries the warm-up answered: their stations come from the worker's kept shaped JSON, as in
    # the nearest benchmark's timed loop.
    measured = urls[100 : 100 + requests]
    targets = {
        "plain": (plain_client, "/bench/bare?"),
        "bare": (client, "/bench/bare?"),
        "nearest": (client, "/api/v1/stations/nearest?"),
    }
    for name in PHASES:
        test_client, path = targets[name]

        def one(_, qs, test_client=test_client, path=path):
            assert test_client.get(path + qs).status_code == 200

        functools.reduce(one, measured, None)
    return {"requests": len(measured)}


def _totals(prefix: Path) -> list[int]:
    """Return the instruction totals of callgrind's numbered dumps, in the order they were made."""
    dumps = sorted(prefix.parent.glob(prefix.name + ".*"), key=lambda p: int(p.name.rsplit(".", 1)[1]))
    totals = []
    for dump in dumps:
        text = dump.read_text(errors="replace")
        found = re.search(r"^(?:summary|totals): (\d+)", text, re.MULTILINE)
        totals.append(int(found.group(1)) if found else 0)
    return totals


def run(database: Database, requests: int) -> dict:
    """Run the child under callgrind; return instructions per request of each phase and the ratios."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="sf-callgrind-") as tmp:
        prefix = Path(tmp) / "callgrind.out"
        command = [
            valgrind,
            "--tool=callgrind",
            f"--callgrind-out-file={prefix}",
            "--collect-atstart=no",
            "--toggle-collect=functools_reduce",
            "--dump-after=functools_reduce",
            sys.executable,
            "-m",
            "benchmarks.instructions",
            "--child",
            json.dumps([database.as_args(), requests]),
        ]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, capture_output=True, text=True, cwd=harness.ROOT, env=env)
        if done.returncode:
            failure = done.stderr[-4000:]
            raise RuntimeError(f"the child failed under callgrind ({done.returncode}):\n{failure}")
        answered = json.loads(done.stdout.strip().splitlines()[-1])["requests"]
        # Start-up code uses functools.reduce too: the phases are the last dumps.
        totals = _totals(prefix)[-len(PHASES) :]
    per = {name: total / answered for name, total in zip(PHASES, totals, strict=True)}
    return {
        "backend": database.backend,
        "requests": answered,
        **{f"{name}_instructions": value for name, value in per.items()},
        "ratio_plain": per["nearest"] / per["plain"],
        "ratio_bare": per["nearest"] / per["bare"],
    }


def report(result: dict, stations: int) -> str:
    """Return the doc section for one run."""
    rows = [
        ("plain `Flask()` app, same canned JSON", f"{result['plain_instructions'] / 1e6:.3f} M"),
        ("bare route in the app, same canned JSON", f"{result['bare_instructions'] / 1e6:.3f} M"),
        ("`GET /api/v1/stations/nearest`", f"{result['nearest_instructions'] / 1e6:.3f} M"),
        ("**nearest / plain app**", f"**{result['ratio_plain']:.2f}×**"),
        ("nearest / bare route in the app", f"{result['ratio_bare']:.2f}×"),
    ]
    lines = [
        HEADING,
        "",
        f"`python -m benchmarks.instructions` ({stations:,} stations, {result['backend']}, "
        f"{result['requests']} requests per loop, valgrind's callgrind, `PYTHONHASHSEED=0`). "
        "Instructions per request, counted only inside each measured loop; the same on every run "
        "of the same code, whatever the machine's load. The wall-clock ratio (the nearest benchmark "
        "above) stays the target: see the module's docstring for why the two differ.",
        "",
        *harness.table(("per request", "instructions"), rows),
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    """Fill a SQLite database, count a worker's instructions per request, and write the doc section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=NATIONAL_STATIONS)
    parser.add_argument("--requests", type=int, default=100)
    harness.doc_and_child_flags(parser)
    args = harness.parse(parser, argv, child)
    if args is None:
        return
    with harness.sqlite("sf-instructions-") as database:
        fill(database, args.stations)
        result = run(database, args.requests)
    section = report(result, args.stations)
    print(section)
    if not args.no_doc:
        harness.write_section(HEADING, section)


if __name__ == "__main__":
    main()
