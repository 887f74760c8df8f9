"""Benchmarks for the speed targets in the issues; ``python -m benchmarks [NAME ...]`` runs them.

Each entry of REGISTRY names a module ``benchmarks.<name>`` that runs as ``python -m benchmarks.<name>``.
Append yours to the list.
"""

REGISTRY: list[str] = [
    "nearest",
    "import_csv",
    "checkins",
]
