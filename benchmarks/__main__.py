"""Run the registered benchmarks, each in a fresh interpreter so timings and memory do not mix.

``python -m benchmarks`` runs all; ``python -m benchmarks nearest --pg`` runs one with its own arguments.
"""

import subprocess
import sys

from benchmarks import REGISTRY


def main(argv: list[str]) -> int:
    """Dispatch to one benchmark (with its arguments) or run every registered one."""
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        print("registered:", ", ".join(REGISTRY))
        return 0
    if argv:
        name, args = argv[0], argv[1:]
        if name not in REGISTRY:
            print(f"unknown benchmark {name!r}; registered: {', '.join(REGISTRY)}", file=sys.stderr)
            return 2
        runs = [(name, args)]
    else:
        runs = [(name, []) for name in REGISTRY]
    failed = []
    for name, args in runs:
        print(f"== benchmarks.{name}", flush=True)
        code = subprocess.call([sys.executable, "-m", f"benchmarks.{name}", *args])
        if code:
            failed.append(name)
    if failed:
        print("failed:", ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
