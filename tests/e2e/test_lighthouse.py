"""Lighthouse 12 on a phone (its default mobile mode, simulated throttling) scores the rider pages 0.95+.

Lighthouse comes from npm (package-lock.json, ``make install``), Chrome is Debian's chromium, and
the pages come from the live test server with the app's own compression and hashed static files.
Nothing here needs the internet: every URL is on 127.0.0.1.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest
from flask import url_for

from stationfinder.extensions import db
from stationfinder.services import dataset
from stationfinder.services.posters import tokens as posters
from tests.e2e.conftest import CHROMIUM
from tests.factories import StationFactory

pytestmark = pytest.mark.e2e

LIGHTHOUSE = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")
THRESHOLD = 0.95
# Simulated throttling replays the main thread's own task times slowed 4×, so a busy shared CI
# machine (2 cores, other tests) can take a few points off performance; the page's weight cannot
# change between runs. So a page may have up to 3 runs, for performance only; accessibility and
# best practices are judged on the first run and never retried.
PERFORMANCE_RUNS = 3
# One run takes 15-20 s here; a loaded machine can take several times that.
RUN_TIMEOUT_SECONDS = 240
# On a loaded machine Chrome now and then starts too slowly for Lighthouse to connect ("Failed to
# fetch browser webSocket URL"): such a run has no scores at all, so it is started again.
STARTS = 3
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"


def lighthouse(url: str, out: Path) -> dict:
    """Run the Lighthouse CLI on ``url`` and return its JSON report (starting it again if it failed)."""
    assert LIGHTHOUSE.exists(), f"{LIGHTHOUSE} is missing: run `make install` (npm ci)"
    failures = []
    for _ in range(STARTS):
        out.unlink(missing_ok=True)
        report, failure = _run(url, out)
        if report is not None:
            return report
        failures.append(failure)
    pytest.fail(f"lighthouse {url} failed {STARTS} times:\n" + "\n".join(failures))


def _run(url: str, out: Path) -> tuple[dict | None, str]:
    command = [
        str(LIGHTHOUSE),
        url,
        "--output=json",
        f"--output-path={out}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--quiet",
        "--no-enable-error-reporting",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    done = subprocess.run(
        command,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
    )
    if done.returncode != 0 or not out.exists():
        return None, f"exit {done.returncode}: {done.stderr[-2000:]}"
    report = json.loads(out.read_text(encoding="utf-8"))
    if report.get("runtimeError"):
        return None, f"runtime error: {report['runtimeError']}"
    return report, ""


def scores(report: dict) -> dict[str, float]:
    """Return each category's score (a missing score, Lighthouse's error, counts as 0)."""
    return {name: report["categories"][name]["score"] or 0.0 for name in CATEGORIES}


def failing_audits(report: dict, category: str) -> list[str]:
    """Return the audits that cost ``category`` points: id, title, score and displayed value."""
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
            shown = audit.get("displayValue") or ""
            lines.append(f"  {category}: {audit['id']} ({audit['title']}) score {audit['score']} {shown}")
    return lines


def audit_page(base_url: str, path: str, tmp_path: Path) -> tuple[dict[str, float], list[str]]:
    """Return a page's scores (performance: the best of its runs) and, for each shortfall, why."""
    name = path.strip("/").replace("/", "_") or "index"
    first = lighthouse(base_url + path, tmp_path / f"{name}-1.json")
    best, runs = scores(first), [scores(first)]
    reports = {"performance": first}
    others_pass = all(best[c] >= THRESHOLD for c in CATEGORIES if c != "performance")
    while others_pass and best["performance"] < THRESHOLD and len(runs) < PERFORMANCE_RUNS:
        again = lighthouse(base_url + path, tmp_path / f"{name}-{len(runs) + 1}.json")
        runs.append(scores(again))
        if runs[-1]["performance"] > best["performance"]:
            best["performance"] = runs[-1]["performance"]
            reports["performance"] = again
    problems = [f"{path}: runs {runs}"]
    for category in CATEGORIES:
        if best[category] < THRESHOLD:
            problems.append(f"{path} {category} {best[category]} < {THRESHOLD}:")
            problems += failing_audits(reports.get(category, first), category)
    return best, problems


@pytest.fixture
def pages(app):
    """Make a station with a poster; return the three rider pages to audit."""
    with app.app_context():
        station = StationFactory(name="毕城驿站", region_code="520502", lat=27.3009, lon=105.2863, seats=4)
        token = posters.current_poster(station).token
        dataset.bump()
        db.session.commit()
        with app.test_request_context():
            return [
                url_for("rider.index"),
                url_for("rider.checkin_page", token=token),
                url_for("rider.station", key=station.public_key),
            ]


def test_rider_pages_score_095_on_a_phone(live_server, pages, tmp_path):
    # One test, the pages one after another: never two Chromes at once on a 2-core machine.
    results, report = {}, []
    for path in pages:
        results[path], problems = audit_page(live_server, path, tmp_path)
        report += problems
    print("\n".join(report))
    failed = [p for p, s in results.items() if any(s[c] < THRESHOLD for c in CATEGORIES)]
    assert not failed, "\n".join(report)
