"""Benchmarks for the speed targets in the issues, run by ``python -m benchmarks [NAME [ARG ...]]``.

With a NAME it runs that one with its arguments, without one it runs them all.

Each entry of REGISTRY names a module ``benchmarks.<name>`` that runs as ``python -m benchmarks.<name>``.
Append yours to the list.
"""

REGISTRY: list[str] = [
    "nearest",
    "import_csv",
    "checkins",
    "stats",
    "coverage",
    "instructions",
]
