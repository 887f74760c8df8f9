"""The instruction benchmark reads callgrind's dumps in the order callgrind made them."""

from benchmarks.instructions import _totals, report


def test_dumps_are_read_in_numeric_order_from_either_total_line(tmp_path):
    prefix = tmp_path / "callgrind.out"
    for number, line in ((2, "summary: 200"), (10, "totals: 1000"), (9, "summary: 900"), (1, "summary: 100")):
        (tmp_path / f"callgrind.out.{number}").write_text(f"# callgrind format\nevents: Ir\n{line}\n")
    (tmp_path / "callgrind.out").write_text("summary: 5\n")  # the final dump at exit is not a phase
    assert _totals(prefix) == [100, 200, 900, 1000]


def test_the_report_gives_instructions_per_request_and_the_ratios():
    result = {
        "backend": "SQLite",
        "requests": 100,
        "plain_instructions": 1.5e6,
        "bare_instructions": 1.6e6,
        "nearest_instructions": 2.7e6,
        "ratio_plain": 1.8,
        "ratio_bare": 2.7e6 / 1.6e6,
    }
    section = report(result, 186_100)
    assert section.startswith("## Nearest search in instructions (issue 15)\n")
    assert "| `GET /api/v1/stations/nearest` | 2.700 M |" in section
    assert "| **nearest / plain app** | **1.80×** |" in section
    assert "186,100 stations, SQLite, 100 requests per loop" in section
