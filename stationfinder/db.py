"""Engine set-up per backend: SQLite gets WAL, a busy timeout and real transactions."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

from stationfinder.extensions import db

# Execution option that makes a SQLite transaction take the write lock at BEGIN,
# so two writers never both read-then-write (no lost updates, no deadlock retry).
IMMEDIATE = {"sqlite_immediate": True}
# SQLite reads through a memory map of up to this many bytes: the statistics' rollup reads are faster.
MMAP_SIZE = 256 * 1024 * 1024


def init_app(app: Flask) -> None:
    """Tune each engine once it exists."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _tune_sqlite(engine)


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # pysqlite's own transaction handling defers BEGIN unpredictably; take control.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA mmap_size={MMAP_SIZE}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        immediate = conn.get_execution_options().get("sqlite_immediate")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def unmapped(conn: Connection) -> Iterator[Connection]:
    """Read a whole table once through ``conn`` without SQLite's memory map (no-op on other databases).

    Pages read through the map stay mapped, and counted in the worker's memory, for as long as the
    pooled connection lives: the nearest index's one scan of the stations table left 50 MB of them
    in every worker at national scale, for reads that never come again.
    """
    sqlite = conn.dialect.name == "sqlite" and conn.engine.url.database not in (None, "", ":memory:")
    if sqlite:
        conn.exec_driver_sql("PRAGMA mmap_size=0")
    try:
        yield conn
    finally:
        if sqlite:
            conn.exec_driver_sql(f"PRAGMA mmap_size={MMAP_SIZE}")
