"""What every benchmark shares: a database to run in, a fresh process to measure in, the figures and the doc.

- ``sqlite`` / ``postgres``: a fresh SQLite file, or a PostgreSQL schema of its own (dropped
  afterwards unless reused), as a ``Database`` that knows its URL, engine options and tables;
- ``run_child`` / ``parse``: measure in a fresh interpreter (``python -m MODULE --child
  JSON``), so imports, caches and memory of the parent never mix in; ``cpu_seconds``,
  ``named``, ``children``, ``status_kb`` and ``peak_rss_mb`` read what processes used;
- ``percentile`` and ``summary``: the medians, p95 and p99 of the samples;
- ``table`` / ``by_backend``: markdown tables; ``publish``: print a section and replace it in
  docs/benchmarks.md (each benchmark owns one section, replaced in place by its own run).
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# --- databases ---------------------------------------------------------------------------------


def pg_url(url: str) -> str:
    """Return a PostgreSQL URL with the psycopg (3) driver named."""
    prefix = "postgresql://"
    return "postgresql+psycopg://" + url[len(prefix) :] if url.startswith(prefix) else url


@dataclass(frozen=True)
class Database:
    """Where a benchmark runs: a URL, and for PostgreSQL the schema of its own."""

    backend: str
    url: str
    schema: str | None = None

    @property
    def engine_options(self) -> dict:
        """Return SQLAlchemy engine options that put the connections in the schema."""
        return {"connect_args": {"options": f"-csearch_path={self.schema}"}} if self.schema else {}

    @property
    def app_url(self) -> str:
        """Return a URL that selects the schema by itself (DATABASE_URL for gunicorn or a child)."""
        if not self.schema:
            return self.url
        joiner = "&" if "?" in self.url else "?"
        return f"{self.url}{joiner}options=-csearch_path%3D{self.schema}"

    def engine(self) -> sa.Engine:
        """Return a new engine on the database (dispose of it when done)."""
        return sa.create_engine(self.url, **self.engine_options)

    def create_tables(self) -> None:
        """Create every table of the models, as ``flask db upgrade`` would leave them."""
        from stationfinder.models import Base

        engine = self.engine()
        Base.metadata.create_all(engine)
        engine.dispose()

    def as_args(self) -> list:
        """Return the fields as JSON for a child process: ``Database(*args)`` there."""
        return [self.backend, self.url, self.schema]


@contextmanager
def sqlite(prefix: str, name: str = "bench.sqlite", backend: str = "SQLite") -> Iterator[Database]:
    """Yield a Database on a new SQLite file in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        yield Database(backend, f"sqlite:///{folder}/{name}")


@contextmanager
def postgres(url: str, prefix: str = "bench_", reuse: str | None = None) -> Iterator[Database]:
    """Yield a Database in a new PostgreSQL schema, dropped afterwards; or in ``reuse``, kept."""
    url = pg_url(url)
    if reuse:
        yield Database("PostgreSQL", url, reuse)
        return
    schema = prefix + uuid.uuid4().hex[:10]
    admin = sa.create_engine(url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield Database("PostgreSQL", url, schema)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def pg_flag(parser: argparse.ArgumentParser) -> None:
    """Add ``--pg [URL]``: also measure PostgreSQL (BENCH_DATABASE_URL or the local test database)."""
    const = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    parser.add_argument("--pg", nargs="?", const=const, default=None)


def doc_and_child_flags(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-doc`` and the hidden ``--child JSON`` that ``run_child`` passes."""
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)


# --- processes ---------------------------------------------------------------------------------


def run_child(module: str, *args) -> dict:
    """Run ``python -m module --child JSON(args)`` in a fresh interpreter; return the JSON it printed last."""
    command = [sys.executable, "-m", module, "--child", json.dumps(list(args))]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"{module} --child failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def parse(parser: argparse.ArgumentParser, argv: list[str] | None, measure: Callable[..., dict]):
    """Return the parsed arguments; in a child (``--child JSON``) run ``measure`` and return None.

    The child's side of ``run_child``: it prints what ``measure`` returns, as JSON.
    """
    args = parser.parse_args(argv)
    if not args.child:
        return args
    print(json.dumps(measure(*json.loads(args.child))))
    return None


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces; the fields after it are space-separated.
    return text[text.rindex(")") + 2 :].split()


def named(command: str) -> list[int]:
    """Return the ids of the processes running a command (Linux /proc), e.g. "postgres"."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                comm = (entry / "comm").read_text().strip()
            except OSError:
                continue
            if comm == command:
                out.append(int(entry.name))
    return out


def children(pid: int) -> list[int]:
    """Return the ids of a process's direct children (Linux /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields and int(fields[1]) == pid:
                out.append(int(entry.name))
    return out


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds a process has used (0 once it is gone)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK") if fields else 0.0


def status_kb(field: str) -> int:
    """Return a kB field of this process's /proc/self/status (VmRSS, VmHWM), -1 if absent."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return -1


def peak_rss_mb() -> float:
    """Return this process's peak resident memory so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- figures -----------------------------------------------------------------------------------


def percentile(values: Iterable[float], q: float) -> float:
    """Return the q-quantile (0..1) of the values: the sample nearest to that rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(samples: Sequence[float]) -> dict:
    """Return the median, p95 and number of timings in milliseconds."""
    return {"median_ms": statistics.median(samples), "p95_ms": percentile(samples, 0.95), "n": len(samples)}


# --- the doc -----------------------------------------------------------------------------------


def table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    """Return the lines of a markdown table."""
    # An empty corner cell is written "| |", as GitHub shows it.
    head = "|" + "|".join(f" {cell} " if cell else " " for cell in header) + "|"
    return [head, "|" + "---|" * len(header)] + ["| " + " | ".join(row) + " |" for row in rows]


Cell = str | Callable[[dict], str]


def by_backend(results: list[dict], rows: Iterable[tuple[str, Cell, str]]) -> list[str]:
    """Return a table with a column per result ("backend") and a target column.

    Each row is (label, cell, target): ``cell`` formats one result, a format string of its
    keys ("{rate:.0f}") or a function of it.
    """
    header = ["", *(r["backend"] for r in results), "target"]
    body = [
        [label, *(cell(r) if callable(cell) else cell.format(**r) for r in results), target]
        for label, cell, target in rows
    ]
    return table(header, body)


def write_section(heading: str, section: str, doc: Path = DOC) -> None:
    """Replace (or append) the section that starts with ``heading``, leaving the others alone."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n\n"
    start = text.find(heading + "\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(heading))
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    doc.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def publish(heading: str, section: str, *, no_doc: bool) -> None:
    """Print a benchmark's section and, unless ``no_doc``, put it in docs/benchmarks.md."""
    print(section)
    if not no_doc:
        write_section(heading, section)
